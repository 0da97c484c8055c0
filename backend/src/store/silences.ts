import type { Clock } from '../platform/clock.js';
import { ConflictError, NotFoundError } from '../platform/errors.js';
import type { Database, Queryable } from './db.js';
import { iso } from './paging.js';
import type { Silence } from './types.js';

export interface NewSilence {
  service: string;
  metric?: string | null;
  kind?: Silence['kind'];
  reason: string;
  until: Date;
  incident_id?: string | null;
}

/**
 * Silences: a service (or one of its metrics) muted until a time, by hand or by "not an anomaly"
 * feedback. Ingestion drops a silenced anomaly before it opens an incident; detection may read the
 * same rows (`matching`) as labels of what operators called normal.
 */
export interface SilenceRepository {
  create(input: NewSilence, actor: string, tx?: Queryable): Promise<Silence>;
  get(id: string): Promise<Silence>;
  /** Newest first; `active` = only those in force now. */
  list(filter: { active?: boolean; service?: string; limit: number }): Promise<Silence[]>;
  /** Ends a silence now (kept for the record). */
  expire(id: string, actor: string): Promise<Silence>;
  /** The silences in force at `at` that cover this service and metric. */
  matching(service: string, metric: string | null, at?: Date): Promise<Silence[]>;
}

type SilenceRow = Omit<Silence, 'created_at' | 'until' | 'active'> & { created_at: Date; until: Date };

export function createSilenceRepository({ db, clock }: { db: Database; clock: Clock }): SilenceRepository {
  const toSilence = (r: SilenceRow): Silence => ({
    ...r,
    created_at: iso(r.created_at) as string,
    until: iso(r.until) as string,
    active: r.until.getTime() > clock.nowMs(),
  });

  const get = async (id: string, q: Queryable = db) => {
    const { rows } = await q.query<SilenceRow>('SELECT * FROM signal_silences WHERE id = $1', [id]);
    if (!rows[0]) throw new NotFoundError(`silence ${id} not found`);
    return toSilence(rows[0]);
  };

  return {
    async create(input, actor, tx = db) {
      const now = clock.now();
      const { rows } = await tx.query<SilenceRow>(
        `INSERT INTO signal_silences (service, metric, kind, reason, incident_id, created_by, created_at, until)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
        [
          input.service,
          input.metric ?? null,
          input.kind ?? 'silence',
          input.reason,
          input.incident_id ?? null,
          actor,
          now,
          input.until,
        ],
      );
      return toSilence(rows[0] as SilenceRow);
    },

    get: (id) => get(id),

    async list({ active, service, limit }) {
      const where: string[] = [];
      const values: unknown[] = [];
      if (active) {
        values.push(clock.now());
        where.push(`until > $${values.length}`);
      }
      if (service) {
        values.push(service);
        where.push(`service = $${values.length}`);
      }
      values.push(limit);
      const { rows } = await db.query<SilenceRow>(
        `SELECT * FROM signal_silences ${where.length ? 'WHERE ' + where.join(' AND ') : ''}
         ORDER BY created_at DESC, id DESC LIMIT $${values.length}`,
        values,
      );
      return rows.map(toSilence);
    },

    expire(id, actor) {
      return db.transaction(async (tx) => {
        const current = await get(id, tx);
        if (!current.active) throw new ConflictError(`silence ${id} has already ended`);
        const { rows } = await tx.query<SilenceRow>(
          'UPDATE signal_silences SET until = $1, expired_by = $2 WHERE id = $3 RETURNING *',
          [clock.now(), actor, id],
        );
        return toSilence(rows[0] as SilenceRow);
      });
    },

    async matching(service, metric, at = clock.now()) {
      const { rows } = await db.query<SilenceRow>(
        `SELECT * FROM signal_silences
         WHERE service = $1 AND until > $2 AND (metric IS NULL OR metric = $3)
         ORDER BY until DESC`,
        [service, at, metric],
      );
      return rows.map(toSilence);
    },
  };
}
