import type { Session } from '../store/db.js';
import type { LeaseBackend } from './lease.js';

/** First key of every Aegis advisory lock, so they never collide with another application's. */
const LOCK_SPACE = 0x41e615;

/**
 * Leases as session-level advisory locks on one dedicated connection. PostgreSQL frees them the moment
 * that session ends, so a SIGKILLed holder loses its leases as soon as its socket closes; a replica
 * whose connection breaks treats every lease as lost and reconnects.
 */
export function postgresLeaseBackend(openSession: () => Promise<Session>): LeaseBackend {
  let session: Promise<Session> | undefined;
  const held = new Set<string>();

  const connect = (): Promise<Session> =>
    (session ??= openSession().then(
      (s) => {
        s.onEnd(() => {
          held.clear();
          session = undefined;
        });
        return s;
      },
      (err: unknown) => {
        session = undefined;
        throw err;
      },
    ));

  return {
    kind: 'postgres',
    async tryAcquire(name) {
      const s = await connect();
      // A lock already taken is re-entrant in PostgreSQL; asking again would stack it, so only check liveness.
      if (held.has(name)) {
        await s.query('SELECT 1');
        return held.has(name);
      }
      const { rows } = await s.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok', [LOCK_SPACE, name]);
      if (rows[0]?.ok) held.add(name);
      return held.has(name);
    },
    async release(name) {
      if (!held.delete(name) || !session) return;
      const s = await session;
      await s.query('SELECT pg_advisory_unlock($1, hashtext($2))', [LOCK_SPACE, name]);
    },
    async close() {
      held.clear();
      const s = session;
      session = undefined;
      if (s) await (await s).end();
    },
  };
}
