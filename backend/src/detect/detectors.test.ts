import { describe, expect, it } from 'vitest';
import { BUILTIN_DETECTORS } from './builtins.js';
import type { DetectorDefinition, SeriesPoints } from './types.js';
import { seriesPoints } from './types.js';

/** Deterministic noise, so no test depends on luck. */
function noise(seed: number) {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648 - 0.5;
  };
}

const STEP = 300_000; // 5-minute points
const series = (n: number, f: (i: number) => number) =>
  seriesPoints(
    Array.from({ length: n }, (_v, i) => f(i)),
    undefined,
    STEP,
  );

const score = (def: DetectorDefinition, points: SeriesPoints, params?: Record<string, unknown>) =>
  def.create(params).score(points);

const argmaxAfter = (a: Float64Array, from: number) => {
  let best = from;
  for (let i = from; i < a.length; i++) if ((a[i] ?? -Infinity) > (a[best] ?? -Infinity)) best = i;
  return best;
};

// The LSTM member is group-level (fed by the service); lstm.test.ts and the service suite cover it.
// Pattern detectors (context, cad, artime) score shapes, not distances: their own suites (artime decides once
// per downsampled step, after a 750-point probationary period: artime/artime.test.ts).
const pointDetectors = BUILTIN_DETECTORS.filter(
  (d) => d.id !== 'context' && d.id !== 'cad' && d.id !== 'artime' && !d.groupLevel,
);

describe.each(pointDetectors.map((d) => [d.id, d] as const))('%s detector', (_id, def) => {
  const r = noise(1);
  const base = series(1500, () => 10 + r());

  it('scores a spike above everything else in the series', () => {
    const values = Float64Array.from(base.values);
    values[1200] = 25;
    const s = score(def, { timestamps: base.timestamps, values });
    // The forest and the subsequence search see the recent window, so the spike stays visible while it is in it.
    const reach = def.id === 'iforest' ? 4 : def.id === 'knn' ? 32 : 1;
    expect(argmaxAfter(s, 400)).toBeGreaterThanOrEqual(1200);
    expect(argmaxAfter(s, 400)).toBeLessThan(1200 + reach);
  });

  it('scores the onset of a level shift higher than the points before it', () => {
    const values = Float64Array.from(base.values, (x, i) => (i >= 1200 ? x + 8 : x));
    const s = score(def, { timestamps: base.timestamps, values });
    const before = Math.max(...s.subarray(400, 1200));
    expect(Math.max(...s.subarray(1200, 1210))).toBeGreaterThan(before);
  });

  it('gives a constant series finite zero-ish scores and a step on it a large one', () => {
    const flat = series(600, () => 5);
    const s = score(def, flat);
    expect([...s].every((x) => Number.isFinite(x))).toBe(true);
    const stepped = Float64Array.from(flat.values, (x, i) => (i === 500 ? 6 : x));
    const t = score(def, { timestamps: flat.timestamps, values: stepped });
    expect(t[500]).toBeGreaterThan(Math.max(...s.subarray(100)));
  });

  it('skips NaN points: NaN out, and the other scores are as if the point was absent', () => {
    const values = Float64Array.from(base.values.subarray(0, 400));
    const withGap = Float64Array.from([...values.subarray(0, 200), NaN, ...values.subarray(200)]);
    const ts = Float64Array.from(withGap, (_v, i) => i * STEP);
    const a = score(def, { timestamps: ts, values: withGap });
    const b = score(def, { timestamps: Float64Array.from([...ts.subarray(0, 200), ...ts.subarray(201)]), values });
    expect(Number.isNaN(a[200] ?? 0)).toBe(true);
    if (def.id !== 'seasonal') expect(Array.from(a.subarray(201))).toEqual(Array.from(b.subarray(200)));
  });

  it('handles very short series (0, 1 and 3 points)', () => {
    for (const n of [0, 1, 3]) {
      const s = score(
        def,
        series(n, (i) => i),
      );
      expect(s.length).toBe(n);
      expect([...s].every((x) => Number.isFinite(x))).toBe(true);
    }
  });

  it('restores saved state and carries on exactly where it left off', () => {
    const first = { timestamps: base.timestamps.subarray(0, 800), values: base.values.subarray(0, 800) };
    const rest = { timestamps: base.timestamps.subarray(800), values: base.values.subarray(800) };
    const original = def.create();
    original.score(first);
    const restored = def.restore(JSON.parse(JSON.stringify(original.save())));
    const a = restored.score(rest);
    const b = original.score(rest);
    expect(Array.from(a)).toEqual(Array.from(b));
  });

  it('uses only the past: a score does not change when later points change', () => {
    const other = Float64Array.from(base.values, (x, i) => (i > 1000 ? x + 100 : x));
    const a = score(def, base);
    const b = score(def, { timestamps: base.timestamps, values: other });
    expect(Array.from(a.subarray(0, 1001))).toEqual(Array.from(b.subarray(0, 1001)));
  });
});

