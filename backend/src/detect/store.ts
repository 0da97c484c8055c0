import { z } from 'zod';
import type { Clock } from '../platform/clock.js';
import type { Database, Queryable } from '../store/db.js';
import { decodeCursor, iso, type Page, SqlParams, toPage } from '../store/paging.js';

/** An anomaly event as the API, the bus and the store see it. */
export const anomalySchema = z.object({
  id: z.uuid(),
  series: z.string(),
  namespace: z.string(),
  service: z.string(),
  metric: z.string(),
  start: z.string().describe('ISO 8601'),
  end: z.string(),
  peak: z.string().describe('time of the highest score'),
  score: z.number().min(0).max(1),
  detectors: z.array(z.string()).describe('ensemble members that voted anomalous'),
  group_id: z.uuid().describe('shared by anomalies correlated in time and over the service graph'),
  open: z.boolean(),
});
export type Anomaly = z.infer<typeof anomalySchema>;
export type NewAnomaly = Omit<Anomaly, 'id'>;

export interface ScoreRow {
  series: string;
  service: string;
  metric: string;
  at: number;
  score: number;
}

export interface ScoreQuery {
  service?: string;
  metric?: string;
  from: number;
  to: number;
  stepMs: number;
}

export interface ScoreSeries {
  service: string;
  metric: string;
  points: Array<[number, number]>;
}

export interface StoredModel {
  kind: string;
  key: string;
  version: number;
  state: unknown;
  weights: Buffer | null;
  metrics: Record<string, unknown>;
  updated_at: string;
}

/** Retention: raw scores for a day, 1-minute maxima for a week, 5-minute maxima for a month. */
export const RETENTION = [
  { resolution: 0, keepMs: 86_400_000, rollTo: 60_000 },
  { resolution: 60_000, keepMs: 7 * 86_400_000, rollTo: 300_000 },
  { resolution: 300_000, keepMs: 30 * 86_400_000, rollTo: null },
] as const;

export interface DetectStore {
  saveModel(m: {
    kind: string;
    key: string;
    version?: number;
    state: unknown;
    weights?: Buffer | null;
    metrics?: Record<string, unknown>;
  }): Promise<void>;
  loadModel(kind: string, key: string): Promise<StoredModel | undefined>;
  insertAnomaly(a: NewAnomaly, tx?: Queryable): Promise<Anomaly>;
  updateAnomaly(id: string, change: Pick<Anomaly, 'end' | 'peak' | 'score' | 'detectors' | 'open'>): Promise<Anomaly>;
  openAnomalies(): Promise<Anomaly[]>;
  listAnomalies(f: {
    service?: string;
    from?: Date;
    to?: Date;
    limit: number;
    cursor?: string;
  }): Promise<Page<Anomaly>>;
  appendScores(rows: ScoreRow[]): Promise<void>;
  queryScores(q: ScoreQuery): Promise<ScoreSeries[]>;
  /** Rolls expired points up into the next resolution and deletes what is past the last one. */
  downsample(): Promise<{ rolledUp: number; deleted: number }>;
}

interface AnomalyRow {
  id: string;
  series: string;
  namespace: string;
  service: string;
  metric: string;
  start_at: Date;
  end_at: Date;
  peak_at: Date;
  score: number;
  detectors: string[];
  group_id: string;
  open: boolean;
  created_at: Date;
}

const toAnomaly = (r: AnomalyRow): Anomaly => ({
  id: r.id,
  series: r.series,
  namespace: r.namespace,
  service: r.service,
  metric: r.metric,
  start: iso(r.start_at) as string,
  end: iso(r.end_at) as string,
  peak: iso(r.peak_at) as string,
  score: Number(r.score),
  detectors: r.detectors,
  group_id: r.group_id,
  open: r.open,
});

const INSERT_BATCH = 5000;

