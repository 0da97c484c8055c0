import { describe, expect, it } from 'vitest';
import { builtinLookup } from '../builtins.js';
import { createDirectCalibrator } from '../calibration/direct.js';
import { createSeriesScorer, DEFAULT_PIPELINE } from '../pipeline/index.js';
import { seriesPoints } from '../types.js';
import { createDvfa } from './dvfa.js';
import { haar } from './features.js';
import { artimeDetector, createArtimeDetector } from './index.js';

// A daily-like rhythm with a little deterministic noise: 48 points per cycle.
const rhythm = (i: number) => 10 + 5 * Math.sin((2 * Math.PI * i) / 48) + ((i * 7919) % 13) / 26;

describe('artime: Haar features and the dual-vigilance fuzzy ART', () => {
  it('Haar transform is orthonormal and laid out coarse to fine', () => {
    const x = [1, 3, 2, 2, 5, 1, 0, 4];
    const out = haar(x, new Float64Array(8), new Float64Array(8));
    const energy = (v: ArrayLike<number>) => Array.from(v).reduce((s, a) => s + a * a, 0);
    expect(energy(out)).toBeCloseTo(energy(x), 10);
    expect(out[0]).toBeCloseTo(18 / Math.sqrt(8), 10); // the approximation: the sum over √8
    expect(out[4]).toBeCloseTo((3 - 1) / Math.SQRT2, 10); // finest detail: later − earlier
    const flat = haar([2, 2, 2, 2, 2, 2, 2, 2], new Float64Array(8), new Float64Array(8));
    expect(Array.from(flat.subarray(1)).every((d) => Math.abs(d) < 1e-12)).toBe(true);
  });

  it('resonates with a learned sample and opens a new cluster for an unlike one', () => {
    const art = createDvfa(4, 100);
    art.rhoLb = 0.5;
    art.rhoUb = 0.8;
    expect(art.present([0.2, 0.2, 0.3, 0.3]).cluster).toBe(-1); // nothing learned yet: a new cluster
    const again = art.present([0.2, 0.2, 0.3, 0.3]);
    expect(again.cluster).toBe(0);
    expect(again.match).toBeCloseTo(1, 10);
    expect(art.size).toBe(1);
    expect(art.present([0.9, 1, 0.9, 1]).cluster).toBe(-1);
    expect(art.size).toBe(2);
  });
});

