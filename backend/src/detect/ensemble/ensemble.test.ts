import { describe, expect, it } from 'vitest';
import { createEnsemble, joinSparse } from './index.js';

describe('ensemble groups: sparse deciders joined by the maximum', () => {
  const params = { voteLevel: 2, minVotes: 2, lone: 0.5, sparseOffset: 1 };
  const dense = createEnsemble([1, 1], params);
  const mixed = createEnsemble([1, 1, 2], params, [0, 0, 1]);

  it('leaves the dense vote untouched between sparse decisions (no dilution by a silent member)', () => {
    for (const column of [
      [3, 0],
      [4, 3],
      [0.5, 0.2],
    ])
      expect(mixed.combine(Float64Array.from([...column, 0]))).toBe(dense.combine(Float64Array.from(column)));
  });

  it('lets a sparse decision raise the point to its surprise plus the offset, never lower it', () => {
    expect(mixed.combine(Float64Array.from([0.5, 0.2, 2]))).toBe(3);
    expect(mixed.combine(Float64Array.from([4, 3, 0.5]))).toBe(dense.combine(Float64Array.from([4, 3])));
  });

  it('ignores a group without a score', () => {
    expect(joinSparse(1, NaN, 1)).toBe(1);
    expect(joinSparse(NaN, 2, 1)).toBe(3);
    expect(Number.isNaN(joinSparse(NaN, NaN, 1))).toBe(true);
  });
});

describe('sparse group below the alarm', () => {
  const params = { voteLevel: 2, minVotes: 2, lone: 0.5, sparseOffset: 3, sparseBelowAlarm: true };
  const e = createEnsemble([1, 1], params, [0, 1], 2.75);

  it('never lets a sparse decision alone reach the alarm level, however confident', () => {
    for (const x of [0.1, 1, 4, 40]) expect(e.combine(Float64Array.from([0, x]))).toBeLessThan(2.75);
  });

  it('keeps the order among sparse decisions and lets the dense group through above it', () => {
    const low = e.combine(Float64Array.from([0, 1]));
    const high = e.combine(Float64Array.from([0, 2]));
    expect(high).toBeGreaterThan(low);
    expect(e.combine(Float64Array.from([3.5, 4]))).toBe(3.5);
  });
});
