import { z } from 'zod';

/**
 * Weighted ensemble of calibrated scores with voting: the combined surprise is the weighted mean of the
 * members' surprises, boosted towards the strongest member when enough members agree, and damped when
 * a single member shouts alone.
 *
 * Members come in two groups. Group 0 follows the values point by point (a fault holds its score up, which the
 * live service's 2-points-in-a-row rule needs). Group 1 holds sparse deciders (ARTime judges once per
 * downsampled block and only on a new pattern): voted among themselves, offset by `sparseOffset`, and joined to
 * group 0 by the maximum, so a sparse decision can raise a point but never dilutes nor holds group 0's score.
 */
export const ensembleSchema = z.object({
  /** Surprise at which a member counts as voting "anomalous". */
  voteLevel: z.number().min(0).default(2),
  /** Votes needed for the strongest member's surprise to carry the ensemble. */
  minVotes: z.number().int().min(1).default(2),
  /** How much of the gap to the strongest member a single unsupported member still gets (0..1). */
  lone: z.number().min(0).max(1).default(0.5),
  /** Surprise added to group 1's vote before the maximum with group 0 (chosen by the NAB protocol). */
  sparseOffset: z.number().min(-10).max(10).default(0),
  /**
   * Keep group 1 below the alarm: its surprise is squashed into [0, alarm level − 0.05), so a sparse decision
   * can rank a point in the alarm stream but never counts towards the live rule of 2 points in a row over the
   * threshold (one judgement of a block is not two confirmations); only group 0 opens anomalies.
   */
  sparseBelowAlarm: z.boolean().default(false),
});
export type EnsembleParams = z.output<typeof ensembleSchema>;

export interface Ensemble {
  /** Combines one point's calibrated member surprises (NaN members are ignored). */
  combine(surprises: Float64Array): number;
}

/**
 * `groups[i]`: member i's group (0 by default); `alarmLevel`: the combined surprise at which the configuration
 * alarms (for `sparseBelowAlarm`).
 */
export function createEnsemble(
  weights: number[],
  params?: Partial<EnsembleParams>,
  groups?: number[],
  alarmLevel = Infinity,
): Ensemble {
  const p = ensembleSchema.parse(params ?? {});
  const cap = sparseCap(p, alarmLevel);
  const w = Float64Array.from(weights);
  const g = Uint8Array.from(weights.map((_x, i) => (groups?.[i] === 1 ? 1 : 0)));
  const sparse = g.includes(1);
  /** The weighted vote of one group's members; NaN when none of them has a score. */
  const vote = (s: Float64Array, group: number) => {
    let sum = 0;
    let wsum = 0;
    let max = 0;
    let votes = 0;
    for (let i = 0; i < w.length; i++) {
      const x = s[i] ?? NaN;
      const wi = w[i] ?? 0;
      if (g[i] !== group || Number.isNaN(x) || wi <= 0) continue;
      sum += wi * x;
      wsum += wi;
      if (x > max) max = x;
      if (x >= p.voteLevel) votes++;
    }
    return voteOf(sum, wsum, max, votes, p);
  };
  return {
    combine(s) {
      const dense = vote(s, 0);
      if (!sparse) return dense;
      return joinSparse(dense, vote(s, 1), p.sparseOffset, cap);
    },
  };
}

/** One group's vote from its running sums (exported for the NAB bench's fast path, which keeps the sums). */
export function voteOf(sum: number, wsum: number, max: number, votes: number, p: EnsembleParams): number {
  if (wsum === 0) return NaN;
  const mean = sum / wsum;
  const share = votes >= p.minVotes ? 1 : p.lone;
  return mean + share * (max - mean);
}

/**
 * Group 0's vote joined with group 1's (offset) by the maximum. Group 1 counts only where it decided something
 * (surprise > 0): between decisions it says nothing, and the offset must not lift every point.
 */
export function joinSparse(dense: number, sparse: number, offset: number, cap = Infinity): number {
  if (!(sparse > 0)) return dense;
  const x = sparse + offset;
  // Monotone squash into (−∞, cap): the order among sparse decisions is kept, the alarm level never reached.
  const s = cap === Infinity || x <= 0 ? x : cap * (1 - Math.exp(-x / cap));
  return Number.isNaN(dense) || s > dense ? s : dense;
}

/** The surprise group 1 stays below (Infinity unless `sparseBelowAlarm`). */
export function sparseCap(p: EnsembleParams, alarmLevel: number): number {
  return p.sparseBelowAlarm && Number.isFinite(alarmLevel) ? Math.max(0, alarmLevel - 0.05) : Infinity;
}
