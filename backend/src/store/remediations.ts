import type { Clock } from '../platform/clock.js';
import { NotFoundError } from '../platform/errors.js';
import type { Database, Queryable } from './db.js';
import { iso } from './paging.js';
import type { Remediation } from './types.js';

export interface NewRemediation {
  incidentId: string;
  actionType: string;
  target: string;
  namespace: string;
  plan: unknown;
  dryRun?: unknown;
  confidence?: number;
}

/** Persistence only; the state machine that moves remediations lives in remediation/. */
export interface RemediationRepository {
  create(input: NewRemediation, tx?: Queryable): Promise<Remediation>;
  get(id: string, tx?: Queryable): Promise<Remediation>;
  /** Reads a remediation with a row lock, so one transaction at a time may move it. */
  getForUpdate(id: string, tx: Queryable): Promise<Remediation>;
  update(
    id: string,
    fields: Partial<Omit<Remediation, 'id' | 'incident_id' | 'version' | 'created_at'>>,
    tx?: Queryable,
  ): Promise<Remediation>;
  listByIncident(incidentId: string): Promise<Remediation[]>;
}

const JSON_FIELDS = new Set(['plan', 'dry_run', 'before_state', 'after_state', 'verification']);

export function createRemediationRepository({ db, clock }: { db: Database; clock: Clock }): RemediationRepository {
  const get = async (id: string, q: Queryable, lock: boolean) => {
    const { rows } = await q.query<RemediationRow>(
      `SELECT * FROM remediations WHERE id = $1${lock ? ' FOR UPDATE' : ''}`,
      [id],
    );
    if (!rows[0]) throw new NotFoundError(`remediation ${id} not found`);
    return toRemediation(rows[0]);
  };
  return {
    async create(r, tx = db) {
      const now = clock.now();
      const { rows } = await tx.query<RemediationRow>(
        `INSERT INTO remediations (incident_id, action_type, target, namespace, plan, dry_run, confidence, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING *`,
        [
          r.incidentId,
          r.actionType,
          r.target,
          r.namespace,
          JSON.stringify(r.plan ?? {}),
          r.dryRun === undefined ? null : JSON.stringify(r.dryRun),
          r.confidence ?? null,
          now,
        ],
      );
      return toRemediation(rows[0] as RemediationRow);
    },
    get: (id, tx = db) => get(id, tx, false),
    getForUpdate: (id, tx) => get(id, tx, true),
    async update(id, fields, tx = db) {
      const entries = Object.entries(fields).filter(([, v]) => v !== undefined);
      const values = entries.map(([k, v]) => (JSON_FIELDS.has(k) ? JSON.stringify(v) : v));
      const sets = entries.map(([k], i) => `${k} = $${i + 3}`);
      const { rows } = await tx.query<RemediationRow>(
        `UPDATE remediations SET ${[...sets, 'updated_at = $2', 'version = version + 1'].join(', ')} WHERE id = $1 RETURNING *`,
        [id, clock.now(), ...values],
      );
      if (!rows[0]) throw new NotFoundError(`remediation ${id} not found`);
      return toRemediation(rows[0]);
    },
    async listByIncident(incidentId) {
      const { rows } = await db.query<RemediationRow>(
        'SELECT * FROM remediations WHERE incident_id = $1 ORDER BY created_at, id',
        [incidentId],
      );
      return rows.map(toRemediation);
    },
  };
}

type RemediationRow = Omit<Remediation, 'approved_at' | 'created_at' | 'updated_at'> &
  Record<'approved_at' | 'created_at' | 'updated_at', Date | null>;

function toRemediation(r: RemediationRow): Remediation {
  return {
    ...r,
    approved_at: iso(r.approved_at),
    created_at: iso(r.created_at) as string,
    updated_at: iso(r.updated_at) as string,
  };
}
