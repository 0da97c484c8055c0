/** Small numeric helpers the detectors share; typed arrays throughout because they run on every point. */

/** Smallest spread a detector divides by, so a constant series neither divides by zero nor hides a jump. */
export function spreadFloor(level: number, spread: number): number {
  const floor = 1e-6 + 1e-3 * Math.abs(level);
  return spread > floor ? spread : floor;
}

export function outputFor(n: number, out?: Float64Array): Float64Array {
  if (out && out.length < n) throw new RangeError(`output buffer holds ${out.length} scores, ${n} needed`);
  return out ?? new Float64Array(n);
}

/** `train` and `score` of a detector that learns and scores one point at a time; a NaN point is skipped and scored NaN. */
export function pointwise(step: (x: number) => number) {
  return {
    train(history: { values: ArrayLike<number> }) {
      for (let i = 0; i < history.values.length; i++) {
        const x = history.values[i] ?? NaN;
        if (!Number.isNaN(x)) step(x);
      }
    },
    score(points: { values: ArrayLike<number> }, out?: Float64Array) {
      const n = points.values.length;
      const scores = outputFor(n, out);
      for (let i = 0; i < n; i++) {
        const x = points.values[i] ?? NaN;
        scores[i] = Number.isNaN(x) ? NaN : step(x);
      }
      return scores;
    },
  };
}

/** Plain arrays for JSON state (typed arrays serialise as objects). */
export function toList(a: Float64Array): number[] {
  return Array.from(a, (x) => (Number.isFinite(x) ? x : 0));
}
