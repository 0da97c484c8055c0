/**
 * What past incidents teach: each confirmed (or corrected) root cause raises the prior of that service
 * in incidents that look alike, and a correction lowers the prior of the service that was wrongly
 * ranked first. Likeness is the cosine of the two incidents' evidence fingerprints.
 */
export interface PastVerdict {
  /** The service confirmed as root cause. */
  service: string;
  /** The service Aegis had ranked first, when the verdict corrected it. */
  previousTop?: string | null;
  signature: Record<string, number>;
}

export interface HistoryOptions {
  /** How much one identical past incident multiplies the prior (1 + weight). */
  weight?: number;
  /** Verdicts less similar than this are ignored. */
  minSimilarity?: number;
}

export function cosine(a: Record<string, number>, b: Record<string, number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (const [k, v] of Object.entries(a)) {
    na += v * v;
    dot += v * (b[k] ?? 0);
  }
  for (const v of Object.values(b)) nb += v * v;
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
}

/** Prior weight per service (1 = neutral) for an incident with this fingerprint. */
export function historyPriors(
  signature: Record<string, number>,
  past: readonly PastVerdict[],
  opts: HistoryOptions = {},
): Record<string, number> {
  const weight = opts.weight ?? 4;
  const minSimilarity = opts.minSimilarity ?? 0.5;
  const priors: Record<string, number> = {};
  for (const v of past) {
    const sim = cosine(signature, v.signature);
    if (sim < minSimilarity) continue;
    priors[v.service] = (priors[v.service] ?? 1) * (1 + weight * sim);
    if (v.previousTop && v.previousTop !== v.service) {
      priors[v.previousTop] = (priors[v.previousTop] ?? 1) / (1 + weight * sim);
    }
  }
  return priors;
}
