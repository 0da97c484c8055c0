import { z } from 'zod';

/**
 * HTM-style anomaly likelihood (Ahmad et al., "Unsupervised real-time anomaly detection for streaming
 * data", Neurocomputing 2017, §4): the raw score is averaged over a short window, the running distribution
 * of recent averages is modelled as a normal distribution, and the surprise is −log10 of the tail
 * probability of the current average. A detector whose raw scores are usually noisy only counts when its
 * recent average moves out of its own usual range.
 */
export const likelihoodSchema = z.object({
  /** Raw scores averaged over this many points (HTM: 10). */
  average: z.number().int().min(1).max(1000).default(10),
  /** Memory of the running mean and variance, in points (HTM: a window of 8640). */
  memory: z.number().int().min(10).default(4000),
  /** Points before the likelihood answers (HTM's learning period: 288). */
  warmup: z.number().int().min(1).default(288),
  /** Largest surprise claimed (−log10 of the smallest tail probability). */
  cap: z.number().gt(0).default(4),
});
export type LikelihoodParams = z.output<typeof likelihoodSchema>;

export const likelihoodStateSchema = z.object({
  kind: z.literal('likelihood'),
  ring: z.array(z.number()),
  sum: z.number(),
  mean: z.number(),
  variance: z.number(),
  seen: z.number(),
});
export type LikelihoodState = z.output<typeof likelihoodStateSchema>;

/** log10 of the upper normal tail Q(z), accurate far into the tail (continued fraction beyond z = 3). */
export function log10NormalTail(z: number): number {
  if (z < 3) return Math.log10(0.5 * erfc(z / Math.SQRT2));
  // Q(z) ≈ φ(z)/z · (1 − 1/z² + 3/z⁴): relative error < 1 % for z ≥ 3.
  const z2 = z * z;
  const series = 1 - 1 / z2 + 3 / (z2 * z2);
  return (-z2 / 2 - Math.log(z * Math.sqrt(2 * Math.PI)) + Math.log(series)) / Math.LN10;
}

/** erfc (Numerical Recipes' Chebyshev fit, relative error < 1.2e-7). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

export interface LikelihoodCalibrator {
  next(raw: number): number;
  save(): LikelihoodState;
}

export function createLikelihoodCalibrator(params?: Partial<LikelihoodParams>, state?: LikelihoodState): LikelihoodCalibrator {
  const p = likelihoodSchema.parse(params ?? {});
  const ring = new Float64Array(p.average);
  if (state) ring.set(state.ring.slice(0, p.average));
  let sum = state?.sum ?? 0;
  let mean = state?.mean ?? 0;
  let variance = state?.variance ?? 0;
  let seen = state?.seen ?? 0;
  const rate = 1 / p.memory;
  return {
    next(raw) {
      if (Number.isNaN(raw)) return NaN;
      const slot = seen % p.average;
      sum += raw - (seen >= p.average ? (ring[slot] ?? 0) : 0);
      ring[slot] = raw;
      seen++;
      const avg = sum / Math.min(seen, p.average);
      let surprise = 0;
      if (seen > p.warmup) {
        // Spread floor: a detector that has been silent (constant) still needs a real move to count.
        const sd = Math.max(Math.sqrt(variance), 1e-3 * Math.abs(mean) + 1e-6);
        surprise = Math.min(p.cap, Math.max(0, -log10NormalTail((avg - mean) / sd)));
      }
      // Running mean/variance: a plain average while young, exponentially forgetting afterwards.
      const w = Math.max(rate, 1 / seen);
      const d = avg - mean;
      mean += w * d;
      variance = (1 - w) * (variance + w * d * d);
      return surprise;
    },
    save: () => ({ kind: 'likelihood', ring: Array.from(ring), sum, mean, variance, seen }),
  };
}
