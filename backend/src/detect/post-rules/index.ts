import { z } from 'zod';

/**
 * Post-rules turn a stream of combined scores into what users (and NAB) see:
 * - the reported score is only kept while it rises above everything reported in the last `suppressWindow`
 *   points, so a long anomalous stretch reports its onset once rather than on every point
 *   (independent of any threshold, which matters to a scorer that picks its own);
 * - an alarm needs `minPoints` anomalous points within `window`, and is followed by `suppress` quiet points.
 */
export const postRulesSchema = z.object({
  suppressWindow: z.number().int().min(0).default(400),
  /** Factor applied to a score that does not beat the recent reported maximum. */
  damp: z.number().min(0).max(1).default(0.3),
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

export interface PostRules {
  /** Returns the reported score and whether an alarm starts at this point. */
  next(score: number, threshold: number): { score: number; alarm: boolean };
  save(): PostRuleState;
}

export function createPostRules(params?: Partial<PostRulesParams>, state?: PostRuleState): PostRules {
  const p = postRulesSchema.parse(params ?? {});
  // Ring of reported scores, and a monotone deque of indexes for the sliding maximum (O(1) amortised).
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
  /** Largest score reported in the last `size` points (before this one). */
  const recentMax = () => {
    if (p.suppressWindow === 0) return -Infinity;
    evict();
    return tail > head ? (ring[(deque[head % deque.length] ?? 0) % size] ?? 0) : -Infinity;
  };
  const pushReported = (x: number) => {
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
    pushReported(x);
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
      if (Number.isNaN(score)) return { score: NaN, alarm: false };
      const reported = score > recentMax() ? score : score * p.damp;
      const slot = t % p.window;
      pushReported(reported);
      hitCount -= hits[slot] ?? 0;
      hits[slot] = score >= threshold ? 1 : 0;
      hitCount += hits[slot] ?? 0;
      let alarm = false;
      if (quiet > 0) quiet--;
      else if (hitCount >= p.minPoints && score >= threshold) {
        alarm = true;
        quiet = p.suppress;
      }
      return { score: reported, alarm };
    },
    save() {
      const recent: number[] = [];
      for (let i = Math.max(0, t - size); i < t; i++) recent.push(ring[i % size] ?? 0);
      return { recent, hits: Array.from({ length: p.window }, (_v, i) => hits[(t + i) % p.window] ?? 0), quiet };
    },
  };
}
