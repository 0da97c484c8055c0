import { describe, expect, it } from 'vitest';
import { createLikelihoodCalibrator, log10NormalTail } from './likelihood.js';

function noise(seed: number) {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

describe('HTM-style anomaly likelihood', () => {
  it('computes normal tails far out', () => {
    expect(log10NormalTail(0)).toBeCloseTo(Math.log10(0.5), 6);
    expect(log10NormalTail(1.6449)).toBeCloseTo(Math.log10(0.05), 3);
    expect(log10NormalTail(5)).toBeCloseTo(Math.log10(2.8665e-7), 2);
  });

  it('is silent while learning, low on usual raw scores, high when the recent average leaves its range', () => {
    const r = noise(3);
    const c = createLikelihoodCalibrator({ warmup: 100 });
    const early: number[] = [];
    for (let i = 0; i < 100; i++) early.push(c.next(r()));
    expect(Math.max(...early)).toBe(0);
    const usual = Array.from({ length: 3000 }, () => c.next(r())).sort((a, b) => a - b);
    expect(usual[Math.floor(0.99 * usual.length)]).toBeLessThan(2.5); // about −log10(0.01) for the 99th percentile
    let shifted = 0;
    for (let i = 0; i < 10; i++) shifted = c.next(3 + r());
    expect(shifted).toBe(4); // capped
  });

  it('restores its state exactly; NaN passes through without learning', () => {
    const r = noise(5);
    const a = createLikelihoodCalibrator();
    for (let i = 0; i < 500; i++) a.next(r());
    const saved = JSON.stringify(a.save());
    expect(Number.isNaN(a.next(NaN))).toBe(true);
    expect(JSON.stringify(a.save())).toBe(saved);
    const b = createLikelihoodCalibrator({}, JSON.parse(saved));
    for (let i = 0; i < 50; i++) {
      const x = r();
      expect(b.next(x)).toBe(a.next(x));
    }
  });
});
