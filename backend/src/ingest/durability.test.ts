import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POSTGRES_URL, postgresReachable } from '../../test/helpers/db.js';
import { BACKEND_ROOT } from '../main.js';
import { grafanaPayload } from './testing.js';

const INGEST_TOKEN = 'durability-ingest-token-0123456789';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** The backend as its own process on PostgreSQL, killed with SIGKILL in the middle of a burst of webhooks. */
describe('an acknowledged alert survives the process dying right after the 202', () => {
  let reachable = false;
  let dbName = '';
  let dbUrl = '';
  let home = '';
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    reachable = await postgresReachable();
    if (!reachable) return;
    dbName = `aegis_test_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${dbName}`);
    await admin.end();
    const url = new URL(POSTGRES_URL);
    url.pathname = `/${dbName}`;
    dbUrl = url.toString();
    home = await mkdtemp(path.join(tmpdir(), 'aegis-durability-'));
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    if (!reachable) return;
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
    await rm(home, { recursive: true, force: true });
  });

  it('finds every 202-acknowledged alert in the database after SIGKILL', async (ctx) => {
    if (!reachable) return ctx.skip();
    const port = await freePort();
    const proc = spawn(process.execPath, [path.join(BACKEND_ROOT, 'bin/aegis.mjs'), 'start'], {
      env: {
        ...process.env,
        AEGIS_HOME: home,
        AEGIS_PORT: String(port),
        AEGIS_DATABASE_URL: dbUrl,
        AEGIS_INGEST_TOKEN: INGEST_TOKEN,
        AEGIS_SIMULATOR: '0',
        AEGIS_LOG_LEVEL: 'error',
      },
      stdio: 'ignore',
    });
    child = proc;
    const base = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 600; i++) {
      if (
        await fetch(`${base}/readyz`).then(
          (r) => r.ok,
          () => false,
        )
      )
        break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const acked: string[] = [];
    let killed = false;
    const send = async (i: number) => {
      const fingerprint = `durable-${i}`;
      const body = JSON.stringify(
        grafanaPayload(
          [{ labels: { alertname: `Durable${i}`, service: `svc-${i % 7}` }, fingerprint }],
          `durable-${i}`,
        ),
      );
      const res = await fetch(`${base}/api/v1/webhooks/grafana`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${INGEST_TOKEN}` },
        body,
      }).catch(() => undefined);
      if (res?.status === 202) {
        acked.push(fingerprint);
        // Kill as soon as some are acknowledged, with many more still in flight.
        if (acked.length === 40 && !killed) {
          killed = true;
          proc.kill('SIGKILL');
        }
      }
    };
    let next = 0;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        for (let i = next++; i < 400 && !killed; i = next++) await send(i);
      }),
    );
    await new Promise((r) =>
      proc.exitCode !== null || proc.signalCode !== null ? r(undefined) : proc.once('exit', r),
    );
    expect(killed).toBe(true);

    const db = new pg.Client({ connectionString: dbUrl });
    await db.connect();
    const { rows } = await db.query<{ fp: string }>(
      "SELECT payload->>'fingerprint' AS fp FROM incident_signals WHERE source = 'grafana'",
    );
    const incidents = await db.query<{ s: string; n: string }>(
      'SELECT s, count(*) AS n FROM incidents, unnest(services) s GROUP BY s',
    );
    await db.end();
    const stored = new Set(rows.map((r) => r.fp));
    expect(acked.length).toBeGreaterThanOrEqual(40);
    expect(acked.filter((fp) => !stored.has(fp))).toEqual([]);
    // Never two incidents for one service, even for the deliveries cut off mid-flight.
    expect(incidents.rows.filter((r) => Number(r.n) > 1)).toEqual([]);
  });
});
