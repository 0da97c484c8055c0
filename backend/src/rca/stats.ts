/** Small robust statistics over plain number arrays (NaN already removed by the caller). */

export function median(xs: readonly number[]): number {
  return quantile(xs, 0.5);
}

/** Linear-interpolated quantile (numpy's default), q in [0, 1]. */
export function quantile(xs: readonly number[], q: number): number {
  return quantileSorted(Float64Array.from(xs).sort(), q);
}

/** The same on values already sorted ascending (score many quantiles with one sort). */
export function quantileSorted(s: ArrayLike<number>, q: number, n = s.length): number {
  if (n === 0) return NaN;
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, n - 1);
  const a = s[lo] ?? NaN;
  const b = s[hi] ?? NaN;
  return a + (b - a) * (pos - lo);
}

export function mad(xs: readonly number[], centre = median(xs)): number {
  return median(xs.map((x) => Math.abs(x - centre)));
}

/** The k-th largest value (k = 1 is the maximum); for k beyond the length, the smallest. */
export function kthLargest(xs: ArrayLike<number>, k: number, n = xs.length): number {
  if (n === 0) return NaN;
  const kk = Math.max(1, Math.min(k, n));
  // Small k (the persistence, 1–3 points) is a linear scan keeping the top kk: no copy, no sort.
  if (kk > 8) return Float64Array.from({ length: n }, (_, i) => xs[i] ?? NaN).sort()[n - kk] ?? NaN;
  const top = new Float64Array(kk).fill(-Infinity);
  for (let i = 0; i < n; i++) {
    const v = xs[i] ?? NaN;
    if (!(v > (top[kk - 1] ?? -Infinity))) continue;
    let j = kk - 1;
    for (; j > 0 && (top[j - 1] ?? Infinity) < v; j--) top[j] = top[j - 1] ?? v;
    top[j] = v;
  }
  return top[kk - 1] ?? NaN;
}

/** The scale of a baseline with no spread and a zero level: any deviation from it has no meaningful z. */
export const DEGENERATE_SCALE = 1e-9;

/**
 * Robust centre (median) and scale (max of MAD, IQR, a floor relative to the level) of a baseline;
 * `DEGENERATE_SCALE` when the baseline is constant at zero.
 */
export function robustCentreScale(values: readonly number[], relativeFloor: number): { centre: number; scale: number } {
  return centreScaleInPlace(Float64Array.from(values), values.length, relativeFloor);
}

/** The same on the first `n` values of a scratch buffer, which it sorts in place (no allocation). */
export function centreScaleInPlace(buf: Float64Array, n: number, relativeFloor: number): { centre: number; scale: number } {
  sortInPlace(buf, n);
  const centre = quantileSorted(buf, 0.5, n);
  const scale = Math.max(
    1.4826 * madOfSorted(buf, centre, n),
    (quantileSorted(buf, 0.75, n) - quantileSorted(buf, 0.25, n)) / 1.349,
    relativeFloor * Math.abs(centre),
    DEGENERATE_SCALE,
  );
  return { centre, scale };
}

/**
 * Median absolute deviation from `centre` of an ascending array, without a second sort: |x − centre|
 * over it is a V, so merging its two arms smallest first reaches the middle in one pass.
 */
export function madOfSorted(sorted: ArrayLike<number>, centre: number, n = sorted.length): number {
  if (n === 0) return NaN;
  let right = 0;
  while (right < n && (sorted[right] ?? NaN) < centre) right++;
  let left = right - 1;
  const pos = (n - 1) / 2;
  const lo = Math.floor(pos);
  let a = NaN;
  for (let m = 0; m <= Math.ceil(pos); m++) {
    const dl = left >= 0 ? centre - (sorted[left] ?? NaN) : Infinity;
    const dr = right < n ? (sorted[right] ?? NaN) - centre : Infinity;
    const d = dl <= dr ? dl : dr;
    if (dl <= dr) left--;
    else right++;
    if (m === lo) a = d;
    if (m === Math.ceil(pos)) return a + (d - a) * (pos - lo);
  }
  return a;
}

/** Ascending, the first `n` values; insertion sort for the short windows RCA scores (a native typed sort costs more per call there). */
export function sortInPlace(a: Float64Array, n = a.length): Float64Array {
  if (n > 48) {
    a.subarray(0, n).sort();
    return a;
  }
  for (let i = 1; i < n; i++) {
    const v = a[i] ?? NaN;
    let j = i - 1;
    for (; j >= 0 && (a[j] ?? -Infinity) > v; j--) a[j + 1] = a[j] ?? v;
    a[j + 1] = v;
  }
  return a;
}