describe('trend', () => {
  it('a slow trend scores far below a spike of the same size for the adaptive detectors', () => {
    for (const id of ['zscore', 'ewma', 'mad']) {
      const def = pointDetectors.find((d) => d.id === id) as DetectorDefinition;
      const r = noise(3);
      const trend = series(2000, (i) => 10 + i * 0.002 + r() * 0.5);
      const s = score(def, trend, id === 'zscore' ? { window: 200 } : undefined);
      const spiked = Float64Array.from(trend.values);
      spiked[1800] = (spiked[1800] ?? 0) + 4;
      const t = score(def, { timestamps: trend.timestamps, values: spiked });
      expect(Math.max(...s.subarray(500)), id).toBeLessThan(t[1800] ?? 0);
    }
  });
});

describe('seasonal baseline', () => {
  const seasonal = BUILTIN_DETECTORS.find((d) => d.id === 'seasonal') as DetectorDefinition;
  // 15-minute points over 3 weeks: a busy peak every weekday 09:00–10:00, quiet otherwise.
  const step = 900_000;
  const monday = Date.UTC(2026, 0, 5);
  const r = noise(9);
  const n = 21 * 96;
  const ts = Float64Array.from({ length: n }, (_v, i) => monday + i * step);
  const peak = (t: number) => {
    const d = new Date(t);
    const weekday = d.getUTCDay() >= 1 && d.getUTCDay() <= 5;
    return weekday && d.getUTCHours() === 9 ? 100 : 20;
  };
  const values = Float64Array.from(ts, (t) => peak(t) + r() * 2);

  it('learns that a Monday-morning peak is normal', () => {
    const s = seasonal.create().score({ timestamps: ts, values });
    const lastMonday9 = ts.findIndex((t) => t === monday + 14 * 86_400_000 + 9 * 3_600_000);
    expect(s[lastMonday9]).toBeLessThan(4);
  });

  it('flags the same value at 3 a.m., and a missing peak', () => {
    const odd = Float64Array.from(values);
    const at3 = ts.findIndex((t) => t === monday + 15 * 86_400_000 + 3 * 3_600_000);
    const missing = ts.findIndex((t) => t === monday + 16 * 86_400_000 + 9 * 3_600_000);
    odd[at3] = 100;
    odd[missing] = 20;
    const s = seasonal.create().score({ timestamps: ts, values: odd });
    expect(s[at3]).toBeGreaterThan(10);
    expect(s[missing]).toBeGreaterThan(10);
  });

  it('scores the peak lower than a plain z-score does', () => {
    const z = BUILTIN_DETECTORS.find((d) => d.id === 'zscore') as DetectorDefinition;
    const i = ts.findIndex((t) => t === monday + 14 * 86_400_000 + 9 * 3_600_000);
    const s = seasonal.create().score({ timestamps: ts, values });
    const zs = z.create({ window: 96 }).score({ timestamps: ts, values });
    expect(s[i]).toBeLessThan(zs[i] ?? 0);
  });
});

describe('context (pattern novelty) detector', () => {
  const context = BUILTIN_DETECTORS.find((d) => d.id === 'context') as DetectorDefinition;
  it('scores a shape it has seen many times low and a new shape high', () => {
    const values = Float64Array.from({ length: 2000 }, (_v, i) => Math.sin((i / 50) * Math.PI * 2));
    for (let i = 1800; i < 1850; i++) values[i] = 0; // the wave stops: a new pattern
    const s = context.create().score(seriesPoints(values));
    expect(Math.max(...s.subarray(1800, 1850))).toBeGreaterThan(Math.max(...s.subarray(1000, 1800)));
  });
});

describe('detector params', () => {
  it('refuses bad params with the field that is wrong', () => {
    const z = BUILTIN_DETECTORS.find((d) => d.id === 'zscore') as DetectorDefinition;
    expect(() => z.create({ window: -1 })).toThrow(/window/);
  });
  it('refuses state of another detector', () => {
    const [a, b] = BUILTIN_DETECTORS;
    expect(() => b?.restore(a?.create().save() ?? { kind: 'x', version: 1, params: {}, data: {} })).toThrow(
      /cannot restore/,
    );
  });
});
