import { type ActionEstimate, type Bandit, FIXER_ACTIONS } from './bandit.js';

/** Disruption an action causes even when it works: rollbacks change code, restarts replace every pod. */
export const ACTION_COST: Record<string, number> = {
  none: 0,
  'delete-pod': 0.05,
  'scale-out': 0.08,
  'restart-deployment': 0.1,
  'rollback-deployment': 0.15,
};

export interface Decision {
  action: string;
  /** Calibrated probability that the service recovers within the horizon. */
  confidence: number;
  ranked: Array<ActionEstimate & { score: number; calibrated: number }>;
}

/** Below this calibrated chance of recovery the fixer proposes nothing and leaves it to people. */
export const MIN_CONFIDENCE = 0.4;

/** The learned policy: the action with the best expected reward net of its disruption, if it is likely enough to work. */
export function decide(bandit: Bandit, features: number[], bonus: Record<string, number> = {}): Decision {
  const ranked = bandit
    .estimate(features, FIXER_ACTIONS)
    .map((e) => ({ ...e, score: e.reward - (ACTION_COST[e.action] ?? 0.1) + (bonus[e.action] ?? 0), calibrated: bandit.calibrate(e.pSuccess) }))
    .sort((a, b) => b.score - a.score);
  const best = ranked[0];
  if (!best || best.calibrated < MIN_CONFIDENCE) return { action: 'none', confidence: best?.calibrated ?? 0, ranked };
  return { action: best.action, confidence: best.calibrated, ranked };
}

/**
 * The baseline a team would write by hand, first match wins: crash loops → delete the pod; memory
 * growth → restart; a recent deploy → roll back; CPU pressure → scale out; slow or failing → restart.
 */
export function ruleTable(f: number[]): string {
  const [, memory = 0, errors = 0, latency = 0, cpu = 0, restarts = 0, recentChange = 0] = f;
  if (restarts > 0.1) return 'delete-pod';
  if (memory > 0.2) return 'restart-deployment';
  if (recentChange > 0.5) return 'rollback-deployment';
  if (cpu > 0.3) return 'scale-out';
  if (latency > 0.3 || errors > 0.3) return 'restart-deployment';
  return 'none';
}
