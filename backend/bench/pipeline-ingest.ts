/**
 * Webhook ingestion throughput: Grafana-format alerts, each request HMAC-signed, POSTed to a backend
 * running as its own process on PostgreSQL with synchronous_commit on; the load generator is this
 * process, on the same machine. Afterwards the database is counted: every acknowledged (202) alert must
 * be stored exactly once, and each service must have exactly one incident (zero lost, zero duplicated).
 *
 *   npm run bench:pipeline:ingest [-- --alerts 20000 --services 100 --connections 64 --resend 0.1]
 *
 * Two runs: one alert per request, then 50-alert groups (one notification carrying 50 alerts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { sign } from '../src/ingest/signature.js';

const { values } = parseArgs({
  options: {
    alerts: { type: 'string', default: '20000' },
    services: { type: 'string', default: '100' },
    connections: { type: 'string', default: '64' },
    resend: { type: 'string', default: '0.1' },
    group: { type: 'string', default: '50' },
    /** Writes a V8 CPU profile of the backend process into this directory. */
    profile: { type: 'string' },
    'postgres-url': {
      type: 'string',
      default: process.env.AEGIS_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    },
  },
});
const ALERTS = Number(values.alerts);
const SERVICES = Number(values.services);
const CONNECTIONS = Number(values.connections);
const RESEND = Number(values.resend);
const GROUP = Number(values.group);
const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../bin/aegis.mjs');
const SECRET = 'bench-grafana-webhook-secret';
const STARTS_AT = new Date().toISOString();

interface Delivery {
  body: string;
  signature: string;
  keys: string[];
}

function alert(i: number) {
  const service = `svc-${i % SERVICES}`;
  return {
    status: 'firing',
    labels: {
      alertname: `Alert${i}`,
      service,
      severity: i % 7 === 0 ? 'critical' : 'warning',
      grafana_folder: 'bench',
    },
    annotations: { summary: `alert ${i} on ${service}` },
    startsAt: STARTS_AT,
    endsAt: '0001-01-01T00:00:00Z',
    generatorURL: `http://grafana:3000/alerting/grafana/rule${i}/view`,
    fingerprint: `fp${i.toString(16).padStart(12, '0')}`,
    silenceURL: '',
    dashboardURL: '',
    panelURL: '',
    values: { B: 0.9, C: 1 },
  };
}

/** Deliveries of `perRequest` alerts each, plus re-sends of a share of them (as Grafana re-sends a group). */
function deliveries(perRequest: number): { list: Delivery[]; unique: number } {
  const list: Delivery[] = [];
  for (let start = 0; start < ALERTS; start += perRequest) {
    const alerts = Array.from({ length: Math.min(perRequest, ALERTS - start) }, (_, j) => alert(start + j));
    const groupKey = perRequest === 1 ? `{}:{alertname="Alert${start}"}` : `{}:{group="${start}"}`;
    const body = JSON.stringify({
      receiver: 'aegis',
      status: 'firing',
      orgId: 1,
      alerts,
      groupLabels: {},
      commonLabels: {},
      commonAnnotations: {},
      externalURL: 'http://grafana:3000/',
      version: '1',
      groupKey,
      truncatedAlerts: 0,
      title: '[FIRING]',
      state: 'alerting',
      message: '',
    });
    const keys = alerts.map((a) => `grafana:${groupKey}:${a.fingerprint}:${new Date(a.startsAt).toISOString()}`);
    list.push({ body, signature: sign.grafana(SECRET, body), keys });
  }
  const unique = list.length;
  const resends = Math.round(unique * RESEND);
  for (let i = 0; i < resends; i++) list.push(list[Math.floor((i * 7919) % unique)] as Delivery);
  // Interleave the re-sends with the originals, deterministically.
  for (let i = list.length - 1; i > 0; i--) {
    const j = (i * 2654435761) % (i + 1);
    [list[i], list[j]] = [list[j] as Delivery, list[i] as Delivery];
  }
  return { list, unique };
}

/** CPU seconds (user, system) a process has used so far, from /proc (Linux). */
async function cpuSeconds(pid: number | undefined): Promise<{ user: number; system: number }> {
  if (!pid) return { user: NaN, system: NaN };
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(fields[11]) / 100, system: Number(fields[12]) / 100 };
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

