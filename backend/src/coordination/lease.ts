import { errorMessage } from '../platform/errors.js';
import type { Logger } from '../platform/logger.js';

/**
 * Where leases live: a PostgreSQL advisory lock held on a dedicated session, or a Kubernetes
 * `coordination.k8s.io/v1` Lease. Both answer the same two questions.
 */
export interface LeaseBackend {
  readonly kind: 'postgres' | 'kubernetes' | 'local';
  /** Takes the lease for `holder`, or renews it when `holder` already has it; true when held afterwards. */
  tryAcquire(name: string, holder: string, ttlMs: number): Promise<boolean>;
  /** Gives the lease up (a clean shutdown), so another replica need not wait for it to expire. */
  release(name: string, holder: string): Promise<void>;
  close(): Promise<void>;
}

/** Something a singleton loop starts while its lease is held; stopped when the lease is lost. */
export interface Stoppable {
  stop(): void | Promise<void>;
}

export interface LeaseStatus {
  name: string;
  held: boolean;
  /** When this replica last won it (ISO), while held. */
  since: string | null;
}

export interface Leases {
  /** Runs `start` on whichever replica holds `name`; it moves to another replica if this one dies or loses it. */
  singleton(name: string, start: () => Stoppable | Promise<Stoppable>): void;
  status(): LeaseStatus[];
  readonly holder: string;
  close(): Promise<void>;
}

export interface LeasesOptions {
  backend: LeaseBackend;
  holder: string;
  logger: Logger;
  /** How long a dead holder keeps a TTL-based lease; a follower retries every third of it. */
  ttlMs?: number;
  now?: () => Date;
}

/** Keeps each singleton running on exactly one replica: acquire-or-renew on a timer, stop on loss. */
export function createLeases(o: LeasesOptions): Leases {
  const ttl = o.ttlMs ?? 15_000;
  const every = Math.max(200, Math.floor(ttl / 3));
  const now = o.now ?? (() => new Date());
  interface Entry {
    start: () => Stoppable | Promise<Stoppable>;
    running?: Stoppable;
    since: string | null;
    timer?: NodeJS.Timeout;
    /** A check is in flight: the next tick skips rather than overlapping it. */
    busy: boolean;
  }
  const entries = new Map<string, Entry>();
  let closed = false;

  async function tick(name: string): Promise<void> {
    const e = entries.get(name);
    if (!e || e.busy || closed) return;
    e.busy = true;
    try {
      const held = await o.backend.tryAcquire(name, o.holder, ttl).catch((err: unknown) => {
        o.logger.warn('lease check failed; treating it as lost', { lease: name, err: errorMessage(err) });
        return false;
      });
      if (closed) return;
      if (held && !e.running) {
        e.since = now().toISOString();
        o.logger.info('lease acquired; starting singleton', { lease: name, holder: o.holder });
        e.running = await e.start();
      } else if (!held && e.running) {
        o.logger.warn('lease lost; stopping singleton', { lease: name, holder: o.holder });
        await stopRunning(e);
      }
    } catch (err) {
      o.logger.error('singleton failed to start', { lease: name, err: errorMessage(err) });
      await o.backend.release(name, o.holder).catch(() => {});
    } finally {
      e.busy = false;
    }
  }

  async function stopRunning(e: Entry) {
    const running = e.running;
    e.running = undefined;
    e.since = null;
    await Promise.resolve(running?.stop()).catch(() => {});
  }

  return {
    holder: o.holder,
    singleton(name, start) {
      if (entries.has(name)) throw new Error(`singleton ${name} is already registered`);
      const e: Entry = { start, since: null, busy: false };
      entries.set(name, e);
      e.timer = setInterval(() => void tick(name), every);
      e.timer.unref();
      void tick(name);
    },
    status: () => [...entries].map(([name, e]) => ({ name, held: Boolean(e.running), since: e.since })),
    async close() {
      closed = true;
      for (const [name, e] of entries) {
        clearInterval(e.timer);
        while (e.busy) await new Promise((r) => setTimeout(r, 10));
        if (e.running) {
          await stopRunning(e);
          await o.backend.release(name, o.holder).catch(() => {});
        }
      }
      await o.backend.close();
    },
  };
}

/** One process owns the embedded store (PGlite's directory lock), so every lease is its own. */
export function localLeaseBackend(): LeaseBackend {
  return { kind: 'local', tryAcquire: async () => true, release: async () => {}, close: async () => {} };
}
