import { describe, expect, it } from 'vitest';
import { kthLargest, mad, madOfSorted, median, medianInPlace, quantileSorted, selectInPlace, sortInPlace } from './stats.js';

/** Deterministic pseudo-random arrays with ties (the one-pass MAD must match the two-sort one). */
function arrays(count: number, maxLength = 40): number[][] {
  let state = 12345;
  const rand = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 0x100000000);
  return Array.from({ length: count }, () =>
    Array.from({ length: 1 + Math.floor(rand() * maxLength) }, () => (rand() < 0.3 ? Math.round(rand() * 4) : rand() * 100)),
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

  it('madOfSorted is exactly the median of absolute deviations (the ranker relies on identical figures)', () => {
    for (const xs of arrays(500)) {
      const c = median(xs);
      expect(madOfSorted(Float64Array.from(xs).sort(), c)).toBe(mad(xs, c));
    }
  });

  it('selectInPlace finds every order statistic and medianInPlace equals the sorted median exactly', () => {
    for (const xs of [...arrays(100), ...arrays(30, 1500)]) {
      const sorted = Float64Array.from(xs).sort();
      for (const k of [0, xs.length >> 2, xs.length >> 1, xs.length - 1]) {
        const buf = Float64Array.from(xs);
        expect(selectInPlace(buf, k)).toBe(sorted[k]);
        // Partitioned around k: nothing before it is larger, nothing after it smaller.
        for (let i = 0; i < xs.length; i++) expect(i < k ? buf[i]! <= sorted[k]! : i > k ? buf[i]! >= sorted[k]! : true).toBe(true);
      }
      expect(medianInPlace(Float64Array.from(xs))).toBe(quantileSorted(sorted, 0.5));
    }
  });
});
