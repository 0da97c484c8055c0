import { hostname } from 'node:os';
import type { EventBus } from '../events/bus.js';
import type { Logger } from '../platform/logger.js';
import type { Database } from '../store/db.js';
import { inProcessQueue, pgBossQueue, type JobQueue } from './jobs.js';
import { createLeases, localLeaseBackend, type LeaseBackend, type Leases } from './lease.js';
import { createMembership, type Membership } from './membership.js';
import { postgresLeaseBackend } from './postgres-lease.js';
import { createEventRelay } from './relay.js';

export * from './jobs.js';
export * from './kubernetes-lease.js';
export * from './lease.js';
export * from './membership.js';
export * from './postgres-lease.js';
export * from './relay.js';
export { coordinationRoutes } from './routes.js';

/** How this replica takes part in a group sharing one database. */
export interface Coordination {
  replicaId: string;
  leases: Leases;
  membership: Membership;
  jobs: JobQueue;
  /** Every replica's events (the local bus when there is only one replica). */
  events: EventBus;
  close(): Promise<void>;
}

export interface CoordinationOptions {
  db: Database;
  bus: EventBus;
  logger: Logger;
  replicaId: string;
  version: string;
  /** Overrides the lease store (a Kubernetes Lease in a cluster); default: advisory locks on PostgreSQL. */
  leaseBackend?: LeaseBackend;
  leaseTtlMs?: number;
  heartbeatMs?: number;
}

/**
 * On PostgreSQL: advisory-lock leases, a pg-boss queue and LISTEN/NOTIFY events, so replicas can come
 * and go. On the embedded PGlite one process owns the store, so each of those is its in-process form.
 */
export async function startCoordination(o: CoordinationOptions): Promise<Coordination> {
  const log = o.logger.child({ component: 'coordination', replica: o.replicaId });
  const shared = o.db.engine === 'postgres' && o.db.openSession;
  const closers: Array<() => Promise<void>> = [];
  try {
    const backend = o.leaseBackend ?? (shared ? postgresLeaseBackend(() => o.db.openSession!()) : localLeaseBackend());
    // A Kubernetes Lease outlives a dead holder by its ttl: 9 s plus one 3 s check keeps failover under 15 s.
    const leases = createLeases({ backend, holder: o.replicaId, logger: log, ttlMs: o.leaseTtlMs ?? 9_000 });
    closers.unshift(() => leases.close());
    const membership = createMembership({
      db: o.db,
      self: { id: o.replicaId, host: hostname(), pid: process.pid, version: o.version },
      logger: log,
      heartbeatMs: o.heartbeatMs,
      leases: () =>
        leases
          .status()
          .filter((l) => l.held)
          .map((l) => l.name),
    });
    await membership.start();
    closers.unshift(() => membership.stop());
    const jobs = shared ? await pgBossQueue({ db: o.db, logger: log }) : inProcessQueue({ logger: log });
    closers.unshift(() => jobs.stop());
    const relay = shared
      ? await createEventRelay({
          bus: o.bus,
          db: o.db,
          openSession: () => o.db.openSession!(),
          origin: o.replicaId,
          logger: log,
          hasPeers: () => membership.live().length > 1,
          onPeerJoined: () => void membership.heartbeat().catch(() => {}),
        })
      : undefined;
    if (relay) closers.unshift(() => relay.close());
    log.info('replica joined', {
      leases: backend.kind,
      jobs: jobs.kind,
      events: relay ? 'LISTEN/NOTIFY' : 'in-process',
    });
    return {
      replicaId: o.replicaId,
      leases,
      membership,
      jobs,
      events: relay?.view ?? o.bus,
      async close() {
        for (const close of closers)
          await close().catch((err: unknown) => log.warn('coordination shutdown step failed', { err }));
      },
    };
  } catch (err) {
    for (const close of closers) await close().catch(() => {});
    throw err;
  }
}