async function startServer(databaseUrl: string, home: string): Promise<{ port: number; child: ChildProcess }> {
  const port = await freePort();
  const profile = values.profile ? ['--cpu-prof', `--cpu-prof-dir=${values.profile}`] : [];
  const child = spawn(process.execPath, [...profile, BIN, 'start'], {
    env: {
      ...process.env,
      AEGIS_HOME: home,
      AEGIS_PORT: String(port),
      AEGIS_DATABASE_URL: databaseUrl,
      AEGIS_GRAFANA_WEBHOOK_SECRET: SECRET,
      AEGIS_ADMIN_TOKEN: 'bench-admin-token-0123456789',
      AEGIS_LOG_LEVEL: 'warn',
      AEGIS_SIMULATOR: '0',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { port, child };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('server did not become ready');
}

/** `CONNECTIONS` keep-alive loops POSTing the deliveries in order; records status and latency of each. */
async function fire(port: number, list: Delivery[]) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const statuses = new Array<number>(list.length);
  const latencies: number[] = [];
  let next = 0;
  const post = (d: Delivery) =>
    new Promise<number>((resolve) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          path: '/api/v1/webhooks/grafana',
          method: 'POST',
          agent,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(d.body),
            'x-grafana-alerting-signature': d.signature,
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', () => resolve(0));
      req.end(d.body);
    });
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      for (let i = next++; i < list.length; i = next++) {
        const s = performance.now();
        statuses[i] = await post(list[i] as Delivery);
        latencies.push(performance.now() - s);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
  return { statuses, seconds, p50: pct(0.5), p99: pct(0.99) };
}

async function run(adminUrl: string, perRequest: number) {
  const name = `aegis_bench_ingest_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const home = await mkdtemp(path.join(tmpdir(), 'aegis-bench-ingest-'));
  const { list, unique } = deliveries(perRequest);
  const { port, child } = await startServer(url.toString(), home);
  const db = new pg.Client({ connectionString: url.toString() });
  await db.connect();
  try {
    const syncCommit = (await db.query<{ synchronous_commit: string }>('SHOW synchronous_commit')).rows[0]
      ?.synchronous_commit;
    const load0 = loadavg()[0]?.toFixed(2);
    const cpu0 = await cpuSeconds(child.pid);
    const result = await fire(port, list);
    const cpu1 = await cpuSeconds(child.pid);
    const user = cpu1.user - cpu0.user;
    const system = cpu1.system - cpu0.system;
    const cpu = user + system;
    const acked = new Set<string>();
    let refused = 0;
    list.forEach((d, i) => (result.statuses[i] === 202 ? d.keys.forEach((k) => acked.add(k)) : refused++));

    const stored = new Set(
      (
        await db.query<{ dedupe_key: string }>("SELECT dedupe_key FROM incident_signals WHERE source = 'grafana'")
      ).rows.map((r) => r.dedupe_key),
    );
    const lost = [...acked].filter((k) => !stored.has(k)).length;
    const incidents = Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM incidents')).rows[0]?.n);
    const duplicated = Number(
      (
        await db.query<{ n: string }>(
          'SELECT count(*) AS n FROM (SELECT s FROM incidents, unnest(services) s GROUP BY s HAVING count(*) > 1) d',
        )
      ).rows[0]?.n,
    );
    const alertsSent = list.reduce((n, d) => n + d.keys.length, 0);
    const label = perRequest === 1 ? '1 alert/request' : `${perRequest}-alert groups`;
    console.log(
      `[${label}] ${list.length} requests (${unique} unique + ${list.length - unique} re-sends), ${alertsSent} alerts in ${result.seconds.toFixed(2)} s: ` +
        `${(alertsSent / result.seconds).toFixed(0)} alerts/s, ${(list.length / result.seconds).toFixed(0)} requests/s, ` +
        `latency p50 ${result.p50.toFixed(1)} ms p99 ${result.p99.toFixed(1)} ms, ${CONNECTIONS} connections; ` +
        `backend CPU ${cpu.toFixed(2)} s (user ${user.toFixed(2)}, system ${system.toFixed(2)}) = ${((cpu * 1000) / list.length).toFixed(2)} ms/request`,
    );
    console.log(
      `[${label}] counted in the database: ${stored.size} signals stored for ${acked.size} acknowledged alerts → lost ${lost}; ` +
        `${incidents} incidents for ${Math.min(SERVICES, ALERTS)} services → duplicated ${duplicated}; refused ${refused} requests; ` +
        `synchronous_commit=${syncCommit}; load before ${load0}, after ${loadavg()[0]?.toFixed(2)}`,
    );
    return { lost, duplicated, refused, incidents };
  } finally {
    await db.end();
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
    await rm(home, { recursive: true, force: true });
  }
}

const server = new pg.Client({ connectionString: values['postgres-url'] });
await server.connect();
const version = (await server.query<{ server_version: string }>('SHOW server_version')).rows[0]?.server_version;
await server.end();
console.log(
  `pipeline-ingest: PostgreSQL ${version}, ${ALERTS} alerts over ${SERVICES} services, ${Math.round(RESEND * 100)}% re-sent, ` +
    `HMAC-SHA256 signed, load generator in this process, backend in its own`,
);
let failed = false;
for (const perRequest of [1, GROUP]) {
  const r = await run(values['postgres-url'], perRequest);
  if (r.lost || r.duplicated || r.refused || r.incidents !== Math.min(SERVICES, ALERTS)) failed = true;
}
if (failed) {
  console.error('pipeline-ingest: lost, duplicated or refused alerts (see above)');
  process.exitCode = 1;
}
