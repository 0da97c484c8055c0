import { mkdir, open, readFile, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { PGliteInterface } from '@electric-sql/pglite';
import pg from 'pg';
import { ConflictError } from '../platform/errors.js';

/** What repositories need: parameterised queries, and transactions that hand their client down. */
export interface Queryable {
  query<R extends object = Record<string, unknown>>(
    sql: string,
    params?: unknown[],
  ): Promise<{ rows: R[]; rowCount: number }>;
}

export interface Database extends Queryable {
  readonly engine: 'postgres' | 'pglite';
  /** Runs `fn` in one transaction. Inside it use only `tx`: PGlite has a single connection and would deadlock. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /** PostgreSQL only: a connection of its own, outside the pool (session advisory locks, LISTEN). */
  openSession?(): Promise<Session>;
}

/** One dedicated connection. After it breaks (`onEnd`), it is unusable: open another. */
export interface Session extends Queryable {
  onNotification(handler: (channel: string, payload: string) => void): void;
  onEnd(handler: (err?: Error) => void): void;
  end(): Promise<void>;
}

export type DatabaseOptions =
  { engine: 'postgres'; url: string; poolSize?: number } | { engine: 'pglite'; dataDir?: string };

export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  if (opts.engine === 'postgres') {
    const pool = new pg.Pool({ connectionString: opts.url, max: opts.poolSize ?? 10 });
    pool.on('error', () => {}); // idle-client errors surface on the next query instead of crashing the process
    return { ...wrapPool(pool, 'postgres', async () => pool.end()), openSession: () => openPostgresSession(opts.url) };
  }
  return openPglite(opts.dataDir);
}

/**
 * PGlite through its own API, not the node-postgres adapter: that adapter loses protocol sync after the
 * first failed statement ("unexpected parseComplete") and every later query hangs.
 */
async function openPglite(dataDir: string | undefined): Promise<Database> {
  const { PGlite } = await import('@electric-sql/pglite');
  let releaseLock = async () => {};
  if (dataDir) {
    await mkdir(dataDir, { recursive: true });
    releaseLock = await acquireDirLock(dataDir);
  }
  try {
    const lite = await PGlite.create(dataDir);
    const asQueryable = (q: Pick<PGliteInterface, 'query' | 'exec'>): Queryable => ({
      async query(sql, params) {
        // Parameterless SQL may hold several statements (migrations); only exec() runs those.
        if (!params || params.length === 0) {
          const results = await q.exec(sql);
          const last = results[results.length - 1];
          return { rows: (last?.rows ?? []) as never[], rowCount: last?.affectedRows ?? last?.rows.length ?? 0 };
        }
        const res = await q.query(sql, params);
        return { rows: res.rows as never[], rowCount: res.affectedRows ?? res.rows.length };
      },
    });
    return {
      engine: 'pglite',
      ...asQueryable(lite),
      transaction: (fn) => lite.transaction((tx) => fn(asQueryable(tx))),
      async close() {
        await lite.close();
        await releaseLock();
      },
    };
  } catch (err) {
    await releaseLock();
    throw err;
  }
}

function wrapPool(pool: pg.Pool, engine: Database['engine'], close: () => Promise<void>): Database {
  const asQueryable = (client: pg.Pool | pg.PoolClient): Queryable => ({
    async query(sql, params) {
      const res = await client.query(sql, params);
      return { rows: res.rows, rowCount: res.rowCount ?? 0 };
    },
  });
  return {
    engine,
    ...asQueryable(pool),
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn(asQueryable(client));
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    },
    close,
  };
}

async function openPostgresSession(url: string): Promise<Session> {
  const client = new pg.Client({ connectionString: url, keepAlive: true, connectionTimeoutMillis: 5_000 });
  const ended: Array<(err?: Error) => void> = [];
  let done = false;
  const finish = (err?: Error) => {
    if (done) return;
    done = true;
    ended.forEach((h) => h(err));
  };
  client.on('error', finish);
  client.on('end', () => finish());
  await client.connect();
  return {
    async query(sql, params) {
      const res = await client.query(sql, params);
      return { rows: res.rows, rowCount: res.rowCount ?? 0 };
    },
    onNotification: (handler) => client.on('notification', (n) => handler(n.channel, n.payload ?? '')),
    onEnd: (handler) => void ended.push(handler),
    async end() {
      finish();
      await client.end().catch(() => {});
    },
  };
}

/** PGlite does not lock its data directory; two processes writing it would corrupt it, so we do. */
async function acquireDirLock(dataDir: string): Promise<() => Promise<void>> {
  const lockFile = path.join(dataDir, 'aegis.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(lockFile, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return async () => {
        await unlink(lockFile).catch(() => {});
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number((await readFile(lockFile, 'utf8').catch(() => '')).trim());
      if (holder && isAlive(holder)) {
        throw new ConflictError(
          `the embedded database at ${dataDir} is in use by process ${holder}; ` +
            'stop it, or talk to it through the API (set AEGIS_URL and AEGIS_TOKEN)',
        );
      }
      await unlink(lockFile).catch(() => {}); // stale lock from a process that died
    }
  }
  throw new ConflictError(`could not lock the embedded database at ${dataDir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
