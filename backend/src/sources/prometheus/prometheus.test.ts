import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../platform/clock.js';
import { startSimulatedCluster, type SimulatedCluster } from '../simulator/index.js';
import { createPrometheusClient, createPrometheusMetricsSource, findPrometheus, startLocalPrometheus, type LocalPrometheus } from './index.js';

const CI = process.env.CI === 'true' || process.env.CI === '1';
const binary = findPrometheus();
if (!binary) {
  if (CI) throw new Error('CI=true but prometheus is not installed (scripts/test-prereqs.mjs installs Debian\'s prometheus package)');
  console.warn('[tests] prometheus not found: the Prometheus collector suite is skipped (apt-get install prometheus; npm test installs it when it can)');
}

describe.skipIf(!binary)('Prometheus collector against a real Prometheus scraping the simulator', () => {
  let home: string;
  let cluster: SimulatedCluster;
  let prom: LocalPrometheus;

  beforeAll(async () => {
    home = await mkdtemp(path.join(tmpdir(), 'aegis-prom-test-'));
    cluster = await startSimulatedCluster({ home, clock: systemClock, seed: 21, stepMs: 250 });
    prom = await startLocalPrometheus({ targets: [{ url: `${cluster.url}/metrics`, caPem: cluster.caPem, job: 'aegis-sim' }], scrapeIntervalSec: 1 });
    // A few scrapes, so rates over a 5 s window have samples.
    const client = createPrometheusClient({ baseUrl: prom.url });
    const deadline = Date.now() + 30_000;
    for (;;) {
      const d = await client.query('count_over_time(up{job="aegis-sim"}[1m])');
      const n = d.resultType === 'vector' ? Number(d.result[0]?.value[1] ?? 0) : 0;
      if (n >= 6) break;
      if (Date.now() > deadline) throw new Error('Prometheus did not scrape the simulator');
      await new Promise((r) => setTimeout(r, 500));
    }
  });

  afterAll(async () => {
    await prom?.close();
    await cluster?.close();
    await rm(home, { recursive: true, force: true });
  });

  it('the typed client answers instant and range queries', async () => {
    const client = createPrometheusClient({ baseUrl: prom.url });
    const up = await client.query('up{job="aegis-sim"}');
    expect(up.resultType).toBe('vector');
    if (up.resultType === 'vector') expect(up.result[0]?.value[1]).toBe('1');
    const now = Date.now();
    const m = await client.queryRange('sum(container_memory_working_set_bytes{namespace="boutique"})', now - 4_000, now, 1_000);
    expect(m[0]?.values.length).toBeGreaterThanOrEqual(3);
    await expect(client.query('sum(rate(http_requests_total[5s]')).rejects.toThrow(/bad_data/);
  });

  it('lists every service and reads the canonical signals close to the simulator own values', async () => {
    const source = createPrometheusMetricsSource({ client: createPrometheusClient({ baseUrl: prom.url }), now: () => Date.now(), windowSec: 5 });
    const listed = await source.listSeries({ namespace: 'boutique', metric: 'request_rate' });
    expect(listed.errors).toEqual([]);
    expect(listed.results.map((k) => k.service).sort()).toEqual(cluster.sim.topology.services.map((s) => s.name).sort());

    const to = Date.now() - 1_000;
    const q = { namespace: 'boutique', service: 'cartservice', from: to - 3_000, to, stepMs: 1_000 };
    const read = (metric: string) => source.queryRange({ ...q, metric });
    const [rate, memory, cpu, p99, errors] = await Promise.all([read('request_rate'), read('memory'), read('cpu'), read('latency_p99'), read('error_rate')]);
    for (const r of [rate, memory, cpu, p99, errors]) {
      expect(r.errors).toEqual([]);
      expect(r.results).toHaveLength(1);
      expect(r.results[0]?.key).toMatchObject({ namespace: 'boutique', service: 'cartservice' });
    }
    const last = (r: typeof rate) => (r.results[0]?.points ?? []).map(([, v]) => v).filter(Number.isFinite).at(-1) ?? NaN;
    const own = cluster.sim.latestFrame()?.services.get('cartservice');
    expect(last(rate)).toBeGreaterThan(0.5 * (own?.request_rate ?? 0));
    expect(last(rate)).toBeLessThan(1.5 * (own?.request_rate ?? 0));
    expect(Math.abs(last(memory) / (own?.memory ?? 1) - 1)).toBeLessThan(0.1);
    expect(last(cpu)).toBeGreaterThan(0);
    expect(last(p99)).toBeGreaterThan(1);
    expect(last(errors)).toBeGreaterThanOrEqual(0);
    expect(last(errors)).toBeLessThan(0.05);

    const perPod = await source.queryRange({ ...q, metric: 'memory', perPod: true });
    expect(perPod.results.map((s) => s.key.pod).sort()).toEqual([...cluster.sim.cluster.pods.values()].filter((p) => p.service === 'cartservice').map((p) => p.name).sort());
  });

  it('istio, linkerd, otel and merged templates are valid PromQL (Prometheus parses them; this cluster has no mesh)', async () => {
    for (const naming of ['istio', 'linkerd', 'otel', ['default', 'istio', 'linkerd', 'otel']] as const) {
      const source = createPrometheusMetricsSource({ client: createPrometheusClient({ baseUrl: prom.url }), now: () => Date.now(), naming });
      const to = Date.now();
      for (const perPod of [false, true]) {
        const res = await source.queryRange({ namespace: 'boutique', service: 'cartservice', perPod, from: to - 5_000, to, stepMs: 1_000 });
        const unsupported = res.errors.filter((e) => !/no per-pod query/.test(e.message));
        expect(unsupported, String(naming)).toEqual([]);
      }
    }
  });

  it('reports a broken query or an unreachable Prometheus as errors, never throws', async () => {
    const broken = createPrometheusMetricsSource({
      client: createPrometheusClient({ baseUrl: prom.url }),
      now: () => Date.now(),
      templates: { cpu: { service: 'sum(rate(nonsense[' } },
    });
    const to = Date.now();
    const res = await broken.queryRange({ namespace: 'boutique', from: to - 5_000, to, stepMs: 1_000 });
    expect(res.errors.map((e) => e.target)).toEqual(['cpu']);
    expect(res.results.filter((s) => s.key.metric === 'request_rate')).toHaveLength(11);

    const gone = createPrometheusMetricsSource({ client: createPrometheusClient({ baseUrl: 'http://127.0.0.1:1', retry: { retries: 1, backoffMs: 5 } }), now: () => Date.now() });
    const none = await gone.queryRange({ metric: 'memory', from: to - 5_000, to, stepMs: 1_000 });
    expect(none.results).toEqual([]);
    expect(none.errors[0]?.message).toMatch(/cannot reach Prometheus/);
  });
});
