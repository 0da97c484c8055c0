/**
 * Scale-out on one PostgreSQL, every backend `aegis start` in its own process, the simulated cluster
 * (`aegis sim serve`) in another, the load generator in this one — all on this machine.
 *
 *   npm run bench:scale [-- --alerts 20000 --storm 100000 --bursts 10 --connections 64]
 *
 * 1. Ingestion throughput with 1 and with 2 replicas (requests spread over the replicas, as a
 *    Kubernetes Service would), one HMAC-signed Grafana alert per request; and alert-to-proposal
 *    latency: a signed alert naming a runbook action until the fixer's proposal is stored.
 * 2. The storm: `--storm` alerts in Grafana notifications of 1–100 alerts, sent in `--bursts` bursts to
 *    two replicas; one replica is SIGKILLed half-way through. The sender behaves like Grafana: a
 *    notification that is not acknowledged (connection reset, 5xx, 429) is sent again, to a replica that
 *    answers. Afterwards the database is counted: every acknowledged alert stored once, one incident per
 *    service, and the survivor finishes investigating every incident.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { sign } from '../src/ingest/signature.js';
import {
  type BackendProcess,
  scratchPostgres,
  startBackendProcess,
  startSimulatorProcess,
  until,
} from '../test/helpers/processes.js';

const { values } = parseArgs({
  options: {
    alerts: { type: 'string', default: '20000' },
    storm: { type: 'string', default: '100000' },
    bursts: { type: 'string', default: '10' },
    services: { type: 'string', default: '100' },
    connections: { type: 'string', default: '64' },
    'latency-samples': { type: 'string', default: '6' },
    /** How long the survivor may take to investigate every storm incident. */
    'finish-timeout': { type: 'string', default: '900' },
    /** `scale` or `storm` runs one half only. */
    only: { type: 'string' },
  },
});
const ALERTS = Number(values.alerts);
const STORM = Number(values.storm);
const BURSTS = Number(values.bursts);
const SERVICES = Number(values.services);
const CONNECTIONS = Number(values.connections);
const SAMPLES = Number(values['latency-samples']);
const SECRET = 'bench-scale-webhook-secret';
const ADMIN = 'aeg_bench_scale_admin_token_0123456789abcdef';
/** Online Boutique deployments in the simulated cluster: alert-to-proposal samples target these. */
const BOUTIQUE = ['cartservice', 'checkoutservice', 'currencyservice', 'emailservice', 'paymentservice', 'shippingservice', 'recommendationservice', 'adservice', 'productcatalogservice'];

interface Notification {
  body: string;
  signature: string;
  keys: string[];
}

let run = randomBytes(3).toString('hex');

function notification(alerts: Array<{ name: string; service: string; namespace: string; labels?: Record<string, string> }>, groupKey: string): Notification {
  const startsAt = new Date().toISOString();
  const list = alerts.map((a) => ({
    status: 'firing',
    labels: { alertname: a.name, service: a.service, namespace: a.namespace, severity: 'critical', ...a.labels },
    annotations: { summary: `${a.name} on ${a.service}` },
    startsAt,
    endsAt: '0001-01-01T00:00:00Z',
    fingerprint: createFingerprint(a.name),
  }));
  const body = JSON.stringify({ receiver: 'aegis', status: 'firing', orgId: 1, alerts: list, groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: 'http://grafana:3000/', version: '1', groupKey, truncatedAlerts: 0, title: '[FIRING]', state: 'alerting', message: '' });
  return { body, signature: sign.grafana(SECRET, body), keys: list.map((a) => `grafana:${groupKey}:${a.fingerprint}:${startsAt}`) };
}

const createFingerprint = (name: string) => `fp-${name}`;

/** Posts one notification; 0 when the connection failed (the replica died). */
function post(agent: http.Agent, url: string, n: Notification): Promise<{ status: number; retryAfter: number }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const req = http.request(
      { host: hostname, port, path: '/api/v1/webhooks/grafana', method: 'POST', agent, timeout: 30_000, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(n.body), 'x-grafana-alerting-signature': n.signature } },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: Number(res.headers['retry-after'] ?? 0) }));
        res.on('error', () => resolve({ status: 0, retryAfter: 0 }));
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve({ status: 0, retryAfter: 0 }));
    req.end(n.body);
  });
}

