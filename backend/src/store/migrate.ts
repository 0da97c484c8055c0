import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../platform/logger.js';
import type { Database } from './db.js';

export const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

/** Any number works; it only has to be the same for every replica sharing one database. */
const MIGRATION_LOCK_KEY = 7_412_309;

/**
 * Applies every `NNN_name.sql` not yet recorded, in file-name order, each in its own transaction.
 * An advisory lock makes concurrent replicas take turns instead of racing.
 */
export async function migrate(db: Database, logger: Logger, dir = MIGRATIONS_DIR): Promise<{ applied: string[] }> {
  const files = (await readdir(dir)).filter((f) => /^\d{3}_[\w-]+\.sql$/.test(f)).sort();
  const applied: string[] = [];
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await tx.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())',
    );
    const done = new Set(
      (await tx.query<{ name: string }>('SELECT name FROM schema_migrations')).rows.map((r) => r.name),
    );
    for (const file of files) {
      if (done.has(file)) continue;
      await tx.query(await readFile(path.join(dir, file), 'utf8'));
      await tx.query('INSERT INTO schema_migrations (name) VALUES ($1)', [file]);
      applied.push(file);
      logger.info('migration applied', { migration: file });
    }
  });
  return { applied };
}
