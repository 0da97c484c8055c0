/** Small robust statistics over plain number arrays (NaN already removed by the caller). */

export function median(xs: readonly number[]): number {
  return quantile(xs, 0.5);
}

/** Linear-interpolated quantile (numpy's default), q in [0, 1]. */
export function quantile(xs: readonly number[], q: number): number {
  return quantileSorted(Float64Array.from(xs).sort(), q);
}

/** The same on values already sorted ascending (score many quantiles with one sort). */
export function quantileSorted(s: ArrayLike<number>, q: number): number {
  if (s.length === 0) return NaN;
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, s.length - 1);
  const a = s[lo] ?? NaN;
  const b = s[hi] ?? NaN;
  return a + (b - a) * (pos - lo);
}

export function mad(xs: readonly number[], centre = median(xs)): number {
  return median(xs.map((x) => Math.abs(x - centre)));
}

/** The k-th largest value (k = 1 is the maximum); for k beyond the length, the smallest. */
export function kthLargest(xs: readonly number[], k: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => b - a);
  return s[Math.min(k, s.length) - 1] ?? NaN;
}

/** The scale of a baseline with no spread and a zero level: any deviation from it has no meaningful z. */
export const DEGENERATE_SCALE = 1e-9;

/**
 * Robust centre (median) and scale (max of MAD, IQR, a floor relative to the level) of a baseline;
 * `DEGENERATE_SCALE` when the baseline is constant at zero.
 */
export function robustCentreScale(values: readonly number[], relativeFloor: number): { centre: number; scale: number } {
  const sorted = Float64Array.from(values).sort();
  const centre = quantileSorted(sorted, 0.5);
  const spread = Float64Array.from(values, (v) => Math.abs(v - centre)).sort();
  const scale = Math.max(
    1.4826 * quantileSorted(spread, 0.5),
    (quantileSorted(sorted, 0.75) - quantileSorted(sorted, 0.25)) / 1.349,
    relativeFloor * Math.abs(centre),
    DEGENERATE_SCALE,
  );
  return { centre, scale };
}
