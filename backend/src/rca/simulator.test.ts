import { describe, expect, it } from 'vitest';
import { createManualClock } from '../platform/clock.js';
import { silentLogger } from '../platform/logger.js';
import { createSimulator } from '../sources/simulator/index.js';
import { rankRootCauses } from './rank.js';
import type { MetricSeriesInput } from './types.js';

const MIN = 60_000;

/** End to end on the simulated cluster: inject a fault, let it spread, rank from its metrics source. */
async function rankAfterFault(scenario: string, service: string) {
  const clock = createManualClock(Date.UTC(2026, 2, 3, 12, 0));
  const sim = createSimulator({ clock, seed: 11, stepMs: MIN, logger: silentLogger });
  sim.advance(25 * MIN);
  const t0 = clock.nowMs();
  sim.inject({ scenario, service, seed: 5 });
  sim.advance(6 * MIN);
  const got = await sim.metrics.queryRange({ from: t0 - 25 * MIN, to: clock.nowMs(), stepMs: MIN });
  const series: MetricSeriesInput[] = got.results.map((s) => ({
    service: s.key.service,
    metric: s.key.metric,
    times: s.points.map((p) => p[0]),
    values: s.points.map((p) => p[1]),
  }));
  return rankRootCauses({ anomalyTime: t0, series, edges: sim.topology.edges });
}

describe('RCA on the simulated cluster', () => {
  it.each([
    ['dependency-latency', 'paymentservice'],
    ['cascading-failure', 'productcatalogservice'],
    ['bad-deploy', 'cartservice'],
    ['cpu-saturation', 'currencyservice'],
  ])('names %s on %s as the root cause', async (scenario, service) => {
    const r = await rankAfterFault(scenario, service);
    expect(r.ranking[0]?.service).toBe(service);
    expect(r.ranking[0]?.explanation).toContain(service);
  });
});

describe('RCA on the simulated cluster from logs and spans alone', () => {
  it('reads the error template of a bad deploy from the logs and the slow service from the spans', async () => {
    const clock = createManualClock(Date.UTC(2026, 2, 3, 12, 0));
    const sim = createSimulator({ clock, seed: 11, stepMs: 15_000, logger: silentLogger });
    sim.advance(20 * MIN);
    const t0 = clock.nowMs();
    sim.inject({ scenario: 'bad-deploy', service: 'cartservice', seed: 5 });
    sim.advance(5 * MIN);
    const logs = await sim.logs.queryLogs({ from: t0 - 20 * MIN, to: clock.nowMs(), limit: 50_000 });
    const fromLogs = rankRootCauses({ anomalyTime: t0, logs: logs.results.map((l) => ({ time: l.t, service: l.service, message: l.message })) });
    expect(fromLogs.ranking[0]).toMatchObject({ service: 'cartservice', sources: ['logs'] });
    expect(fromLogs.ranking[0]?.explanation).toMatch(/error template `.*` new at/);

    sim.clearFaults();
    sim.advance(20 * MIN);
    const t1 = clock.nowMs();
    sim.inject({ scenario: 'dependency-latency', service: 'paymentservice', seed: 5 });
    sim.advance(5 * MIN);
    const spans = await sim.traces.querySpans({ from: t1 - 15 * MIN, to: clock.nowMs() });
    expect(spans.results.length).toBeGreaterThan(1000);
    const fromSpans = rankRootCauses({ anomalyTime: t1, spans: spans.results });
    expect(fromSpans.ranking[0]).toMatchObject({ service: 'paymentservice', sources: ['traces'] });
  });
});
