import type { Clock } from '../platform/clock.js';
import type { Queryable } from '../store/db.js';
import type { PastVerdict } from './history.js';
import type { RankedCause } from './types.js';

export interface StoredRca {
  id: string;
  incident_id: string;
  ranking: RankedCause[];
  warnings: string[];
  signature: Record<string, number>;
  /** ISO: when the fault started, estimated from the data (null on analyses stored before 120). */
  fault_time?: string | null;
  created_at: string;
}

export interface RootCauseVerdict {
  id: string;
  incident_id: string;
  service: string;
  metric: string | null;
  verdict: 'confirmed' | 'corrected';
  previous_top: string | null;
  comment: string | null;
  actor: string;
  created_at: string;
}

/** Persistence of analyses and verdicts (tables from migrations 030 and 120). */
export interface RcaStore {
  saveResult(r: Omit<StoredRca, 'id' | 'created_at'>): Promise<StoredRca>;
  latestResult(incidentId: string): Promise<StoredRca | undefined>;
  /** Latest analysis of every incident that is not resolved or closed. */
  latestOpenResults(): Promise<StoredRca[]>;
  addVerdict(
    v: Omit<RootCauseVerdict, 'id' | 'created_at'> & { signature: Record<string, number> },
  ): Promise<RootCauseVerdict>;
  /** Records the confirmed cause on the incident itself (incidents.root_cause). */
  setIncidentRootCause(incidentId: string, cause: { service: string; metric: string | null; verdict: string; by: string }): Promise<void>;
  /** Most recent verdicts first, for the history priors. */
  pastVerdicts(limit?: number): Promise<PastVerdict[]>;
}

const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : String(v));

export function createRcaStore({ db, clock }: { db: Queryable; clock: Clock }): RcaStore {
  const toResult = (r: Record<string, unknown>): StoredRca => ({
    id: String(r.id),
    incident_id: String(r.incident_id),
    ranking: r.ranking as RankedCause[],
    warnings: r.warnings as string[],
    signature: r.signature as Record<string, number>,
    fault_time: r.fault_time === null || r.fault_time === undefined ? null : iso(r.fault_time),
    created_at: iso(r.created_at),
  });
  return {
    async saveResult(r) {
      const { rows } = await db.query(
        `INSERT INTO rca_results (incident_id, ranking, warnings, signature, fault_time, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
        [
          r.incident_id,
          JSON.stringify(r.ranking),
          JSON.stringify(r.warnings),
          JSON.stringify(r.signature),
          r.fault_time ? new Date(r.fault_time) : null,
          clock.now(),
        ],
      );
      return toResult(rows[0] ?? {});
    },
    async latestResult(incidentId) {
      const { rows } = await db.query(
        'SELECT * FROM rca_results WHERE incident_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1',
        [incidentId],
      );
      return rows[0] ? toResult(rows[0]) : undefined;
    },
    async latestOpenResults() {
      const { rows } = await db.query(
        `SELECT DISTINCT ON (r.incident_id) r.* FROM rca_results r
         JOIN incidents i ON i.id = r.incident_id
         WHERE i.status NOT IN ('resolved', 'closed')
         ORDER BY r.incident_id, r.created_at DESC, r.id DESC`,
      );
      return rows.map(toResult);
    },
    async addVerdict(v) {
      const { rows } = await db.query<Record<string, unknown>>(
        `INSERT INTO rca_feedback (incident_id, service, metric, verdict, previous_top, signature, comment, actor, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         RETURNING id, incident_id, service, metric, verdict, previous_top, comment, actor, created_at`,
        [
          v.incident_id,
          v.service,
          v.metric,
          v.verdict,
          v.previous_top,
          JSON.stringify(v.signature),
          v.comment,
          v.actor,
          clock.now(),
        ],
      );
      const r = rows[0] ?? {};
      const text = (v: unknown) => (v === null || v === undefined ? null : String(v));
      return {
        id: String(r.id),
        incident_id: String(r.incident_id),
        service: String(r.service),
        metric: text(r.metric),
        verdict: r.verdict === 'confirmed' ? 'confirmed' : 'corrected',
        previous_top: text(r.previous_top),
        comment: text(r.comment),
        actor: String(r.actor),
        created_at: iso(r.created_at),
      };
    },
    async setIncidentRootCause(incidentId, cause) {
      await db.query('UPDATE incidents SET root_cause = $2, updated_at = $3 WHERE id = $1', [
        incidentId,
        JSON.stringify(cause),
        clock.now(),
      ]);
    },
    async pastVerdicts(limit = 500) {
      const { rows } = await db.query<{ service: string; previous_top: string | null; signature: Record<string, number> }>(
        'SELECT service, previous_top, signature FROM rca_feedback ORDER BY created_at DESC LIMIT $1',
        [limit],
      );
      return rows.map((r) => ({ service: r.service, previousTop: r.previous_top, signature: r.signature }));
    },
  };
}
