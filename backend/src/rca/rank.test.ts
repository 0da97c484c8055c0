import { describe, expect, it } from 'vitest';
import { rcaConfig } from './config.js';
import { historyPriors } from './history.js';
import { rankRootCauses } from './rank.js';
import { synthSeries } from './testing.js';
import type { MetricSeriesInput } from './types.js';

const START = Date.UTC(2026, 0, 1, 12);
const T0 = START + 30 * 60_000;
const series = (service: string, metric: string, shift: number, seed: number, level = 100, noise = 2) =>
  synthSeries({ service, metric, start: START, minutes: 40, level, noise, shiftAt: T0, shift: shift * noise, seed });

/** frontend → checkout → payment; payment is slow, and the slowness is loudest at the edge. */
function propagationCase(): { series: MetricSeriesInput[]; edges: Array<{ source: string; target: string }> } {
  return {
    series: [
      series('payment', 'latency_p95', 8, 1),
      series('checkout', 'latency_p95', 20, 2),
      series('frontend', 'latency_p95', 40, 3),
      series('frontend', 'cpu', 0, 4),
      series('checkout', 'cpu', 0, 5),
      series('payment', 'cpu', 0, 6),
      series('cart', 'latency_p95', 0, 7),
    ],
    edges: [
      { source: 'frontend', target: 'checkout' },
      { source: 'checkout', target: 'payment' },
      { source: 'frontend', target: 'cart' },
    ],
  };
}

describe('rankRootCauses on hand-made propagation cases', () => {
  it('names the callee at the bottom of the anomalous chain, not the loudest symptom', () => {
    const c = propagationCase();
    const noGraph = rankRootCauses({ anomalyTime: T0, series: c.series });
    expect(noGraph.ranking[0]?.service).toBe('frontend'); // metrics alone follow the loudest symptom
    const r = rankRootCauses({ anomalyTime: T0, series: c.series, edges: c.edges });
    expect(r.ranking.map((x) => x.service).slice(0, 1)).toEqual(['payment']);
    expect(r.ranking[0]?.metric).toBe('latency_p95');
    const probs = r.ranking.map((x) => x.probability);
    expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 3);
    expect(probs[0]).toBeGreaterThan(0.5);
  });

  it('explains the cause with its anomaly, the propagation path and the change before it', () => {
    const c = propagationCase();
    const r = rankRootCauses({
      anomalyTime: T0,
      series: c.series,
      edges: c.edges,
      changes: [{ service: 'payment', at: T0 - 5 * 60_000, kind: 'deploy', description: 'image payment:v2.3.1' }],
    });
    const top = r.ranking[0];
    expect(top?.service).toBe('payment');
    expect(top?.evidence.map((e) => e.kind)).toEqual(['anomaly', 'change', 'propagation']);
    expect(top?.explanation).toMatch(/^payment is the most likely root cause \(\d+%\)\./);
    expect(top?.explanation).toContain('latency_p95 went from');
    expect(top?.explanation).toContain('propagation along frontend → checkout → payment');
    expect(top?.explanation).toContain('deploy 5 min before the anomaly: image payment:v2.3.1');
    const frontend = r.ranking.find((x) => x.service === 'frontend');
    expect(frontend?.explanation).toContain('partly explained by its callee checkout');
  });

  it('lets a recent deploy break a tie between equally anomalous services', () => {
    const s = [series('a', 'cpu', 10, 1), series('b', 'cpu', 10, 2)];
    const before = rankRootCauses({ anomalyTime: T0, series: s });
    const loser = before.ranking[1]?.service ?? '';
    const after = rankRootCauses({
      anomalyTime: T0,
      series: s,
      changes: [{ service: loser, at: T0 - 60_000, kind: 'config', description: 'pool size 10 → 2' }],
    });
    expect(after.ranking[0]?.service).toBe(loser);
  });

  it('improves after feedback on a repeated scenario', () => {
    // cache looks worse than db, but operators confirmed db last time it looked like this
    const scenario = (seed: number) => [
      series('cache', 'latency_p95', 14, seed),
      series('db', 'latency_p95', 10, seed + 1),
      series('web', 'cpu', 0, seed + 2),
    ];
    const first = rankRootCauses({ anomalyTime: T0, series: scenario(10) });
    expect(first.ranking[0]?.service).toBe('cache');
    const verdicts = [{ service: 'db', previousTop: 'cache', signature: first.signature }];

    const again = scenario(20);
    const unaided = rankRootCauses({ anomalyTime: T0, series: again });
    const priors = historyPriors(unaided.signature, verdicts);
    const learned = rankRootCauses({ anomalyTime: T0, series: again, priors });
    expect(unaided.ranking[0]?.service).toBe('cache');
    expect(learned.ranking[0]?.service).toBe('db');
    expect(learned.ranking[0]?.evidence.some((e) => e.kind === 'history')).toBe(true);

    // an unrelated incident is not pulled towards db
    const other = rankRootCauses({ anomalyTime: T0, series: [series('web', 'cpu', 12, 3), series('db', 'cpu', 0, 4)] });
    expect(historyPriors(other.signature, verdicts)).toEqual({});
  });

  it('works with a partial graph: edges may name services without metrics', () => {
    const c = propagationCase();
    const r = rankRootCauses({
      anomalyTime: T0,
      series: c.series,
      edges: [...c.edges, { source: 'payment', target: 'bank-api' }],
    });
    expect(r.warnings).toContain('call graph names services without metrics: bank-api');
    expect(r.ranking.map((x) => x.service)).toContain('bank-api');
    expect(r.ranking[0]?.service).toBe('payment');
  });
});

