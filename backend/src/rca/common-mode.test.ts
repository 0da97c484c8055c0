import { describe, expect, it } from 'vitest';
import { removeCommonMode } from './common-mode.js';
import { rankRootCauses } from './rank.js';
import { synthSeries } from './testing.js';
import type { MetricSeriesInput } from './types.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 2, 4, 20, 30);
const SERVICES = ['frontend', 'cartservice', 'checkoutservice', 'currencyservice', 'productcatalogservice', 'shippingservice'];

/** The evening: every service's traffic steps ×1.12 two minutes before the fault; cartservice's memory leaks from T0. */
function evening(): MetricSeriesInput[] {
  const out: MetricSeriesInput[] = [];
  SERVICES.forEach((service, k) => {
    const level = 10 * (k + 1);
    out.push(synthSeries({ service, metric: 'request_rate', start: T0 - 30 * MIN, minutes: 36, level, noise: level * 0.01, shiftAt: T0 - 2 * MIN, shift: level * 0.12, seed: k + 1 }));
    out.push(synthSeries({ service, metric: 'latency_p99', start: T0 - 30 * MIN, minutes: 36, level: 50, noise: 4, seed: k + 11 }));
  });
  const mem = synthSeries({ service: 'cartservice', metric: 'memory', start: T0 - 30 * MIN, minutes: 36, level: 110e6, noise: 4e5, seed: 21 });
  mem.values = mem.values.map((v, i) => v + (Math.max(0, (mem.times[i] ?? 0) - T0 + MIN) / MIN) * 2e6);
  return [...out, mem];
}

describe('common mode of load', () => {
  it('removes a traffic change every service shares and keeps one service’s own', () => {
    const series = evening();
    const own = series.find((s) => s.service === 'shippingservice' && s.metric === 'request_rate');
    if (!own) throw new Error('no series');
    own.values = own.values.map((v, i) => ((own.times[i] ?? 0) >= T0 ? v * 0.3 : v));
    const adjusted = removeCommonMode(series, T0 - 5 * MIN);
    const ratio = (service: string) => {
      const s = adjusted.find((x) => x.service === service && x.metric === 'request_rate');
      const before = s?.values[20] ?? NaN;
      return (s?.values.at(-1) ?? NaN) / before;
    };
    expect(ratio('frontend')).toBeCloseTo(1, 1);
    expect(ratio('shippingservice')).toBeLessThan(0.4);
    // Other kinds pass untouched.
    expect(adjusted.find((s) => s.metric === 'memory')).toBe(series.find((s) => s.metric === 'memory'));
  });

  it('ranks the leaking service first when the evening traffic rises just before the fault', () => {
    const r = rankRootCauses({ anomalyTime: T0, series: evening() });
    expect(r.ranking[0]?.service).toBe('cartservice');
  });
});
