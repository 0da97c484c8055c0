/**
 * API throughput: GET /api/v1/incidents with 10,000 incidents stored, on the embedded PGlite store and
 * on PostgreSQL. The server runs as its own process (as `aegis start` does); the load comes from this one.
 *
 *   npm run bench:api [-- --incidents 10000 --seconds 15 --connections 10]
 */
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { silentLogger } from '../src/platform/logger.js';
import { type Database, migrate, openDatabase } from '../src/store/index.js';

const { values } = parseArgs({
  options: {
    incidents: { type: 'string', default: '10000' },
    seconds: { type: 'string', default: '15' },
    connections: { type: 'string', default: '10' },
    'postgres-url': {
      type: 'string',
      default: process.env.AEGIS_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    },
  },
});
const INCIDENTS = Number(values.incidents);
const SECONDS = Number(values.seconds);
const CONNECTIONS = Number(values.connections);
const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../bin/aegis.mjs');
const TOKEN = 'bench-admin-token-0123456789';
const SERVICES = ['frontend', 'cartservice', 'checkoutservice', 'currencyservice', 'paymentservice', 'emailservice'];

/** Inserts in batches with unnest(): one round trip per 1,000 rows. */
async function seed(db: Database, n: number): Promise<void> {
  const start = Date.UTC(2026, 0, 1);
  for (let offset = 0; offset < n; offset += 1000) {
    const size = Math.min(1000, n - offset);
    const idx = Array.from({ length: size }, (_, i) => offset + i);
    await db.query(
      `INSERT INTO incidents (title, severity, status, services, created_at, updated_at, started_at)
       SELECT t, s, st, ARRAY[svc], c, c, c FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[]) AS x(t, s, st, svc, c)`,
      [
        idx.map((i) => `incident ${i}: latency on ${SERVICES[i % SERVICES.length]}`),
        idx.map((i) => ['critical', 'high', 'medium', 'low'][i % 4]),
        idx.map((i) => (i % 10 === 0 ? 'open' : 'resolved')),
        idx.map((i) => SERVICES[i % SERVICES.length]),
        idx.map((i) => new Date(start + i * 60_000).toISOString()),
      ],
    );
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function startServer(env: Record<string, string>): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, [BIN, 'start'], {
    // The simulated cluster stays off: this measures the API and the store alone.
    env: {
      ...process.env,
      ...env,
      AEGIS_PORT: String(port),
      AEGIS_ADMIN_TOKEN: TOKEN,
      AEGIS_LOG_LEVEL: 'warn',
      AEGIS_SIMULATOR: '0',
      // Measures the API itself: one token at full speed would otherwise be held to the per-token limit.
      AEGIS_RATE_LIMIT: '0',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    const ok = await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { url, child };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('server did not become ready');
}

async function load(url: string, pathWithQuery: string) {
  const result = await autocannon({
    url: url + pathWithQuery,
    connections: CONNECTIONS,
    duration: SECONDS,
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${result.non2xx} non-2xx responses, ${result.errors} errors`);
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    total: result.requests.total,
  };
}

async function benchStore(
  name: string,
  open: () => Promise<{ db: Database; env: Record<string, string>; cleanup: () => Promise<void> }>,
) {
  const { db, env, cleanup } = await open();
  const t0 = performance.now();
  await migrate(db, silentLogger);
  await seed(db, INCIDENTS);
  console.log(`[${name}] seeded ${INCIDENTS} incidents in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  await db.close();
  const { url, child } = await startServer(env);
  try {
    const rows: Array<[string, Awaited<ReturnType<typeof load>>]> = [];
    for (const q of ['/api/v1/incidents', '/api/v1/incidents?status=open&service=cartservice&limit=20']) {
      await load(url, q).catch(() => undefined); // warm-up: JIT, caches
      rows.push([q, await load(url, q)]);
    }
    for (const [q, r] of rows) {
      console.log(
        `[${name}] GET ${q.padEnd(58)} ${r.rps.toFixed(0).padStart(6)} req/s   p50 ${r.p50} ms   p99 ${r.p99} ms   (${r.total} requests, ${CONNECTIONS} connections, ${SECONDS} s)`,
      );
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await cleanup();
  }
}

console.log(
  `API throughput bench: ${INCIDENTS} incidents, ${CONNECTIONS} connections, ${SECONDS} s per run (load: ${(
    await import('node:os')
  )
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')})`,
);

await benchStore('pglite', async () => {
  const home = await mkdtemp(path.join(tmpdir(), 'aegis-bench-'));
  const db = await openDatabase({ engine: 'pglite', dataDir: path.join(home, 'db') });
  return { db, env: { AEGIS_HOME: home }, cleanup: () => rm(home, { recursive: true, force: true }) };
});

const adminUrl = values['postgres-url'] as string;
const admin = new pg.Client({ connectionString: adminUrl });
try {
  await admin.connect();
} catch {
  console.log(`[postgres] skipped: no PostgreSQL at ${adminUrl}`);
  process.exit(0);
}
const dbName = `aegis_bench_${Date.now()}`;
await admin.query(`CREATE DATABASE ${dbName}`);
await benchStore('postgres', async () => {
  const url = new URL(adminUrl);
  url.pathname = `/${dbName}`;
  const home = await mkdtemp(path.join(tmpdir(), 'aegis-bench-'));
  const db = await openDatabase({ engine: 'postgres', url: url.toString() });
  return {
    db,
    env: { AEGIS_HOME: home, AEGIS_DATABASE_URL: url.toString() },
    cleanup: async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      await rm(home, { recursive: true, force: true });
    },
  };
});
await admin.end();