/**
 * Sends every notification over `CONNECTIONS` keep-alive connections spread round-robin over the live
 * replicas; an unacknowledged one is retried (on another replica) until acknowledged or refused.
 */
async function send(list: Notification[], targets: () => string[], onProgress?: (done: number) => void) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const acked: Notification[] = [];
  let refused = 0;
  let retries = 0;
  let next = 0;
  let done = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async (_, worker) => {
      for (let i = next++; i < list.length; i = next++) {
        const n = list[i]!;
        for (let attempt = 0; ; attempt++) {
          const live = targets();
          const url = live[(i + attempt + worker) % live.length]!;
          const r = await post(agent, url, n);
          if (r.status === 202 || r.status === 200) {
            acked.push(n);
            break;
          }
          if (r.status >= 400 && r.status < 500 && r.status !== 429) {
            refused++;
            break;
          }
          retries++;
          await new Promise((res) => setTimeout(res, r.retryAfter ? r.retryAfter * 1000 : 200));
        }
        onProgress?.(++done);
      }
    }),
  );
  agent.destroy();
  return { acked, refused, retries, seconds: (performance.now() - t0) / 1000 };
}

async function startReplicas(n: number, databaseUrl: string, kubeconfig: string): Promise<BackendProcess[]> {
  const env = { AEGIS_DATABASE_URL: databaseUrl, AEGIS_KUBECONFIG: kubeconfig, AEGIS_ADMIN_TOKEN: ADMIN, AEGIS_GRAFANA_WEBHOOK_SECRET: SECRET };
  const replicas: BackendProcess[] = [];
  for (let i = 0; i < n; i++) {
    const r = await startBackendProcess(env);
    replicas.push(r);
    await r.healthy();
  }
  return replicas;
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${ADMIN}` } });
  return (await res.json()) as T;
}

/**
 * Signed alert naming a runbook action → the fixer's stored proposal for the incident it opened, per
 * sample, alternating replicas. Each sample's incident is then closed (proposal rejected, incident
 * resolved) so the next alert, on a neighbouring service, opens an incident of its own.
 */
async function alertToProposal(replicas: BackendProcess[]): Promise<number[]> {
  const ms: number[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < SAMPLES; i++) {
    const service = BOUTIQUE[i % BOUTIQUE.length]!;
    const target = replicas[i % replicas.length]!;
    const n = notification([{ name: `LatencyProbe${run}${i}`, service, namespace: 'boutique', labels: { aegis_action: 'restart-deployment' } }], `{}:{probe="${run}-${i}"}`);
    const t0 = performance.now();
    const res = await post(new http.Agent(), target.url, n);
    if (res.status !== 202) throw new Error(`probe alert not acknowledged: ${res.status}`);
    const found = await until(
      `a proposal for ${service}`,
      async () => {
        const incidents = await getJson<{ items: Array<{ id: string }> }>(`${target.url}/api/v1/incidents?service=${service}&limit=5`);
        for (const inc of incidents.items.filter((x) => !seen.has(x.id))) {
          const rems = await getJson<{ items: Array<{ id: string }> }>(`${target.url}/api/v1/incidents/${inc.id}/remediations`);
          if (rems.items[0]) return { incident: inc.id, remediation: rems.items[0].id };
        }
        return undefined;
      },
      180_000,
      20,
    );
    ms.push(performance.now() - t0);
    seen.add(found.incident);
    await postJson(`${target.url}/api/v1/remediations/${found.remediation}/reject`, { reason: 'latency probe' });
    await postJson(`${target.url}/api/v1/incidents/${found.incident}/resolve`, {});
  }
  return ms.sort((a, b) => a - b);
}

async function postJson(url: string, body: unknown): Promise<void> {
  const res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
}

async function counted(databaseUrl: string, acked: Notification[]) {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const rows = (await db.query<{ dedupe_key: string }>("SELECT dedupe_key FROM incident_signals WHERE source = 'grafana'")).rows;
    const stored = new Set(rows.map((r) => r.dedupe_key));
    const ackedKeys = new Set(acked.flatMap((n) => n.keys));
    const lost = [...ackedKeys].filter((k) => !stored.has(k)).length;
    const duplicateSignals = rows.length - stored.size;
    const incidents = Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM incidents')).rows[0]?.n);
    const duplicateIncidents = Number(
      (await db.query<{ n: string }>('SELECT count(*) AS n FROM (SELECT s FROM incidents, unnest(services) s GROUP BY s HAVING count(*) > 1) d')).rows[0]?.n,
    );
    return { ackedAlerts: ackedKeys.size, stored: stored.size, lost, duplicateSignals, incidents, duplicateIncidents };
  } finally {
    await db.end();
  }
}

/** Incidents whose investigation has not yet reached its fixer step. */
async function uninvestigated(databaseUrl: string): Promise<number> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const { rows } = await db.query<{ n: string }>(
      `SELECT count(*) AS n FROM incidents i WHERE NOT EXISTS
         (SELECT 1 FROM agent_executions e WHERE e.incident_id = i.id AND e.agent = 'fixer' AND e.status <> 'running')`,
    );
    return Number(rows[0]?.n);
  } finally {
    await db.end();
  }
}

async function jobStates(databaseUrl: string) {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    return (await db.query(`SELECT state, count(*)::int AS n FROM pgboss.job WHERE name = 'pipeline-investigate' GROUP BY 1 ORDER BY 1`)).rows;
  } finally {
    await db.end();
  }
}

const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))] ?? NaN;
const stop = async (replicas: BackendProcess[]) => {
  for (const r of replicas) await r.stop().catch(() => {});
};

console.log(`bench:scale — ${new Date().toISOString()}, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}, ${CONNECTIONS} connections`);
const sim = await startSimulatorProcess();
let failed = false;
try {
  // 1. Throughput and latency with 1 and 2 replicas, each on a fresh database.
  const throughput: Record<number, number> = {};
  for (const n of values.only === 'storm' ? [] : [1, 2]) {
    run = randomBytes(3).toString('hex');
    const database = await scratchPostgres('aegis_bench_scale');
    const replicas = await startReplicas(n, database.url, sim.kubeconfig);
    try {
      const latency = await alertToProposal(replicas);
      const list = Array.from({ length: ALERTS }, (_, i) => notification([{ name: `Alert${i}`, service: `svc-${i % SERVICES}`, namespace: 'bench' }], `{}:{alertname="Alert${i}"}`));
      const load0 = loadavg()[0]!;
      const result = await send(list, () => replicas.map((r) => r.url));
      const c = await counted(database.url, result.acked);
      throughput[n] = ALERTS / result.seconds;
      console.log(
        `[${n} replica${n > 1 ? 's' : ''}] ingestion: ${ALERTS} alerts (1 per request) in ${result.seconds.toFixed(1)} s = ${throughput[n]!.toFixed(0)} alerts/s; ` +
          `stored ${c.stored}/${c.ackedAlerts} acknowledged, lost ${c.lost}, ${c.incidents} incidents (duplicated ${c.duplicateIncidents}), retries ${result.retries}, refused ${result.refused}; ` +
          `alert→proposal p50 ${(pct(latency, 0.5) / 1000).toFixed(2)} s, min ${(latency[0]! / 1000).toFixed(2)} s, max ${(latency[latency.length - 1]! / 1000).toFixed(2)} s over ${latency.length} samples; load ${load0.toFixed(2)} → ${loadavg()[0]!.toFixed(2)}`,
      );
      if (c.lost || c.duplicateIncidents || result.refused) failed = true;
    } finally {
      await stop(replicas);
      await database.drop();
    }
  }
  if (throughput[1]) console.log(`[scale] 2 replicas / 1 replica ingestion throughput = ${(throughput[2]! / throughput[1]!).toFixed(2)}× on this ${availableParallelism()}-core machine (backends, PostgreSQL, simulator and load generator share it)`);

  // 2. The storm, with one of two replicas SIGKILLed half-way.
  if (values.only !== 'scale') await storm();
} finally {
  await sim.stop();
}

async function storm() {
  run = randomBytes(3).toString('hex');
  const database = await scratchPostgres('aegis_bench_storm');
  const replicas = await startReplicas(2, database.url, sim.kubeconfig);
  try {
    const notifications: Notification[] = [];
    for (let sent = 0, g = 0; sent < STORM; g++) {
      const size = Math.min(STORM - sent, 1 + ((g * 37) % 100)); // 1–100 alerts per notification
      const alerts = Array.from({ length: size }, (_, j) => ({ name: `Storm${sent + j}`, service: `storm-${(sent + j) % SERVICES}`, namespace: 'bench' }));
      notifications.push(notification(alerts, `{}:{storm="${g}"}`));
      sent += size;
    }
    let live = replicas.map((r) => r.url);
    const victim = replicas[0]!;
    let killedAt = -1;
    const perBurst = Math.ceil(notifications.length / BURSTS);
    const totals = { acked: [] as Notification[], refused: 0, retries: 0, seconds: 0 };
    let sentSoFar = 0;
    for (let b = 0; b < BURSTS; b++) {
      const burst = notifications.slice(b * perBurst, (b + 1) * perBurst);
      const r = await send(burst, () => live, (done) => {
        // Half-way through the storm, in the middle of a burst: kill a replica with requests in flight.
        if (killedAt < 0 && sentSoFar + done >= notifications.length / 2) {
          killedAt = sentSoFar + done;
          void victim.kill();
          setTimeout(() => (live = live.filter((u) => u !== victim.url)), 1_000); // the Service notices a little later
        }
      });
      sentSoFar += burst.length;
      totals.acked.push(...r.acked);
      totals.refused += r.refused;
      totals.retries += r.retries;
      totals.seconds += r.seconds;
      await new Promise((res) => setTimeout(res, 500)); // the quiet between bursts
    }
    const c = await counted(database.url, totals.acked);
    const alertsSent = notifications.reduce((a, n) => a + n.keys.length, 0);
    console.log(
      `[storm] ${alertsSent} alerts in ${notifications.length} notifications, ${BURSTS} bursts, ${totals.seconds.toFixed(1)} s of sending; replica ${victim.port} SIGKILLed after ${killedAt} notifications; ` +
        `sent ${alertsSent}, acknowledged ${c.ackedAlerts}, stored ${c.stored} → lost ${c.lost}, duplicated signals ${c.duplicateSignals}; ` +
        `${c.incidents} incidents for ${SERVICES} services → duplicated ${c.duplicateIncidents}; re-sent after no acknowledgement ${totals.retries}, refused ${totals.refused}`,
    );
    if (c.lost || c.duplicateSignals || c.duplicateIncidents || totals.refused || c.ackedAlerts !== alertsSent) failed = true;
    const t0 = performance.now();
    const left = await until(
      'the survivor to investigate every storm incident',
      async () => ((await uninvestigated(database.url)) === 0 ? 0 : undefined),
      Number(values['finish-timeout']) * 1000,
      2_000,
    ).catch(async () => uninvestigated(database.url));
    console.log(`[storm] the survivor finished the work: ${c.incidents - left}/${c.incidents} incidents investigated ${((performance.now() - t0) / 1000).toFixed(0)} s after the last burst${left ? ` — ${left} NOT investigated` : ''}`);
    if (left) {
      failed = true;
      console.log(`[storm] investigation jobs by state: ${JSON.stringify(await jobStates(database.url))}`);
      const errors = replicas[1]!.output.join('').split('\n').filter((l) => /"level":"(error|warn)"/.test(l));
      console.log(`[storm] the survivor's last warnings:\n${errors.slice(-8).join('\n')}`);
    }
  } finally {
    await stop(replicas);
    await database.drop();
  }
}
if (failed) {
  console.error('bench:scale: alerts lost, duplicated or refused, or work left unfinished (see above)');
  process.exitCode = 1;
}
