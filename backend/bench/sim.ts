/**
 * Simulator bench: 1,000 pods at a 1 s metric step for 10 minutes (real time) while a real Prometheus
 * scrapes /metrics every 15 s and a client-node event watch is open. Prints tick lag p50/p99, then
 * client-node request throughput against the simulated API server, and how fast the generated 7-day
 * history is served.
 *
 *   npm run bench:sim -- [--minutes 10] [--pods 1000] [--step-ms 1000] [--scrape-sec 15] [--throughput-sec 20] [--concurrency 8]
 */
import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import { mkdtemp, rm } from 'node:fs/promises';
import https from 'node:https';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { systemClock } from '../src/platform/clock.js';
import { createKubernetesCollector, loadKubeConfig } from '../src/sources/kubernetes/index.js';
import { createPrometheusClient, findPrometheus, startLocalPrometheus } from '../src/sources/prometheus/index.js';
import { startSimulatedCluster } from '../src/sources/simulator/index.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    pods: { type: 'string', default: '1000' },
    'step-ms': { type: 'string', default: '1000' },
    'scrape-sec': { type: 'string', default: '15' },
    'throughput-sec': { type: 'string', default: '20' },
    concurrency: { type: 'string', default: '8' },
  },
});
const minutes = Number(values.minutes);
const pods = Number(values.pods);
const stepMs = Number(values['step-ms']);
const scrapeSec = Number(values['scrape-sec']);
const throughputSec = Number(values['throughput-sec']);
const concurrency = Number(values.concurrency);
for (const [k, v] of Object.entries({ minutes, pods, stepMs, scrapeSec, throughputSec, concurrency })) {
  if (!(v > 0)) throw new Error(`--${k} must be a positive number`);
}

const quantile = (xs: number[], q: number) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] as number;
};
const fmt = (ms: number) => `${ms.toFixed(1)} ms`;
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');

if (!findPrometheus()) {
  console.error('prometheus is not installed (apt-get install prometheus): this bench needs a real Prometheus');
  process.exit(1);
}

console.log(`bench:sim  pods=${pods} step=${stepMs}ms duration=${minutes}min scrape=${scrapeSec}s  load avg at start: ${load()}`);
const home = await mkdtemp(path.join(tmpdir(), 'aegis-bench-sim-'));
const t0 = performance.now();
const cluster = await startSimulatedCluster({ home, clock: systemClock, pods, stepMs, retentionMs: (minutes + 5) * 60_000, seed: 1 });
console.log(`simulated cluster up in ${((performance.now() - t0) / 1000).toFixed(2)} s: ${cluster.sim.cluster.pods.size} pods, ${cluster.sim.store.list('nodes').length} nodes at ${cluster.url}`);

// The generated history: what detection asks for on a fresh start.
{
  const now = Date.now();
  const h0 = performance.now();
  const res = await cluster.sim.metrics.queryRange({ from: now - 7 * 86_400_000, to: now, stepMs: 60_000 });
  const points = res.results.reduce((n, s) => n + s.points.length, 0);
  console.log(`generated history: 7 days x ${res.results.length} service series at 1 min = ${points.toLocaleString()} points in ${((performance.now() - h0) / 1000).toFixed(2)} s`);
}

const prom = await startLocalPrometheus({ targets: [{ url: `${cluster.url}/metrics`, caPem: cluster.caPem, job: 'aegis-sim' }], scrapeIntervalSec: scrapeSec });
const promClient = createPrometheusClient({ baseUrl: prom.url });
console.log(`prometheus at ${prom.url} scraping every ${scrapeSec}s`);

const kc = loadKubeConfig({ file: cluster.kubeconfigPath });
const collector = createKubernetesCollector({ kubeConfig: kc, clock: systemClock });
let eventsSeen = 0;
let watchErrors = 0;
const watch = collector.watchEvents({ namespace: 'boutique', onEvent: () => eventsSeen++, onError: () => watchErrors++ });

const lags: number[] = [];
let phase: 'main' | 'throughput' = 'main';
const throughputLags: number[] = [];
// Ticks that fell due while the bench was still setting up (history, Prometheus start) are not counted.
const measuredFrom = Date.now();
cluster.sim.onTick((t) => {
  if (t >= measuredFrom) (phase === 'main' ? lags : throughputLags).push(Date.now() - t);
});

// Something for the controllers and the watch to do: a leak, a rollout, a scale-out.
const durationMs = minutes * 60_000;
const timers = [
  setTimeout(() => cluster.sim.inject({ scenario: 'memory-leak', service: 'cartservice', seed: 1 }), durationMs / 4),
  setTimeout(() => cluster.sim.actions.restart('frontend'), durationMs / 2),
  setTimeout(() => cluster.sim.actions.scale('currencyservice', (cluster.sim.topology.services.find((s) => s.name === 'currencyservice')?.replicas ?? 2) + 10), (3 * durationMs) / 4),
];
const core = kc.makeApiClient(CoreV1Api);
const poll = setInterval(() => void core.listNamespacedPod({ namespace: 'boutique', labelSelector: 'app=cartservice' }).catch(() => {}), 5_000);

