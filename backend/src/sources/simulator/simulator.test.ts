import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../platform/clock.js';
import { createSimulator, type Simulator } from './simulator.js';

const START = Date.UTC(2026, 10, 18, 13, 0); // a weekday, near the lunchtime peak
const MIN = 60_000;

function sim(seed = 7): Simulator {
  return createSimulator({ clock: createManualClock(START), seed, stepMs: 5_000 });
}

const svc = (s: Simulator, name: string) => {
  const m = s.latestFrame()?.services.get(name);
  if (!m) throw new Error(`no frame for ${name}`);
  return m;
};

/** Mean of a service metric over the last `minutes`, from the in-process MetricsSource. */
async function recent(s: Simulator, service: string, metric: string, minutes = 3): Promise<number> {
  const to = s.now();
  const { results } = await s.metrics.queryRange({ service, metric, from: to - minutes * MIN, to, stepMs: 5_000 });
  const values = (results[0]?.points ?? []).map(([, v]) => v).filter(Number.isFinite);
  return values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
}

describe('simulated shop', () => {
  it('is deterministic for a seed, and another seed gives other noise', () => {
    const a = sim(3);
    const b = sim(3);
    const c = sim(4);
    for (const s of [a, b, c]) s.advance(2 * MIN);
    expect(svc(a, 'frontend')).toEqual(svc(b, 'frontend'));
    expect([...a.cluster.pods.keys()]).toEqual([...b.cluster.pods.keys()]);
    expect(svc(c, 'frontend').request_rate).not.toBe(svc(a, 'frontend').request_rate);
  });

  it('propagates traffic down and latency up the call graph', () => {
    const s = sim();
    s.advance(MIN);
    const front = svc(s, 'frontend');
    expect(svc(s, 'productcatalogservice').request_rate).toBeGreaterThan(front.request_rate * 2.5);
    expect(svc(s, 'redis-cart').request_rate).toBeGreaterThan(svc(s, 'cartservice').request_rate);
    expect(front.latency_p50).toBeGreaterThan(svc(s, 'productcatalogservice').latency_p50);
    expect(front.error_rate).toBeLessThan(0.05);
  });

  it('serves a generated week of history before it started, with daily seasonality', async () => {
    const s = sim();
    s.advance(MIN);
    const { results } = await s.metrics.queryRange({ service: 'frontend', metric: 'request_rate', from: s.now() - 7 * 86_400_000, to: START, stepMs: 3_600_000 });
    const points = results[0]?.points ?? [];
    expect(points).toHaveLength(7 * 24);
    expect(points.every(([, v]) => Number.isFinite(v) && v > 0)).toBe(true);
    const at = (hour: number) => points.filter(([t]) => new Date(t).getUTCHours() === hour).map(([, v]) => v);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(at(20))).toBeGreaterThan(1.8 * mean(at(4)));
  });

  it('memory-leak: memory climbs to OOMKilled; a restart clears it for a while', async () => {
    const s = sim();
    s.advance(MIN);
    const before = svc(s, 'cartservice').memory;
    s.inject({ scenario: 'memory-leak', service: 'cartservice', seed: 1 });
    s.advance(15 * MIN);
    const climbed = svc(s, 'cartservice').memory;
    expect(climbed).toBeGreaterThan(before * 1.4);
    s.advance(30 * MIN);
    expect(svc(s, 'cartservice').restarts).toBeGreaterThan(0);
    const oom = s.store.list('events').filter((e) => e.reason === 'OOMKilled');
    expect(oom.length).toBeGreaterThan(0);
    s.actions.restart('cartservice');
    s.advance(2 * MIN);
    expect(svc(s, 'cartservice').memory).toBeLessThan(climbed);
    expect(svc(s, 'cartservice').restarts).toBe(0);
    s.advance(10 * MIN);
    expect(svc(s, 'cartservice').memory).toBeGreaterThan(before * 1.2);
  });

  it('bad-deploy: a new revision errors; restart does not help, rollback does', async () => {
    const s = sim();
    s.advance(MIN);
    const rev = Number(s.store.get('deployments', 'boutique', 'checkoutservice')?.metadata.annotations?.['deployment.kubernetes.io/revision']);
    s.inject({ scenario: 'bad-deploy', service: 'checkoutservice', seed: 2 });
    expect(Number(s.store.get('deployments', 'boutique', 'checkoutservice')?.metadata.annotations?.['deployment.kubernetes.io/revision'])).toBe(rev + 1);
    s.advance(5 * MIN);
    expect(await recent(s, 'checkoutservice', 'error_rate')).toBeGreaterThan(0.2);
    s.actions.restart('checkoutservice');
    s.advance(5 * MIN);
    expect(await recent(s, 'checkoutservice', 'error_rate')).toBeGreaterThan(0.2);
    // The previous revision is the restarted bad one, so go back to the last good revision.
    s.actions.rollback('checkoutservice', rev);
    s.advance(5 * MIN);
    expect(await recent(s, 'checkoutservice', 'error_rate', 2)).toBeLessThan(0.05);
    expect(s.faults()[0]?.active).toBe(false);
  });

  it('cpu-saturation: latency climbs; a restart does not help, scaling out does', async () => {
    const s = sim();
    s.advance(MIN);
    const base = await recent(s, 'currencyservice', 'latency_p95', 1);
    s.inject({ scenario: 'cpu-saturation', service: 'currencyservice', seed: 3 });
    s.advance(5 * MIN);
    const saturated = await recent(s, 'currencyservice', 'latency_p95', 2);
    expect(saturated).toBeGreaterThan(base * 5);
    s.actions.restart('currencyservice');
    s.advance(5 * MIN);
    expect(await recent(s, 'currencyservice', 'latency_p95', 2)).toBeGreaterThan(base * 5);
    s.actions.scale('currencyservice', 6);
    s.advance(5 * MIN);
    expect(await recent(s, 'currencyservice', 'latency_p95', 2)).toBeLessThan(saturated / 3);
  });

  it('cascading-failure: the loudest errors are upstream; restarting them does not help, restarting the root does', async () => {
    const s = sim();
    s.advance(MIN);
    s.inject({ scenario: 'cascading-failure', service: 'productcatalogservice', seed: 4 });
    s.advance(5 * MIN);
    const rootErrors = await recent(s, 'productcatalogservice', 'error_rate', 2);
    const frontErrors = await recent(s, 'frontend', 'error_rate', 2);
    expect(frontErrors).toBeGreaterThan(rootErrors);
    expect(frontErrors).toBeGreaterThan(0.3);
    s.actions.restart('frontend');
    s.advance(5 * MIN);
    expect(await recent(s, 'frontend', 'error_rate', 2)).toBeGreaterThan(0.3);
    s.actions.restart('productcatalogservice');
    s.advance(5 * MIN);
    expect(await recent(s, 'frontend', 'error_rate', 2)).toBeLessThan(0.05);
  });

  it('crash-loop: restarts climb in CrashLoopBackOff until rolled back', async () => {
    const s = sim();
    s.advance(MIN);
    s.inject({ scenario: 'crash-loop', service: 'shippingservice', seed: 5 });
    s.advance(10 * MIN);
    const pods = s.store.list('pods', 'boutique').filter((p) => p.metadata.labels?.app === 'shippingservice');
    const states = JSON.stringify(pods.map((p) => p.status));
    expect(svc(s, 'shippingservice').restarts).toBeGreaterThan(2);
    expect(states).toContain('CrashLoopBackOff');
    expect(s.store.list('events').some((e) => e.reason === 'BackOff')).toBe(true);
    s.actions.rollback('shippingservice');
    s.advance(5 * MIN);
    expect(svc(s, 'shippingservice').restarts).toBe(0);
    expect(await recent(s, 'shippingservice', 'error_rate', 2)).toBeLessThan(0.05);
  });

  it('noisy-neighbour: one pod slows; restarting moves it off the node', async () => {
    const s = sim();
    s.advance(MIN);
    const base = await recent(s, 'recommendationservice', 'latency_p99', 1);
    const fault = s.inject({ scenario: 'noisy-neighbour', service: 'recommendationservice', seed: 6 });
    s.advance(3 * MIN);
    expect(await recent(s, 'recommendationservice', 'latency_p99', 2)).toBeGreaterThan(base * 3);
    s.actions.restart('recommendationservice');
    s.advance(3 * MIN);
    const nodes = [...s.cluster.pods.values()].filter((p) => p.service === 'recommendationservice').map((p) => p.node);
    expect(nodes).not.toContain(fault.params.node);
    expect(await recent(s, 'recommendationservice', 'latency_p99', 1)).toBeLessThan(base * 2);
  });

  it('dependency-latency slows the callers too, and passes by itself', async () => {
    const s = sim();
    s.advance(MIN);
    const base = await recent(s, 'frontend', 'latency_p50', 1);
    s.inject({ scenario: 'dependency-latency', service: 'currencyservice', seed: 8, durationMs: 10 * MIN });
    s.advance(3 * MIN);
    expect(await recent(s, 'frontend', 'latency_p50', 2)).toBeGreaterThan(base + 200);
    s.advance(10 * MIN);
    expect(await recent(s, 'frontend', 'latency_p50', 1)).toBeLessThan(base * 1.5);
  });

  it('clones run ahead independently (what-if), also for a subset of services', async () => {
    const s = sim();
    s.advance(MIN);
    s.inject({ scenario: 'memory-leak', service: 'cartservice', seed: 1 });
    s.advance(10 * MIN);
    const copy = s.clone({ services: ['cartservice'] });
    expect(copy.topology.services.map((x) => x.name).sort()).toEqual(['cartservice', 'redis-cart']);
    copy.actions.restart('cartservice');
    copy.advance(2 * MIN);
    const copied = copy.latestFrame()?.services.get('cartservice');
    expect(copied?.request_rate).toBeGreaterThan(0);
    expect(copied?.memory).toBeLessThan(svc(s, 'cartservice').memory);
    expect(s.now()).toBe(START + 11 * MIN);
    expect(s.store.get('deployments', 'boutique', 'cartservice')?.spec).not.toEqual(copy.store.get('deployments', 'boutique', 'cartservice')?.spec);
  });

  it('resumes from a snapshot with its objects, revisions and faults', () => {
    const s = sim();
    s.advance(MIN);
    s.inject({ scenario: 'bad-deploy', service: 'adservice', seed: 9 });
    s.advance(MIN);
    const again = createSimulator({ clock: createManualClock(s.now()), state: JSON.parse(JSON.stringify(s.snapshot())) });
    expect(again.faults()).toEqual(s.faults());
    expect(again.store.get('deployments', 'boutique', 'adservice')).toEqual(s.store.get('deployments', 'boutique', 'adservice'));
    expect([...again.cluster.pods.keys()].sort()).toEqual([...s.cluster.pods.keys()].sort());
    again.advance(MIN);
    expect(again.latestFrame()?.services.get('adservice')?.error_rate).toBeGreaterThan(0.1);
  });

  it('refuses unknown scenarios and services with typed errors', () => {
    const s = sim();
    expect(() => s.inject({ scenario: 'meteor-strike', service: 'cartservice' })).toThrow(/unknown scenario/);
    expect(() => s.inject({ scenario: 'memory-leak', service: 'nope' })).toThrow(/unknown service/);
  });
});
