import { z } from 'zod';

/**
 * Weighted ensemble of calibrated scores with voting: the combined surprise is the weighted mean of the
 * members' surprises, boosted towards the strongest member when enough members agree, and damped when
 * a single member shouts alone.
 */
export const ensembleSchema = z.object({
  /** Surprise at which a member counts as voting "anomalous". */
  voteLevel: z.number().min(0).default(2),
  /** Votes needed for the strongest member's surprise to carry the ensemble. */
  minVotes: z.number().int().min(1).default(2),
  /** How much of the gap to the strongest member a single unsupported member still gets (0..1). */
  lone: z.number().min(0).max(1).default(0.5),
});
export type EnsembleParams = z.output<typeof ensembleSchema>;

export interface Ensemble {
  /** Combines one point's calibrated member surprises (NaN members are ignored). */
  combine(surprises: Float64Array): number;
}

export function createEnsemble(weights: number[], params?: Partial<EnsembleParams>): Ensemble {
  const p = ensembleSchema.parse(params ?? {});
  const w = Float64Array.from(weights);
  return {
    combine(s) {
      let sum = 0;
      let wsum = 0;
      let max = 0;
      let votes = 0;
      for (let i = 0; i < w.length; i++) {
        const x = s[i] ?? NaN;
        const wi = w[i] ?? 0;
        if (Number.isNaN(x) || wi <= 0) continue;
        sum += wi * x;
        wsum += wi;
        if (x > max) max = x;
        if (x >= p.voteLevel) votes++;
      }
      if (wsum === 0) return NaN;
      const mean = sum / wsum;
      const share = votes >= p.minVotes ? 1 : p.lone;
      return mean + share * (max - mean);
    },
  };
}