describe('rankRootCauses ordering', () => {
  it('sorts rows by their final probability, not by the raw score before the quiet-service share', () => {
    // "noisy" strays a little (below anomalyZ: no anomaly evidence, so it keeps only the quiet share),
    // "deployed" is flat but was just deployed: more probable, so it must rank first.
    const r = rankRootCauses({
      anomalyTime: T0,
      series: [series('noisy', 'cpu', 2, 1), series('deployed', 'cpu', 0, 2, 100, 0)],
      changes: [{ service: 'deployed', at: T0 - 60_000, kind: 'deploy', description: 'image v2' }],
    });
    const probs = r.ranking.map((x) => x.probability);
    expect(probs).toEqual([...probs].sort((a, b) => b - a));
    expect(r.ranking[0]?.service).toBe('deployed');
  });
});

describe('rankRootCauses evidence wording', () => {
  it('says a series left a constant zero instead of printing a z divided by the scale floor', () => {
    const times = Array.from({ length: 40 }, (_, i) => START + i * 60_000);
    const restarts = { service: 'cart', metric: 'restarts', times, values: times.map((t) => (t >= T0 ? 1 : 0)) };
    const r = rankRootCauses({ anomalyTime: T0, series: [restarts, series('web', 'cpu', 0, 1)] });
    const e = r.ranking[0]?.evidence[0];
    expect(r.ranking[0]?.service).toBe('cart');
    expect(e).toMatchObject({ kind: 'anomaly', metric: 'restarts', z: 50, baseline: 0, observed: 1 });
    if (e?.kind !== 'anomaly') throw new Error('expected anomaly evidence');
    expect(e.summary).toBe('restarts went from a constant 0.0 to 1.00 (no variation before, so no z-score)');
    expect(r.ranking[0]?.explanation).not.toMatch(/z=\d{4,}/);
  });
});

describe('rankRootCauses on bad input', () => {
  it('refuses an input with nothing to rank', () => {
    expect(() => rankRootCauses({ anomalyTime: T0, series: [] })).toThrow(/neither metric series, spans, logs nor anomaly events/);
  });

  it('warns about cycles and still ranks', () => {
    const c = propagationCase();
    const r = rankRootCauses({ anomalyTime: T0, series: c.series, edges: [...c.edges, { source: 'payment', target: 'frontend' }] });
    expect(r.warnings.some((w) => /cycle \(.*payment → frontend/.test(w))).toBe(true);
    expect(r.ranking.length).toBeGreaterThan(0);
  });

  it('skips series with empty windows or too little baseline, saying how many', () => {
    const early = series('late', 'cpu', 5, 9);
    const r = rankRootCauses({
      anomalyTime: T0,
      series: [
        series('ok', 'cpu', 6, 1),
        { ...early, times: early.times.slice(0, 10), values: early.values.slice(0, 10) }, // nothing after T0
        { service: 'nan', metric: 'cpu', times: early.times, values: early.times.map(() => NaN) },
      ],
    });
    expect(r.ranking[0]?.service).toBe('ok');
    expect(r.warnings.join('\n')).toMatch(/2 series skipped \(no samples in the abnormal window\)/);
  });

  it('says so when nothing deviates', () => {
    const r = rankRootCauses({ anomalyTime: T0, series: [series('a', 'cpu', 0, 1), series('b', 'cpu', 0, 2)] }, rcaConfig({ anomalyZ: 50 }));
    expect(r.warnings.join('\n')).not.toMatch(/guess/); // small noise still scores above zero
    const flat = (service: string) => ({ service, metric: 'cpu', times: [T0 - 120_000, T0 - 60_000, T0 - 30_000, T0], values: [1, 1, 1, 1] });
    const none = rankRootCauses({ anomalyTime: T0, series: [flat('a'), flat('b')] });
    expect(none.warnings).toContain('no series deviates from its baseline: the ranking is a guess');
  });
});

describe('candidateScope', () => {
  it('fetches the named services, everything they call and their direct callers', async () => {
    const { candidateScope } = await import('./service.js');
    const { staticServiceGraph } = await import('../graph/port.js');
    const g = staticServiceGraph([
      { source: 'lb', target: 'web' },
      { source: 'web', target: 'api' },
      { source: 'api', target: 'db' },
      { source: 'batch', target: 'db' },
    ]);
    expect(candidateScope(['api'], g)).toEqual(['api', 'db', 'web']);
    expect(candidateScope([], g)).toBeUndefined();
  });
});

describe('rankRootCauses from anomaly events alone', () => {
  it('reads detection events by metric kind, so latency events propagate like latency series', () => {
    const events = [
      { service: 'frontend', metric: 'latency_p95', at: T0, score: 0.999 },
      { service: 'checkout', metric: 'latency_p95', at: T0, score: 0.99 },
      { service: 'payment', metric: 'latency_p95', at: T0, score: 0.95 },
    ];
    const edges = [
      { source: 'frontend', target: 'checkout' },
      { source: 'checkout', target: 'payment' },
    ];
    expect(rankRootCauses({ anomalyTime: T0, anomalies: events }).ranking[0]?.service).toBe('frontend');
    const r = rankRootCauses({ anomalyTime: T0, anomalies: events, edges });
    expect(r.ranking[0]?.service).toBe('payment');
    expect(r.ranking[0]?.evidence[0]).toMatchObject({ kind: 'anomaly', metricKind: 'latency' });
  });
});
