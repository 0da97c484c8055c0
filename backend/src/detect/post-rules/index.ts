import { z } from 'zod';

/**
 * Post-rules act on alarms, never on the score users see. They shape the alarm stream — the score of each
 * point as an alarm candidate, which `aegis detect` writes and the NAB bench judges:
 * - onset only: a candidate keeps its score only when it rises above every candidate of the last
 *   `suppressWindow` points, otherwise its odds are multiplied by `damp` (a long anomalous stretch alarms
 *   once, whatever threshold a reader of the stream picks). Damping the odds, not the probability, keeps
 *   the stream's order unchanged when the probability scale moves (alarm anchor, sensitivity);
 * - an alarm (what opens an anomaly in the service) starts when the probability reaches the threshold with
 *   `minPoints` points at or above it within `window`, and is followed by `suppress` points without a new alarm.
 * The displayed probability is never changed: a second anomaly stays visible on the dashboard and to alert
 * rules even when it raises no second Aegis alarm.
 */
export const postRulesSchema = z.object({
  suppressWindow: z.number().int().min(0).default(400),
  /** Factor on the odds of a candidate that does not beat the recent maximum (1e-3: three decades less). */
  damp: z.number().min(0).max(1).default(1e-3),
  window: z.number().int().min(1).default(5),
  minPoints: z.number().int().min(1).default(1),
  suppress: z.number().int().min(0).default(60),
});
export type PostRulesParams = z.output<typeof postRulesSchema>;

export interface PostRuleState {
  recent: number[];
  hits: number[];
  quiet: number;
}

export interface PostRuleResult {
  /** An alarm starts at this point. */
  alarm: boolean;
  /** The point's score as an alarm candidate. */
  alarmScore: number;
}

export interface PostRules {
  next(score: number, threshold: number): PostRuleResult;
  save(): PostRuleState;
}

export function createPostRules(params?: Partial<PostRulesParams>, state?: Partial<PostRuleState>): PostRules {
  const p = postRulesSchema.parse(params ?? {});
  // Ring of candidate scores and a monotone deque of indexes for the sliding maximum (O(1) amortised).
  const size = Math.max(1, p.suppressWindow);
  const ring = new Float64Array(size);
  const deque = new Int32Array(size + 1);
  let head = 0;
  let tail = 0;
  let t = 0;
  const hits = new Uint8Array(p.window);
  let hitCount = 0;
  let quiet = state?.quiet ?? 0;

  const evict = () => {
    while (tail > head && (deque[head % deque.length] ?? 0) < t - size) head++;
  };
  const recentMax = () => {
    if (p.suppressWindow === 0) return -Infinity;
    evict();
    return tail > head ? (ring[(deque[head % deque.length] ?? 0) % size] ?? 0) : -Infinity;
  };
  const push = (x: number) => {
    if (p.suppressWindow > 0) {
      while (tail > head && (ring[(deque[(tail - 1) % deque.length] ?? 0) % size] ?? 0) <= x) tail--;
      ring[t % size] = x;
      deque[tail % deque.length] = t;
      tail++;
    }
    t++;
  };
  for (const x of state?.recent ?? []) {
    recentMax();
    push(x);
  }
  // Hits are saved oldest-slot first, so they line up again whatever the restored position is.
  (state?.hits ?? []).forEach((h, i) => {
    if (i < p.window && h) {
      hits[(t + i) % p.window] = 1;
      hitCount++;
    }
  });

  return {
    next(score, threshold) {
      if (Number.isNaN(score)) return { alarm: false, alarmScore: NaN };
      const alarmScore = score > recentMax() ? score : dampOdds(score, p.damp);
      const slot = t % p.window;
      push(alarmScore);
      hitCount -= hits[slot] ?? 0;
      hits[slot] = score >= threshold ? 1 : 0;
      hitCount += hits[slot] ?? 0;
      let alarm = false;
      if (quiet > 0) quiet--;
      else if (hitCount >= p.minPoints && score >= threshold) {
        alarm = true;
        quiet = p.suppress;
      }
      return { alarm, alarmScore };
    },
    save() {
      const recent: number[] = [];
      for (let i = Math.max(0, t - size); i < t; i++) recent.push(ring[i % size] ?? 0);
      return { recent, hits: Array.from({ length: p.window }, (_v, i) => hits[(t + i) % p.window] ?? 0), quiet };
    },
  };
}

/** p with its odds p/(1−p) multiplied by `factor`. */
export function dampOdds(p: number, factor: number): number {
  if (p >= 1) return factor > 0 ? 1 : 0;
  const odds = (p / (1 - p)) * factor;
  return odds / (1 + odds);
}