export function createDetectStore({ db, clock }: { db: Database; clock: Clock }): DetectStore {
  return {
    async saveModel(m) {
      await db.query(
        `INSERT INTO models (kind, model_key, version, state, weights, metrics, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
         ON CONFLICT (kind, model_key) DO UPDATE SET version = EXCLUDED.version, state = EXCLUDED.state,
           weights = EXCLUDED.weights, metrics = EXCLUDED.metrics, updated_at = EXCLUDED.updated_at`,
        [
          m.kind,
          m.key,
          m.version ?? 1,
          JSON.stringify(m.state),
          m.weights ?? null,
          JSON.stringify(m.metrics ?? {}),
          clock.now(),
        ],
      );
    },
    async loadModel(kind, key) {
      const { rows } = await db.query<{
        kind: string;
        model_key: string;
        version: number;
        state: unknown;
        weights: Buffer | Uint8Array | null;
        metrics: Record<string, unknown>;
        updated_at: Date;
      }>(
        'SELECT kind, model_key, version, state, weights, metrics, updated_at FROM models WHERE kind = $1 AND model_key = $2',
        [kind, key],
      );
      const r = rows[0];
      if (!r) return undefined;
      return {
        kind: r.kind,
        key: r.model_key,
        version: r.version,
        state: r.state,
        weights: r.weights ? Buffer.from(r.weights) : null,
        metrics: r.metrics,
        updated_at: iso(r.updated_at) as string,
      };
    },
    async insertAnomaly(a, tx = db) {
      const { rows } = await tx.query<AnomalyRow>(
        `INSERT INTO anomalies (series, namespace, service, metric, start_at, end_at, peak_at, score, detectors, group_id, open, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING *`,
        [
          a.series,
          a.namespace,
          a.service,
          a.metric,
          a.start,
          a.end,
          a.peak,
          a.score,
          a.detectors,
          a.group_id,
          a.open,
          clock.now(),
        ],
      );
      return toAnomaly(rows[0] as AnomalyRow);
    },
    async updateAnomaly(id, c) {
      const { rows } = await db.query<AnomalyRow>(
        `UPDATE anomalies SET end_at = $2, peak_at = $3, score = $4, detectors = $5, open = $6, updated_at = $7
         WHERE id = $1 RETURNING *`,
        [id, c.end, c.peak, c.score, c.detectors, c.open, clock.now()],
      );
      return toAnomaly(rows[0] as AnomalyRow);
    },
    async openAnomalies() {
      const { rows } = await db.query<AnomalyRow>('SELECT * FROM anomalies WHERE open ORDER BY start_at');
      return rows.map(toAnomaly);
    },
    async listAnomalies(f) {
      const p = new SqlParams();
      const where: string[] = [];
      if (f.service) where.push(`service = ${p.add(f.service)}`);
      // An anomaly belongs to a range when it overlaps it.
      if (f.from) where.push(`end_at >= ${p.add(f.from)}`);
      if (f.to) where.push(`start_at < ${p.add(f.to)}`);
      if (f.cursor) {
        const c = decodeCursor(f.cursor);
        where.push(`(start_at, id) < (${p.add(c.at)}::timestamptz, ${p.add(c.id)}::uuid)`);
      }
      const { rows } = await db.query<AnomalyRow>(
        `SELECT * FROM anomalies ${where.length ? 'WHERE ' + where.join(' AND ') : ''}
         ORDER BY start_at DESC, id DESC LIMIT ${p.add(f.limit + 1)}`,
        p.values,
      );
      return toPage(rows.map(toAnomaly), f.limit, (a) => ({ at: a.start, id: a.id }));
    },
    async appendScores(rows) {
      for (let i = 0; i < rows.length; i += INSERT_BATCH) {
        const part = rows.slice(i, i + INSERT_BATCH);
        // unnest() batches: one statement per few thousand rows instead of one per row.
        await db.query(
          `INSERT INTO anomaly_scores (series, service, metric, resolution, at, score)
           SELECT s, sv, m, 0, to_timestamp(t / 1000.0), sc
           FROM unnest($1::text[], $2::text[], $3::text[], $4::float8[], $5::float4[]) AS u(s, sv, m, t, sc)
           ON CONFLICT (series, resolution, at) DO UPDATE SET score = EXCLUDED.score`,
          [
            part.map((r) => r.series),
            part.map((r) => r.service),
            part.map((r) => r.metric),
            part.map((r) => r.at),
            part.map((r) => r.score),
          ],
        );
      }
    },
    async queryScores(q) {
      const p = new SqlParams();
      const where = [
        `at >= to_timestamp(${p.add(q.from)}::float8 / 1000)`,
        `at <= to_timestamp(${p.add(q.to)}::float8 / 1000)`,
      ];
      if (q.service) where.push(`service = ${p.add(q.service)}`);
      if (q.metric) where.push(`metric = ${p.add(q.metric)}`);
      const step = p.add(q.stepMs);
      // Whatever resolution a stretch is stored at, each step bucket reports its maximum.
      const { rows } = await db.query<{ service: string; metric: string; bucket: string; score: number }>(
        `SELECT service, metric, (floor(extract(epoch from at) * 1000 / ${step}::float8) * ${step}::float8)::bigint AS bucket, max(score) AS score
         FROM anomaly_scores WHERE ${where.join(' AND ')}
         GROUP BY service, metric, bucket ORDER BY service, metric, bucket`,
        p.values,
      );
      const bySeries = new Map<string, ScoreSeries>();
      for (const r of rows) {
        const key = `${r.service}\u0000${r.metric}`;
        const s = bySeries.get(key) ?? { service: r.service, metric: r.metric, points: [] };
        s.points.push([Number(r.bucket), Number(r.score)]);
        bySeries.set(key, s);
      }
      return [...bySeries.values()];
    },
    async downsample() {
      const now = clock.nowMs();
      let rolledUp = 0;
      let deleted = 0;
      for (const level of RETENTION) {
        const cutoff = new Date(now - level.keepMs);
        await db.transaction(async (tx) => {
          if (level.rollTo !== null) {
            const r = await tx.query(
              `INSERT INTO anomaly_scores (series, service, metric, resolution, at, score)
               SELECT series, service, metric, $2::int, to_timestamp(floor(extract(epoch from at) * 1000 / $2::float8) * $2::float8 / 1000), max(score)
               FROM anomaly_scores WHERE resolution = $1 AND at < $3
               GROUP BY series, service, metric, 5
               ON CONFLICT (series, resolution, at) DO UPDATE SET score = GREATEST(anomaly_scores.score, EXCLUDED.score)`,
              [level.resolution, level.rollTo, cutoff],
            );
            rolledUp += r.rowCount;
          }
          const d = await tx.query('DELETE FROM anomaly_scores WHERE resolution = $1 AND at < $2', [
            level.resolution,
            cutoff,
          ]);
          deleted += d.rowCount;
        });
      }
      return { rolledUp, deleted };
    },
  };
}
