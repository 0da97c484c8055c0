import { z } from 'zod';
import { outputFor, spreadFloor, toList } from '../numeric.js';
import { checkState, parseData, parseParams } from '../params.js';
import type { Detector, DetectorDefinition, DetectorState, SeriesPoints } from '../types.js';

const KIND = 'mad';
const VERSION = 2;
/** MAD × 1.4826 estimates the standard deviation of a normal distribution. */
const MAD_TO_SD = 1.4826;

const paramsSchema = z.object({
  window: z.number().int().min(8).max(100_000).default(256),
  minPoints: z.number().int().min(3).default(16),
});
export type MadParams = z.output<typeof paramsSchema>;

const dataSchema = z.object({ ring: z.array(z.number()), pos: z.number().int(), count: z.number().int() });

/**
 * Robust distance |x − median| / (1.4826 · MAD) over a trailing window, exact at every point: the window
 * is also kept sorted (binary-search insert/remove), the median is read off it, and the MAD is the k-th
 * smallest of two sorted distance sequences (below and above the median), found in O(log window).
 */
export function createMadDetector(params?: Partial<MadParams>, data?: z.output<typeof dataSchema>): Detector {
  const p = parseParams(KIND, paramsSchema, params);
  const W = p.window;
  const ring = new Float64Array(W);
  const sorted = new Float64Array(W);
  let pos = 0;
  let count = 0;

  const lowerBound = (x: number, n: number) => {
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((sorted[mid] ?? 0) < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const absorb = (x: number) => {
    if (count === W) {
      // Replace the oldest value: one memmove of the values between its position and the new one's.
      const from = lowerBound(ring[pos] ?? 0, count);
      const to = lowerBound(x, count);
      if (to > from + 1) {
        sorted.copyWithin(from, from + 1, to);
        sorted[to - 1] = x;
      } else if (to < from) {
        sorted.copyWithin(to + 1, to, from);
        sorted[to] = x;
      } else sorted[from] = x;
    } else {
      const at = lowerBound(x, count);
      sorted.copyWithin(at + 1, at, count);
      sorted[at] = x;
      count++;
    }
    ring[pos] = x;
    pos = pos + 1 === W ? 0 : pos + 1;
  };
  if (data) {
    const n = Math.min(data.count, W);
    // Replay oldest first so ring order and the sorted copy are rebuilt exactly.
    const start = n < W ? 0 : data.pos % W;
    for (let i = 0; i < n; i++) absorb(data.ring[(start + i) % W] ?? 0);
  }

  const scoreOne = (x: number): number => {
    const h = count >> 1;
    const med = count % 2 ? (sorted[h] ?? 0) : ((sorted[h - 1] ?? 0) + (sorted[h] ?? 0)) / 2;
    const k = count >> 1;
    const mad =
      count % 2
        ? kthDistance(sorted, count, k, med, h)
        : (kthDistance(sorted, count, k - 1, med, h) + kthDistance(sorted, count, k, med, h)) / 2;
    return Math.abs(x - med) / spreadFloor(med, MAD_TO_SD * mad);
  };

  return {
    kind: KIND,
    train(history) {
      pos = 0;
      count = 0;
      for (const x of history.values) if (!Number.isNaN(x)) absorb(x);
    },
    score(points: SeriesPoints, out?: Float64Array) {
      const n = points.values.length;
      const scores = outputFor(n, out);
      for (let i = 0; i < n; i++) {
        const x = points.values[i] ?? NaN;
        if (Number.isNaN(x)) {
          scores[i] = NaN;
          continue;
        }
        scores[i] = count >= p.minPoints ? scoreOne(x) : 0;
        absorb(x);
      }
      return scores;
    },
    save: (): DetectorState => ({ kind: KIND, version: VERSION, params: p, data: { ring: toList(ring), pos, count } }),
  };
}

/**
 * k-th smallest (0-based) distance from `med` among the sorted window split at `h`: distances below the
 * median (med − sorted[h−1−i]) and above it (sorted[h+j] − med) are two increasing sequences.
 */
function kthDistance(sorted: Float64Array, count: number, k: number, med: number, h: number): number {
  const a = h;
  const b = count - h;
  let lo = Math.max(0, k + 1 - b);
  let hi = Math.min(k + 1, a);
  while (lo < hi) {
    const i = (lo + hi) >> 1; // take i from below and k+1−i from above
    const below = med - (sorted[h - 1 - i] ?? 0);
    const j = k - i;
    const above = j >= b ? Infinity : (sorted[h + j] ?? 0) - med;
    if (below < above) lo = i + 1;
    else hi = i;
  }
  const lastBelow = lo > 0 ? med - (sorted[h - lo] ?? 0) : -Infinity;
  const j = k - lo;
  const lastAbove = j >= 0 && j < b ? (sorted[h + j] ?? 0) - med : -Infinity;
  return lastBelow > lastAbove ? lastBelow : lastAbove;
}

export const madDetector: DetectorDefinition = {
  id: KIND,
  description: 'Median absolute deviation: robust distance from the trailing-window median (exact at every point)',
  create: (params) => createMadDetector(params),
  restore(state) {
    checkState(KIND, VERSION, state);
    return createMadDetector(state.params, parseData(KIND, dataSchema, state.data));
  },
};