const started = Date.now();
while (Date.now() - started < durationMs) {
  await new Promise((r) => setTimeout(r, Math.min(30_000, durationMs - (Date.now() - started))));
  const up = await promClient.query('sum(scrape_samples_scraped{job="aegis-sim"})').catch(() => undefined);
  const samples = up?.resultType === 'vector' ? up.result[0]?.value[1] : '-';
  console.log(
    `  ${((Date.now() - started) / 60_000).toFixed(1)} min: ${lags.length} ticks, lag p50 ${fmt(quantile(lags, 0.5))} p99 ${fmt(quantile(lags, 0.99))}, events ${eventsSeen}, samples/scrape ${samples}, load ${load()}`,
  );
}
timers.forEach(clearTimeout);
clearInterval(poll);

// Throughput: concurrent client-node requests of the kinds a collector makes.
phase = 'throughput';
const apps = kc.makeApiClient(AppsV1Api);
const services = cluster.sim.topology.services.map((s) => s.name);
const calls = [
  (i: number) => apps.readNamespacedDeployment({ name: services[i % services.length] as string, namespace: 'boutique' }),
  (i: number) => core.listNamespacedPod({ namespace: 'boutique', labelSelector: `app=${services[i % services.length]}` }),
  () => apps.listNamespacedDeployment({ namespace: 'boutique' }),
  (i: number) => apps.readNamespacedDeploymentScale({ name: services[i % services.length] as string, namespace: 'boutique' }),
];
const reqLatency: number[] = [];
let failures = 0;
const until = Date.now() + throughputSec * 1000;
await Promise.all(
  Array.from({ length: concurrency }, async (_, w) => {
    for (let i = w; Date.now() < until; i += concurrency) {
      const r0 = performance.now();
      try {
        await (calls[i % calls.length] as (i: number) => Promise<unknown>)(i);
        reqLatency.push(performance.now() - r0);
      } catch {
        failures++;
      }
    }
  }),
);

// The same GETs over one keep-alive agent without client-node: what the server side can answer.
const token = cluster.users.find((u) => u.role === 'cluster-admin')?.token ?? '';
const agent = new https.Agent({ keepAlive: true, ca: cluster.caPem, maxSockets: concurrency });
const rawGet = (p: string) =>
  new Promise<void>((resolve, reject) => {
    https
      .get(`${cluster.url}${p}`, { agent, headers: { authorization: `Bearer ${token}` } }, (r) => {
        r.resume();
        r.on('end', () => (r.statusCode === 200 ? resolve() : reject(new Error(String(r.statusCode)))));
      })
      .on('error', reject);
  });
let rawOk = 0;
const rawUntil = Date.now() + (throughputSec / 2) * 1000;
await Promise.all(
  Array.from({ length: concurrency }, async (_, w) => {
    for (let i = w; Date.now() < rawUntil; i += concurrency) {
      const name = services[i % services.length] as string;
      await (i % 2 ? rawGet(`/apis/apps/v1/namespaces/boutique/deployments/${name}`) : rawGet(`/api/v1/namespaces/boutique/pods?labelSelector=app%3D${name}`)).then(() => rawOk++, () => failures++);
    }
  }),
);
agent.destroy();

const windowSec = Math.ceil(minutes * 60) + 60;
const scrapes = await promClient.query(`count_over_time(up{job="aegis-sim"}[${windowSec}s])`).catch(() => undefined);
const podSeries = await promClient.query('count(container_memory_working_set_bytes{namespace="boutique"})').catch(() => undefined);
const scrapeDur = await promClient.query(`max_over_time(scrape_duration_seconds{job="aegis-sim"}[${windowSec}s])`).catch(() => undefined);
const v = (d: typeof scrapes) => (d?.resultType === 'vector' ? d.result[0]?.value[1] : '-');
watch.stop();
await prom.close();
await cluster.close();
await rm(home, { recursive: true, force: true });

const expected = Math.floor(durationMs / stepMs);
console.log('');
console.log(`RESULT bench:sim (${pods} pods, ${stepMs} ms step, ${minutes} min, Prometheus every ${scrapeSec}s, event watch open)`);
console.log(`  ticks run:               ${lags.length} of ~${expected} due`);
console.log(`  tick lag p50 / p99 / max: ${fmt(quantile(lags, 0.5))} / ${fmt(quantile(lags, 0.99))} / ${fmt(Math.max(...lags))}  (target p99 < 1000 ms)`);
console.log(`  prometheus:              ${v(scrapes)} scrapes, ${v(podSeries)} pod memory series, slowest scrape ${Number(v(scrapeDur)).toFixed(3)} s`);
console.log(`  event watch:             ${eventsSeen} events, ${watch.reconnects} re-watches, ${watchErrors} errors`);
console.log(`  client-node throughput:  ${(reqLatency.length / throughputSec).toFixed(0)} req/s with ${concurrency} in flight (${reqLatency.length} ok, ${failures} failed); latency p50 ${fmt(quantile(reqLatency, 0.5))} p99 ${fmt(quantile(reqLatency, 0.99))}`);
console.log(`  same GETs without client-node (https keep-alive): ${(rawOk / (throughputSec / 2)).toFixed(0)} req/s`);
console.log(`  tick lag during the throughput phase p50 / p99: ${fmt(quantile(throughputLags, 0.5))} / ${fmt(quantile(throughputLags, 0.99))}`);
console.log(`  load avg at end: ${load()}`);
