/** ARTime's feature vector helpers: a full Haar decomposition and a min–max squash to [0,1]. */

/** In place: y ← (y − min) / (max − min); left as y − min when the values are all equal. */
export function squash(y: Float64Array): Float64Array {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of y) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const span = hi - lo;
  for (let k = 0; k < y.length; k++) y[k] = span > 0 ? ((y[k] ?? 0) - lo) / span : (y[k] ?? 0) - lo;
  return y;
}

/**
 * Orthonormal Haar transform to the coarsest level (length a power of two), laid out coarse to fine:
 * [approximation, coarsest detail, …, finest details]. `scratch` has the input's length.
 */
export function haar(x: ArrayLike<number>, out: Float64Array, scratch: Float64Array): Float64Array {
  const n = out.length;
  for (let k = 0; k < n; k++) scratch[k] = x[k] ?? 0;
  for (let len = n; len > 1; len >>= 1) {
    const half = len >> 1;
    for (let k = 0; k < half; k++) {
      const a = scratch[2 * k] ?? 0;
      const b = scratch[2 * k + 1] ?? 0;
      out[k] = (a + b) * Math.SQRT1_2;
      // Detail = (later − earlier)/√2, the convention of the wavelet library the reference uses (the features
      // are squashed to [0,1] afterwards, so the sign mirrors them; with this one our NAB-style run reproduces
      // the published ARTime scores: bench:nab:artime).
      out[half + k] = (b - a) * Math.SQRT1_2;
    }
    // The approximation half is transformed again; the details stay where they are.
    for (let k = 0; k < half; k++) scratch[k] = out[k] ?? 0;
    for (let k = half; k < len; k++) scratch[k] = out[k] ?? 0;
  }
  out.set(scratch.subarray(0, n));
  return out;
}

/** The ARTime similarity used to order the probationary samples: cosine, or 1 − the other's norm when one is 0. */
export function similarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let na = 0;
  let nb = 0;
  let dot = 0;
  for (let k = 0; k < a.length; k++) {
    const x = a[k] ?? 0;
    const y = b[k] ?? 0;
    na += x * x;
    nb += y * y;
    dot += x * y;
  }
  na = Math.sqrt(na);
  nb = Math.sqrt(nb);
  if (na === 0) return 1 - nb;
  if (nb === 0) return 1 - na;
  return dot / (na * nb);
}
