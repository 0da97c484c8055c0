import { createHash } from 'node:crypto';
import { errorMessage } from '../platform/errors.js';
import type { Logger } from '../platform/logger.js';
import type { Queryable } from '../store/db.js';

export interface ReplicaIdentity {
  id: string;
  host: string;
  pid: number;
  version: string;
  url?: string;
}

export interface ReplicaRow extends ReplicaIdentity {
  leases: string[];
  started_at: string;
  heartbeat_at: string;
  alive: boolean;
}

export interface Membership {
  readonly self: ReplicaIdentity;
  /** Ids of replicas that heartbeated recently (this one always included), sorted. */
  live(): string[];
  /** Whether this replica owns `key` among the live ones (rendezvous hashing: few keys move when one joins or leaves). */
  owns(key: string): boolean;
  list(): Promise<ReplicaRow[]>;
  /** Heartbeats now (also on a timer once started). */
  heartbeat(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface MembershipOptions {
  db: Queryable;
  self: ReplicaIdentity;
  logger: Logger;
  /** The leases this replica holds, reported with each heartbeat. */
  leases?: () => string[];
  heartbeatMs?: number;
  /** A replica silent this long counts as gone. */
  staleMs?: number;
}

/** The replica whose hash with `key` is highest: every replica computes the same answer from the same list. */
export function rendezvousOwner(members: readonly string[], key: string): string | undefined {
  let best: string | undefined;
  let bestScore = -1;
  for (const m of members) {
    const score = createHash('sha1').update(m).update('\0').update(key).digest().readUInt32BE(0);
    if (score > bestScore || (score === bestScore && best !== undefined && m < best)) {
      best = m;
      bestScore = score;
    }
  }
  return best;
}

/** Replicas announce themselves in the `replicas` table; the time is the database's, so clocks need not agree. */
export function createMembership(o: MembershipOptions): Membership {
  const every = o.heartbeatMs ?? 5_000;
  const staleSeconds = (o.staleMs ?? 3 * every) / 1000;
  let members = [o.self.id];
  let timer: NodeJS.Timeout | undefined;

  async function heartbeat() {
    await o.db.query(
      `INSERT INTO replicas (id, host, pid, version, url, leases) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (id) DO UPDATE SET heartbeat_at = now(), leases = EXCLUDED.leases, url = EXCLUDED.url`,
      [o.self.id, o.self.host, o.self.pid, o.self.version, o.self.url ?? null, o.leases?.() ?? []],
    );
    const { rows } = await o.db.query<{ id: string }>(
      `SELECT id FROM replicas WHERE heartbeat_at > now() - make_interval(secs => $1) ORDER BY id`,
      [staleSeconds],
    );
    members = [...new Set([o.self.id, ...rows.map((r) => r.id)])].sort();
    // Rows of replicas gone for a day are history nobody needs.
    await o.db.query(`DELETE FROM replicas WHERE heartbeat_at < now() - interval '1 day'`);
  }

  return {
    self: o.self,
    live: () => members,
    owns: (key) => rendezvousOwner(members, key) === o.self.id,
    heartbeat,
    async list() {
      const { rows } = await o.db.query<ReplicaRow & { started_at: Date | string; heartbeat_at: Date | string }>(
        `SELECT id, host, pid, version, url, leases, started_at, heartbeat_at,
                heartbeat_at > now() - make_interval(secs => $1) AS alive
           FROM replicas ORDER BY started_at`,
        [staleSeconds],
      );
      return rows.map((r) => ({
        ...r,
        url: r.url ?? undefined,
        started_at: new Date(r.started_at).toISOString(),
        heartbeat_at: new Date(r.heartbeat_at).toISOString(),
      }));
    },
    async start() {
      await heartbeat();
      timer = setInterval(
        () => void heartbeat().catch((err: unknown) => o.logger.warn('replica heartbeat failed', { err: errorMessage(err) })),
        every,
      );
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      // A clean shutdown leaves at once, so its shard moves without waiting for the heartbeat to go stale.
      await o.db.query('DELETE FROM replicas WHERE id = $1', [o.self.id]).catch(() => {});
    },
  };
}
