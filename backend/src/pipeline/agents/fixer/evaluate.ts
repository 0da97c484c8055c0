import type { Bandit } from './bandit.js';
import { decide, ruleTable } from './policy.js';
import type { Episode } from './simulate.js';

export interface PolicyScore {
  policy: string;
  contexts: number;
  /** Share of contexts where the chosen action recovered the service within the horizon. */
  successRate: number;
  /** Mean time to recovery over recovered contexts (ms). */
  meanRecoveryMs: number | null;
  /** Mean time to recovery counting failures as the full horizon (ms). */
  meanRecoveryCensoredMs: number;
  /** Per scenario: successes / contexts. */
  byScenario: Record<string, { success: number; contexts: number; actions: Record<string, number> }>;
}

export function scorePolicy(name: string, episodes: Episode[], choose: (e: Episode) => string, horizonMs: number): PolicyScore {
  let successes = 0;
  let ttrSum = 0;
  let censored = 0;
  const byScenario: PolicyScore['byScenario'] = {};
  for (const e of episodes) {
    const action = choose(e);
    const o = e.outcomes.find((x) => x.action === action);
    const s = (byScenario[e.scenario] ??= { success: 0, contexts: 0, actions: {} });
    s.contexts++;
    s.actions[action] = (s.actions[action] ?? 0) + 1;
    if (o?.success) {
      successes++;
      s.success++;
      ttrSum += o.recoveryMs ?? horizonMs;
      censored += o.recoveryMs ?? horizonMs;
    } else censored += horizonMs;
  }
  return {
    policy: name,
    contexts: episodes.length,
    successRate: episodes.length ? successes / episodes.length : 0,
    meanRecoveryMs: successes ? ttrSum / successes : null,
    meanRecoveryCensoredMs: episodes.length ? censored / episodes.length : 0,
    byScenario,
  };
}

export const policies = {
  bandit: (b: Bandit) => (e: Episode) => decide(b, e.signature.features).action,
  rules: () => (e: Episode) => ruleTable(e.signature.features),
  /** The best any policy could do: an action that recovered fastest, if any did. */
  oracle: () => (e: Episode) =>
    [...e.outcomes].filter((o) => o.success).sort((a, b) => (a.recoveryMs ?? 0) - (b.recoveryMs ?? 0))[0]?.action ?? 'none',
};

export interface ReliabilityRow {
  bin: string;
  count: number;
  meanConfidence: number;
  observedSuccess: number;
}

/** Calibration of the fixer's confidence for the action it chooses (when it acts), in ten bins; plus expected calibration error. */
export function reliability(b: Bandit, episodes: Episode[]): { rows: ReliabilityRow[]; ece: number; brier: number; abstained: number } {
  const bins = Array.from({ length: 10 }, () => ({ n: 0, conf: 0, ok: 0 }));
  let brier = 0;
  let abstained = 0;
  let acted = 0;
  for (const e of episodes) {
    const d = decide(b, e.signature.features);
    // Abstentions (no action proposed) have no action whose success the confidence predicts.
    if (d.action === 'none') {
      abstained++;
      continue;
    }
    acted++;
    const ok = e.outcomes.find((o) => o.action === d.action)?.success ? 1 : 0;
    const bin = bins[Math.min(9, Math.floor(d.confidence * 10))] as { n: number; conf: number; ok: number };
    bin.n++;
    bin.conf += d.confidence;
    bin.ok += ok;
    brier += (d.confidence - ok) ** 2;
  }
  const total = acted || 1;
  const rows = bins.map((x, i) => ({
    bin: `${(i / 10).toFixed(1)}-${((i + 1) / 10).toFixed(1)}`,
    count: x.n,
    meanConfidence: x.n ? x.conf / x.n : 0,
    observedSuccess: x.n ? x.ok / x.n : 0,
  }));
  const ece = rows.reduce((s, r) => s + (r.count / total) * Math.abs(r.meanConfidence - r.observedSuccess), 0);
  return { rows, ece, brier: brier / total, abstained };
}
