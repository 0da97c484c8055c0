import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { silentLogger } from '../../src/platform/logger.js';
import { type Database, migrate, openDatabase } from '../../src/store/index.js';

/** The server the store suites run against: PostgreSQL 15 on CI and dev machines. */
export const POSTGRES_URL = process.env.AEGIS_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const CI = process.env.CI === 'true' || process.env.CI === '1';

let reachable: Promise<boolean> | undefined;
export function postgresReachable(): Promise<boolean> {
  reachable ??= (async () => {
    const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      await client.end();
      return true;
    } catch {
      if (CI) throw new Error(`CI=true but PostgreSQL is not reachable at ${POSTGRES_URL}`);
      console.warn(
        `[tests] PostgreSQL not reachable at ${POSTGRES_URL}: its suites are skipped (npm test starts it when it can)`,
      );
      return false;
    }
  })();
  return reachable;
}

export interface TestDatabase {
  db: Database;
  /** Closes the connection and drops what the test created. */
  dispose(): Promise<void>;
}

/** A fresh, migrated PGlite in memory. */
export async function pgliteTestDatabase(opts: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const db = await openDatabase({ engine: 'pglite' });
  if (opts.migrate !== false) await migrate(db, silentLogger);
  return { db, dispose: () => db.close() };
}

/** An empty database on the test PostgreSQL server (for processes to share, or for a suite); `drop` removes it. */
export async function scratchPostgres(prefix = 'aegis_test'): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: POSTGRES_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** A fresh, migrated database on the real PostgreSQL server, dropped afterwards. */
export async function postgresTestDatabase(opts: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const scratch = await scratchPostgres();
  const db = await openDatabase({ engine: 'postgres', url: scratch.url, poolSize: 5 });
  if (opts.migrate !== false) await migrate(db, silentLogger);
  return {
    db,
    async dispose() {
      await db.close();
      await scratch.drop();
    },
  };
}

/** Both engines, for `describe.each`: every store suite runs on PGlite and on PostgreSQL. */
export const ENGINES = [
  { engine: 'pglite' as const, open: pgliteTestDatabase, available: async () => true },
  { engine: 'postgres' as const, open: postgresTestDatabase, available: postgresReachable },
];
