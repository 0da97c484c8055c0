import type { MetricSeriesInput } from './types.js';

/** Deterministic synthetic series for tests and benches: seeded noise, a shift from `shiftAt`. */
export function synthSeries(opts: {
  service: string;
  metric: string;
  start: number;
  minutes: number;
  level: number;
  noise: number;
  shiftAt?: number;
  shift?: number;
  seed?: number;
}): MetricSeriesInput {
  let state = (opts.seed ?? 1) >>> 0 || 1;
  const rand = () => {
    // xorshift32: enough for reproducible noise
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return ((state >>> 0) / 0xffffffff) * 2 - 1;
  };
  const times: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < opts.minutes; i++) {
    const t = opts.start + i * 60_000;
    const shifted = opts.shiftAt !== undefined && t >= opts.shiftAt ? (opts.shift ?? 0) : 0;
    times.push(t);
    values.push(opts.level + shifted + opts.noise * rand());
  }
  return { service: opts.service, metric: opts.metric, times, values };
}
