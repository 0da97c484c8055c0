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

/** kthLargest's running top-k (scoring is synchronous, so one buffer serves every call). */
const TOP = new Float64Array(8);

/** The k-th largest value (k = 1 is the maximum); for k beyond the length, the smallest. */
export function kthLargest(xs: ArrayLike<number>, k: number, n = xs.length): number {
  if (n === 0) return NaN;
  const kk = Math.max(1, Math.min(k, n));
  // Small k (the persistence, 1–3 points) is a linear scan keeping the top kk: no copy, no sort.
  if (kk > TOP.length) return Float64Array.from({ length: n }, (_, i) => xs[i] ?? NaN).sort()[n - kk] ?? NaN;
  const top = TOP.fill(-Infinity, 0, kk);
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

/** The same on the first `n` values of a scratch buffer, which it sorts in place. */
export function centreScaleInPlace(buf: Float64Array, n: number, relativeFloor: number): { centre: number; scale: number } {
  const out = new Float64Array(2);
  centreScaleInto(buf, n, relativeFloor, out);
  return { centre: out[0] ?? NaN, scale: out[1] ?? NaN };
}

/**
 * The same written to `out` ([centre, scale]): the per-series hot path, where returning doubles or an
 * object from a call that is not inlined boxes them on the heap, 20k times per ranking.
 */
export function centreScaleInto(buf: Float64Array, n: number, relativeFloor: number, out: Float64Array): void {
  sortInPlace(buf, n);
  const centre = quantileSorted(buf, 0.5, n);
  out[0] = centre;
  out[1] = Math.max(
    1.4826 * madOfSorted(buf, centre, n),
    (quantileSorted(buf, 0.75, n) - quantileSorted(buf, 0.25, n)) / 1.349,
    relativeFloor * Math.abs(centre),
    DEGENERATE_SCALE,
  );
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
  const hi = Math.ceil(pos);
  let a = NaN;
  let d = NaN;
  // An exhausted arm is skipped by a branch, not an Infinity sentinel: V8 boxed every distance of a
  // loop whose value may be the sentinel (a heap number per step).
  for (let m = 0; m <= hi; m++) {
    if (left < 0) d = (sorted[right++] ?? NaN) - centre;
    else if (right >= n) d = centre - (sorted[left--] ?? NaN);
    else {
      const dl = centre - (sorted[left] ?? NaN);
      const dr = (sorted[right] ?? NaN) - centre;
      if (dl <= dr) {
        d = dl;
        left--;
      } else {
        d = dr;
        right++;
      }
    }
    if (m === lo) a = d;
  }
  return a + (d - a) * (pos - lo);
}

/**
 * The k-th smallest (0-based) of the first `n` values, which it partially reorders: afterwards every
 * value before k is ≤ it and every value after is ≥ it. Hoare quickselect with a median-of-three pivot.
 */
export function selectInPlace(a: Float64Array, k: number, n = a.length): number {
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const pivot = medianOf3(a[lo] ?? NaN, a[(lo + hi) >>> 1] ?? NaN, a[hi] ?? NaN);
    let i = lo;
    let j = hi;
    while (i <= j) {
      while ((a[i] ?? NaN) < pivot) i++;
      while ((a[j] ?? NaN) > pivot) j--;
      if (i <= j) {
        const x = a[i] ?? NaN;
        a[i++] = a[j] ?? NaN;
        a[j--] = x;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break; // j < k < i: a[k] equals the pivot
  }
  return a[k] ?? NaN;
}

function medianOf3(x: number, y: number, z: number): number {
  if (x < y) return y < z ? y : x < z ? z : x;
  return x < z ? x : y < z ? z : y;
}

/**
 * The median of the first `n` values, exactly as `quantileSorted(sorted, 0.5)` would give it, without
 * sorting: one quickselect, then the smallest value above it for an even count.
 */
export function medianInPlace(a: Float64Array, n = a.length): number {
  if (n === 0) return NaN;
  const pos = (n - 1) * 0.5;
  const lo = Math.floor(pos);
  const x = selectInPlace(a, lo, n);
  if (lo === pos) return x;
  let y = Infinity;
  for (let i = lo + 1; i < n; i++) if ((a[i] ?? NaN) < y) y = a[i] ?? NaN;
  return x + (y - x) * (pos - lo);
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
