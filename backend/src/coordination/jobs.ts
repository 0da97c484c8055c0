import { randomUUID } from 'node:crypto';
import PgBoss from 'pg-boss';
import { errorMessage } from '../platform/errors.js';
import type { Logger } from '../platform/logger.js';
import type { Queryable } from '../store/db.js';

export type JobHandler<T> = (data: T) => Promise<void>;

export interface QueueOptions {
  /** A job running longer than this is presumed dead (its replica crashed) and handed to another worker. */
  expireInSeconds?: number;
  retryLimit?: number;
  retryDelaySeconds?: number;
}

/**
 * Work any replica may do, done once. A job sent with a `key` while another with that key is still
 * waiting is absorbed (`send` answers null), so re-announcing work is harmless.
 */
export interface JobQueue {
  readonly kind: 'pg-boss' | 'in-process';
  define(name: string, options?: QueueOptions): Promise<void>;
  send(name: string, data: object, opts?: { key?: string }): Promise<string | null>;
  /** Runs `handler` for this queue's jobs, `concurrency` at a time on this replica. */
  work<T extends object>(name: string, handler: JobHandler<T>, opts?: { concurrency?: number }): Promise<void>;
  /** Takes no more jobs of this queue here (jobs already running finish). */
  stopWork(name: string): Promise<void>;
  /** Jobs still running are failed back to the queue, so another replica retries them. */
  stop(): Promise<void>;
}

export interface PgBossQueueOptions {
  db: Queryable;
  logger: Logger;
  schema?: string;
  pollingIntervalSeconds?: number;
  /** How often expired jobs are failed over (pg-boss maintenance; it takes its own lock, one replica at a time). */
  maintenanceIntervalSeconds?: number;
}

/** pg-boss over the store's own pool: the queue lives in the same PostgreSQL as everything else. */
export async function pgBossQueue(o: PgBossQueueOptions): Promise<JobQueue> {
  const boss = new PgBoss({
    schema: o.schema ?? 'pgboss',
    // pg-boss's multi-statement scripts run only through the simple protocol, i.e. without parameters.
    db: { executeSql: (text: string, values?: unknown[]) => o.db.query(text, values?.length ? values : undefined) },
    schedule: false,
    maintenanceIntervalSeconds: o.maintenanceIntervalSeconds ?? 30,
  } as unknown as PgBoss.ConstructorOptions);
  boss.on('error', (err) => o.logger.warn('job queue error', { err: errorMessage(err) }));
  await boss.start();
  const polling = o.pollingIntervalSeconds ?? 1;
  const workers = new Map<string, string[]>();
  return {
    kind: 'pg-boss',
    async define(name, q = {}) {
      const options = {
        name,
        // One waiting and one running job per key: a re-announced incident never runs twice at once.
        policy: 'stately',
        expireInSeconds: q.expireInSeconds ?? 300,
        retryLimit: q.retryLimit ?? 3,
        retryDelay: Math.ceil(q.retryDelaySeconds ?? 5),
      } as PgBoss.Queue;
      if (await boss.getQueue(name)) await boss.updateQueue(name, options);
      else await boss.createQueue(name, options);
    },
    async send(name, data, opts = {}) {
      const id = await boss.send(name, data, opts.key ? { singletonKey: opts.key } : {});
      // Wake this replica's idle workers now rather than at their next poll (the alert-to-proposal latency).
      if (id) for (const w of workers.get(name) ?? []) boss.notifyWorker(w);
      return id;
    },
    async work(name, handler, opts = {}) {
      for (let i = 0; i < (opts.concurrency ?? 1); i++) {
        const id = await boss.work<object>(name, { pollingIntervalSeconds: polling, batchSize: 1 }, async ([job]) => {
          if (job) await handler(job.data as never);
        });
        workers.set(name, [...(workers.get(name) ?? []), id]);
      }
    },
    async stopWork(name) {
      workers.delete(name);
      await boss.offWork(name);
    },
    async stop() {
      // Not graceful: unfinished jobs expire and another replica (or this one, restarted) takes them over.
      await boss.stop({ graceful: false, wait: true, timeout: 5_000 } as PgBoss.StopOptions);
    },
  };
}

/**
 * The embedded store's queue: PGlite's directory lock means one process, so work stays in memory;
 * after a crash the owners' reconcile re-sends what was left undone.
 */
export function inProcessQueue(o: { logger: Logger }): JobQueue {
  interface Job {
    data: object;
    key?: string;
    attempt: number;
  }
  interface Queue {
    options: QueueOptions;
    waiting: Job[];
    active: Set<string | undefined>;
    handler?: JobHandler<object>;
    limit: number;
    running: number;
  }
  const queues = new Map<string, Queue>();
  const inFlight = new Set<Promise<void>>();
  let stopped = false;

  const queue = (name: string) => {
    const q = queues.get(name);
    if (!q) throw new Error(`job queue ${name} is not defined`);
    return q;
  };

  // Like pg-boss's stately policy: one waiting and one running job per key.
  const next = (q: Queue) => q.waiting.findIndex((j) => j.key === undefined || !q.active.has(j.key));

  function pump(name: string) {
    const q = queue(name);
    for (let i = next(q); !stopped && q.handler && q.running < q.limit && i >= 0; i = next(q)) {
      const [job] = q.waiting.splice(i, 1) as [Job];
      q.running++;
      if (job.key !== undefined) q.active.add(job.key);
      const run = q.handler(job.data)
        .catch((err: unknown) => {
          o.logger.warn('job failed', { queue: name, attempt: job.attempt, err: errorMessage(err) });
          if (job.attempt >= (q.options.retryLimit ?? 3)) return;
          const retry = setTimeout(() => {
            q.waiting.push({ ...job, attempt: job.attempt + 1 });
            pump(name);
          }, (q.options.retryDelaySeconds ?? 5) * 1000);
          retry.unref();
        })
        .finally(() => {
          q.running--;
          if (job.key !== undefined) q.active.delete(job.key);
          inFlight.delete(run);
          pump(name);
        });
      inFlight.add(run);
    }
  }

  return {
    kind: 'in-process',
    async define(name, options = {}) {
      if (!queues.has(name)) queues.set(name, { options, waiting: [], active: new Set(), limit: 1, running: 0 });
    },
    async send(name, data, opts = {}) {
      const q = queue(name);
      if (opts.key !== undefined && q.waiting.some((j) => j.key === opts.key)) return null;
      q.waiting.push({ data, key: opts.key, attempt: 0 });
      queueMicrotask(() => pump(name));
      return randomUUID();
    },
    async work(name, handler, opts = {}) {
      const q = queue(name);
      q.handler = handler as JobHandler<object>;
      q.limit = opts.concurrency ?? 1;
      pump(name);
    },
    async stopWork(name) {
      queue(name).handler = undefined;
    },
    async stop() {
      stopped = true;
      await Promise.allSettled([...inFlight]);
    },
  };
}