describe('artime detector', () => {
  it('scores nothing during its probationary period, then flags a break in a learned rhythm', () => {
    const values = Array.from({ length: 3000 }, (_v, i) => rhythm(i));
    for (let i = 2400; i < 2430; i++) values[i] = 30; // a plateau far above anything seen
    const s = createArtimeDetector({ probation: 750 }).score(seriesPoints(values));
    expect(Math.max(...s.subarray(0, 750))).toBe(0);
    const before = s.subarray(1500, 2400).filter((x) => x > 0).length;
    const at = Math.max(...s.subarray(2400, 2440));
    expect(at).toBeGreaterThan(0.3);
    expect(before).toBeLessThanOrEqual(2);
  });

  it('uses only the past: scores before k are identical whether the series is cut at k or changed after it', () => {
    const values = Array.from({ length: 2500 }, (_v, i) => rhythm(i) + (i % 311 === 0 ? 6 : 0));
    const whole = createArtimeDetector().score(seriesPoints(values));
    for (const k of [500, 1200, 2000]) {
      const cut = createArtimeDetector().score(seriesPoints(values.slice(0, k)));
      expect(Array.from(cut)).toEqual(Array.from(whole.subarray(0, k)));
      const changed = [...values.slice(0, k), ...values.slice(k).map((x) => x * 50 - 7)];
      const other = createArtimeDetector().score(seriesPoints(changed));
      expect(Array.from(other.subarray(0, k))).toEqual(Array.from(whole.subarray(0, k)));
    }
  });

  it('restores its state exactly, during the probationary period and after it', () => {
    const values = Array.from({ length: 2600 }, (_v, i) => rhythm(i) * (i > 1800 ? 1.8 : 1)); // widens late
    const whole = createArtimeDetector().score(seriesPoints(values));
    for (const k of [300, 1500]) {
      const a = createArtimeDetector();
      a.score(seriesPoints(values.slice(0, k)));
      const b = artimeDetector.restore(JSON.parse(JSON.stringify(a.save())));
      const rest = b.score(seriesPoints(values.slice(k)));
      expect(Array.from(rest)).toEqual(Array.from(whole.subarray(k)));
    }
  });

  it('widens its range when a value escapes it, and keeps recognising the old pattern in the new units', () => {
    const values = Array.from({ length: 4000 }, (_v, i) => rhythm(i));
    values[2000] = 40; // one spike far above the probationary range: the range widens to hold it
    const s = createArtimeDetector({ probation: 750 }).score(seriesPoints(values));
    expect(Math.max(...s.subarray(2000, 2020))).toBeGreaterThan(0);
    // The rhythm continues unchanged: after the spike's masking it raises (almost) nothing.
    expect(s.subarray(2600).filter((x) => x > 0).length).toBeLessThanOrEqual(2);
  });

  it('with hold, keeps each decision on the points up to the next one (and across a save/restore)', () => {
    const values = Array.from({ length: 3000 }, (_v, i) => rhythm(i));
    for (let i = 2400; i < 2430; i++) values[i] = 30;
    const plain = createArtimeDetector({ probation: 750 }).score(seriesPoints(values));
    const held = createArtimeDetector({ probation: 750, hold: true }).score(seriesPoints(values));
    const step = Math.floor(750 / (8 * 13)); // 7: points per decision
    const first = plain.findIndex((x, i) => i >= 2400 && x > 0);
    expect(first).toBeGreaterThan(0);
    expect(plain[first + 1]).toBe(0); // the reference: one point
    // Every point from the decision up to the next one carries its score; decisions themselves are unchanged.
    for (let k = 0; k < step; k++) expect(held[first + k]).toBe(plain[first]);
    for (let i = 750; i < 3000; i++) if ((i + 1) % step === 0) expect(held[i]).toBe(plain[i]);
    const a = createArtimeDetector({ probation: 750, hold: true });
    a.score(seriesPoints(values.slice(0, first + 2)));
    const b = artimeDetector.restore(JSON.parse(JSON.stringify(a.save())));
    expect(Array.from(b.score(seriesPoints(values.slice(first + 2))))).toEqual(Array.from(held.subarray(first + 2)));
  });

  it('rejects bad params with the field that is wrong', () => {
    expect(() => artimeDetector.create({ window: 6 })).toThrow(/window/);
    expect(() => artimeDetector.create({ probation: 10 })).toThrow(/probation/);
  });
});

describe('the default pipeline with artime in it', () => {
  const values = Array.from({ length: 2200 }, (_v, i) => rhythm(i) + (i % 401 === 0 ? 9 : 0));
  const points = seriesPoints(values);
  const run = (v: number[]) => createSeriesScorer(DEFAULT_PIPELINE, builtinLookup).score(seriesPoints(v));

  it('is causal: scores before k are byte-identical whether the series is cut at k or changed after it', () => {
    const whole = run(values);
    for (const k of [900, 1600]) {
      expect(Array.from(run(values.slice(0, k)).scores)).toEqual(Array.from(whole.scores.subarray(0, k)));
      const changed = [...values.slice(0, k), ...values.slice(k).map((x) => 100 - x)];
      expect(Array.from(run(changed).alarmScores.subarray(0, k))).toEqual(Array.from(whole.alarmScores.subarray(0, k)));
    }
  });

  it('carries on exactly from a saved state (JSON round trip)', () => {
    const whole = run(values);
    const a = createSeriesScorer(DEFAULT_PIPELINE, builtinLookup);
    a.score({ timestamps: points.timestamps.subarray(0, 1000), values: points.values.subarray(0, 1000) });
    const b = createSeriesScorer(DEFAULT_PIPELINE, builtinLookup, JSON.parse(JSON.stringify(a.save())));
    const rest = b.score({ timestamps: points.timestamps.subarray(1000), values: points.values.subarray(1000) });
    expect(Array.from(rest.scores)).toEqual(Array.from(whole.scores.subarray(1000)));
  });
});

describe('direct calibration', () => {
  it('maps a bounded confidence to surprise on one scale for every series', () => {
    const c = createDirectCalibrator({ scale: 4 });
    expect(c.next(0)).toBe(0);
    expect(c.next(0.5)).toBe(2);
    expect(c.next(1)).toBe(4);
    expect(Number.isNaN(c.next(NaN))).toBe(true);
  });
});
