import { describe, expect, it } from 'vitest';
import { seriesPoints } from '../types.js';
import { cadDetector } from './index.js';

// A square rhythm: 2 points low, 2 points high.
const rhythm = (i: number) => (Math.floor(i / 2) % 2 === 0 ? 1 : 5);

describe('cad (CAD OSE style contextual) detector', () => {
  it('learns a repeating rhythm, then flags a break in it', () => {
    const values = Array.from({ length: 2000 }, (_v, i) => rhythm(i));
    values[1501] = 5; // high where the rhythm has its second low point: a context never seen
    const s = cadDetector.create({ restPeriod: 0 }).score(seriesPoints(values));
    const learned = Math.max(...s.subarray(1000, 1500));
    expect(learned).toBeLessThan(0.2);
    expect(s[1501]).toBeGreaterThan(0.5);
  });

  it('reports one novelty once: after a loud score it rests for restPeriod points', () => {
    const values = Array.from({ length: 2000 }, (_v, i) => (i < 1500 ? rhythm(i) : 3 + (i % 7)));
    const s = cadDetector.create({ restPeriod: 50 }).score(seriesPoints(values));
    const loud = s.findIndex((x, i) => i >= 1500 && x >= 0.75);
    expect(loud).toBeGreaterThanOrEqual(1500);
    expect(Math.max(...s.subarray(loud + 1, loud + 51))).toBe(0);
  });

  it('restores its state exactly and uses only the past', () => {
    const values = Array.from({ length: 800 }, (_v, i) => rhythm(i) + (i % 13 === 0 ? 1 : 0));
    const whole = cadDetector.create().score(seriesPoints(values));
    const a = cadDetector.create();
    a.score(seriesPoints(values.slice(0, 400)));
    const b = cadDetector.restore(JSON.parse(JSON.stringify(a.save())));
    const rest = b.score(seriesPoints(values.slice(400), Array.from({ length: 400 }, (_v, i) => (400 + i) * 60_000)));
    expect(Array.from(rest)).toEqual(Array.from(whole.subarray(400)));
    const changed = [...values.slice(0, 600), ...values.slice(600).map((x) => x * 3)];
    expect(Array.from(cadDetector.create().score(seriesPoints(changed)).subarray(0, 600))).toEqual(
      Array.from(whole.subarray(0, 600)),
    );
  });
});
