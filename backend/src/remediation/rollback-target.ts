import { createHash } from 'node:crypto';
import type { Clock } from '../platform/clock.js';
import { ConflictError } from '../platform/errors.js';
import type { Database, Queryable } from '../store/index.js';
import type { DeploymentState, RevisionRecord } from './types.js';

/** A pod template's identity across renumbering: what its containers run (image, env, command, resources). */
export function templateFingerprint(containers: unknown): string {
  return createHash('sha256').update(JSON.stringify(containers ?? [])).digest('hex').slice(0, 16);
}

export interface RollbackTarget {
  toRevision: number;
  fingerprint: string;
  fromFingerprint: string | null;
  /** One sentence for the approver: why this revision, and which were skipped. */
  reason: string;
}

/** Restarts at which a revision's pods count as crash-looping. */
const CRASH_RESTARTS = 3;

/** The current revision's own pods are crash-looping (restarting, not ready). */
export function crashLooping(state: DeploymentState, current: RevisionRecord | undefined): boolean {
  const mine = state.pods.filter((p) => !current?.templateHash || p.templateHash === current.templateHash);
  return mine.some((p) => p.restarts >= CRASH_RESTARTS && !p.ready);
}

/**
 * The newest earlier revision whose template differs from the current one and was never seen failing.
 * `failing` maps fingerprints to why they are known bad.
 */
export function chooseRollbackTarget(state: DeploymentState, revisions: RevisionRecord[], failing: Map<string, string>): RollbackTarget {
  const sorted = [...revisions].sort((a, b) => b.revision - a.revision);
  const current = sorted.find((r) => r.revision === state.revision) ?? sorted[0];
  const from = current ? templateFingerprint(current.containers) : null;
  const skipped: string[] = [];
  for (const r of sorted) {
    if (r.revision >= (current?.revision ?? Infinity)) continue;
    const fp = templateFingerprint(r.containers);
    if (fp === from) {
      skipped.push(`revision ${r.revision} (the same template as the current one)`);
      continue;
    }
    const bad = failing.get(fp);
    if (bad) {
      skipped.push(`revision ${r.revision} (${bad})`);
      continue;
    }
    const cause = r.cause ? ` (${r.cause})` : '';
    const reason = `revision ${r.revision}${cause} is the newest earlier revision not seen failing${skipped.length ? `; skipped ${skipped.join(', ')}` : ''}`;
    return { toRevision: r.revision, fingerprint: fp, fromFingerprint: from, reason };
  }
  throw new ConflictError(
    `no safe revision to roll ${state.namespace}/${state.name} back to${skipped.length ? `: skipped ${skipped.join(', ')}` : ': it has no earlier revision'}`,
  );
}

/** Templates seen failing, remembered per deployment. */
export interface FailingRevisions {
  list(namespace: string, deployment: string, tx?: Queryable): Promise<Map<string, string>>;
  record(namespace: string, deployment: string, fingerprint: string, revision: number, reason: string, tx?: Queryable): Promise<void>;
}

export function createFailingRevisions({ db, clock }: { db: Database; clock: Clock }): FailingRevisions {
  return {
    async list(namespace, deployment, tx = db) {
      const { rows } = await tx.query<{ fingerprint: string; reason: string; revision: number }>(
        'SELECT fingerprint, reason, revision FROM failing_revisions WHERE namespace = $1 AND deployment = $2',
        [namespace, deployment],
      );
      return new Map(rows.map((r) => [r.fingerprint, r.reason]));
    },
    async record(namespace, deployment, fingerprint, revision, reason, tx = db) {
      await tx.query(
        `INSERT INTO failing_revisions (namespace, deployment, fingerprint, revision, reason, seen_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (namespace, deployment, fingerprint) DO UPDATE SET reason = EXCLUDED.reason, revision = EXCLUDED.revision, seen_at = EXCLUDED.seen_at`,
        [namespace, deployment, fingerprint, revision, reason, clock.now()],
      );
    },
  };
}
