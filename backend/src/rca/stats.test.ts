import { describe, expect, it } from 'vitest';
import { kthLargest, mad, madOfSorted, median, sortInPlace } from './stats.js';

/** Deterministic pseudo-random arrays with ties (the one-pass MAD must match the two-sort one). */
function arrays(count: number): number[][] {
  let state = 12345;
  const rand = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 0x100000000);
  return Array.from({ length: count }, () =>
    Array.from({ length: 1 + Math.floor(rand() * 40) }, () => (rand() < 0.3 ? Math.round(rand() * 4) : rand() * 100)),
  );
}

describe('fast robust statistics', () => {
  it('madOfSorted equals the median of absolute deviations computed by sorting them', () => {
    for (const xs of arrays(500)) {
      const c = median(xs);
      expect(madOfSorted(Float64Array.from(xs).sort(), c)).toBeCloseTo(mad(xs, c), 9);
    }
  });

  it('kthLargest and sortInPlace agree with a full sort', () => {
    for (const xs of arrays(200)) {
      const desc = [...xs].sort((a, b) => b - a);
      for (const k of [1, 2, 3, 12]) expect(kthLargest(xs, k)).toBe(desc[Math.min(k, xs.length) - 1]);
      expect([...sortInPlace(Float64Array.from(xs))]).toEqual([...desc].reverse());
    }
  });
});
