import { z } from 'zod';

/**
 * Calibration maps each detector's raw scores, whose scales differ (z-units, forest depths, forecast errors),
 * onto one scale: the surprise −log10(P[raw ≥ r]) of the current raw score among that detector's own past
 * scores on this series, with older scores slowly forgotten. 2 means "rarer than 1 in 100" for every detector.
 */
export const calibrationSchema = z.object({
  /** Weight a raw score loses per later point (1/halfLife-ish); 0 keeps everything. */
  forget: z.number().min(0).lt(1).default(0.0005),
  /** Raw scores are binned on a log scale with this many bins per doubling of (1 + raw). */
  binsPerOctave: z.number().int().min(1).max(64).default(16),
  /** Scored points before the calibrator answers (surprise 0 until then). */
  warmup: z.number().int().min(1).default(64),
});
export type CalibrationParams = z.output<typeof calibrationSchema>;

const OCTAVES = 16; // raw scores up to 2^16 − 1; larger ones share the top bin

export interface Calibrator {
  /** Surprise of `raw` given the past, then `raw` joins the past. NaN in → NaN out, state unchanged. */
  next(raw: number): number;
  save(): CalibratorState;
}

export interface CalibratorState {
  counts: number[];
  /** The Fenwick sums as they were, so a restored calibrator rounds exactly like the original. */
  tree?: number[];
  total: number;
  weight: number;
  seen: number;
}

export function createCalibrator(params?: Partial<CalibrationParams>, state?: CalibratorState): Calibrator {
  const p = calibrationSchema.parse(params ?? {});
  const bins = p.binsPerOctave * OCTAVES;
  const counts = new Float64Array(bins);
  // Fenwick tree over the bins: the tail mass above a score costs O(log bins) instead of a scan.
  const tree = new Float64Array(bins + 1);
  const add = (b: number, w: number) => {
    for (let i = b + 1; i <= bins; i += i & -i) tree[i] = (tree[i] ?? 0) + w;
  };
  const below = (b: number) => {
    let sum = 0;
    for (let i = b; i > 0; i -= i & -i) sum += tree[i] ?? 0;
    return sum;
  };
  let total = state?.total ?? 0;
  let weight = state?.weight ?? 1; // forgetting by growing the weight of new points instead of decaying all bins
  let seen = state?.seen ?? 0;
  if (state) {
    counts.set(state.counts.slice(0, bins));
    if (state.tree?.length === bins + 1) tree.set(state.tree);
    else for (let b = 0; b < bins; b++) if (counts[b]) add(b, counts[b] ?? 0);
  }

  const growth = 1 / (1 - p.forget);

  const binOf = (raw: number) => {
    const b = Math.floor(Math.log2(1 + Math.max(0, raw)) * p.binsPerOctave);
    return b < bins ? b : bins - 1;
  };

  return {
    next(raw) {
      if (Number.isNaN(raw)) return NaN;
      const b = binOf(raw);
      const tail = total - below(b);
      // Half of the own bin counts as "as large", and one pseudo-count keeps the surprise finite.
      const surprise = seen >= p.warmup ? -Math.log10((tail - 0.5 * (counts[b] ?? 0) + weight) / (total + weight)) : 0;
      counts[b] = (counts[b] ?? 0) + weight;
      add(b, weight);
      total += weight;
      weight *= growth;
      seen++;
      if (weight > 1e100) {
        for (let i = 0; i < bins; i++) counts[i] = (counts[i] ?? 0) / weight;
        tree.fill(0);
        for (let i = 0; i < bins; i++) add(i, counts[i] ?? 0);
        total /= weight;
        weight = 1;
      }
      return Math.max(0, surprise);
    },
    save: () => ({ counts: Array.from(counts), tree: Array.from(tree), total, weight, seen }),
  };
}
