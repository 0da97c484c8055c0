import type { Clock } from '../platform/clock.js';
import type { Database, Queryable } from '../store/index.js';
import type { RemediationStatus } from '../store/types.js';

export const FINAL_STATUSES: RemediationStatus[] = ['rejected', 'succeeded', 'failed', 'reverted', 'withdrawn'];
export const ACTIVE_STATUSES: RemediationStatus[] = ['proposed', 'approved', 'applying', 'verifying'];
/** Final statuses with an outcome for the listeners (a rejection has none). */
export const OUTCOME_STATUSES: RemediationStatus[] = ['succeeded', 'failed', 'reverted'];

/** The queries the state machine needs beyond the shared repository: policy counts and leases. */
export interface RemediationQueries {
  /** Remediations on a target not yet final (never two at once on one target); a proposal of a finished incident does not count. */
  activeOnTarget(namespace: string, target: string, tx?: Queryable): Promise<string[]>;
  /** Proposals whose incident is resolved or closed (to withdraw), optionally only on one target or one incident. */
  staleProposals(where: { namespace: string; target: string } | { incidentId: string }, tx?: Queryable): Promise<string[]>;
  /** Remediations applied (or being applied) to a target since `since`. */
  appliedSince(namespace: string, target: string, since: Date, tx?: Queryable): Promise<number>;
  /**
   * Ids whose lease is free or expired and that have work left: approved/applying/verifying, or finished with
   * an outcome its listeners have not been given yet (what a reconciler picks up).
   */
  claimable(): Promise<string[]>;
  /** Takes or renews the lease; false when another backend holds an unexpired one. */
  lease(id: string, owner: string, ttlMs: number, tx?: Queryable): Promise<boolean>;
  release(id: string, owner: string): Promise<void>;
  /** Whether a finished remediation's outcome still has to be given to the listeners. */
  outcomePending(id: string): Promise<boolean>;
  outcomeDelivered(id: string): Promise<void>;
}

export function createRemediationQueries({ db, clock }: { db: Database; clock: Clock }): RemediationQueries {
  return {
    async activeOnTarget(namespace, target, tx = db) {
      const { rows } = await tx.query<{ id: string }>(
        `SELECT r.id FROM remediations r JOIN incidents i ON i.id = r.incident_id
         WHERE r.namespace = $1 AND r.target = $2 AND r.status = ANY($3)
           AND NOT (r.status = 'proposed' AND i.status IN ('resolved', 'closed'))`,
        [namespace, target, ACTIVE_STATUSES],
      );
      return rows.map((r) => r.id);
    },
    async staleProposals(where, tx = db) {
      const [cond, args] = 'incidentId' in where ? ['r.incident_id = $1', [where.incidentId]] : ['r.namespace = $1 AND r.target = $2', [where.namespace, where.target]];
      const { rows } = await tx.query<{ id: string }>(
        `SELECT r.id FROM remediations r JOIN incidents i ON i.id = r.incident_id
         WHERE ${cond} AND r.status = 'proposed' AND i.status IN ('resolved', 'closed')`,
        args,
      );
      return rows.map((r) => r.id);
    },
    async appliedSince(namespace, target, since, tx = db) {
      const { rows } = await tx.query<{ n: string }>(
        `SELECT count(*) AS n FROM remediations WHERE namespace = $1 AND target = $2 AND updated_at >= $3
           AND status = ANY($4)`,
        [namespace, target, since, ['applying', 'verifying', 'succeeded', 'failed', 'reverted']],
      );
      return Number(rows[0]?.n ?? 0);
    },
    async claimable() {
      const { rows } = await db.query<{ id: string }>(
        `SELECT id FROM remediations
         WHERE (status = ANY($1) OR (status = ANY($3) AND outcome_delivered_at IS NULL))
           AND (lease_until IS NULL OR lease_until < $2)
         ORDER BY created_at`,
        [['approved', 'applying', 'verifying'], clock.now(), OUTCOME_STATUSES],
      );
      return rows.map((r) => r.id);
    },
    async lease(id, owner, ttlMs, tx = db) {
      const now = clock.nowMs();
      const { rows } = await tx.query<{ id: string }>(
        `UPDATE remediations SET lease_owner = $2, lease_until = $3
         WHERE id = $1 AND (lease_until IS NULL OR lease_until < $4 OR lease_owner = $2) RETURNING id`,
        [id, owner, new Date(now + ttlMs), new Date(now)],
      );
      return rows.length === 1;
    },
    async release(id, owner) {
      await db.query('UPDATE remediations SET lease_owner = NULL, lease_until = NULL WHERE id = $1 AND lease_owner = $2', [id, owner]);
    },
    async outcomePending(id) {
      const { rows } = await db.query<{ id: string }>(
        'SELECT id FROM remediations WHERE id = $1 AND status = ANY($2) AND outcome_delivered_at IS NULL',
        [id, OUTCOME_STATUSES],
      );
      return rows.length === 1;
    },
    async outcomeDelivered(id) {
      await db.query('UPDATE remediations SET outcome_delivered_at = $2 WHERE id = $1', [id, clock.now()]);
    },
  };
}
