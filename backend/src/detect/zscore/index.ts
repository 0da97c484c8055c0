import { z } from 'zod';
import { outputFor, toList } from '../numeric.js';
import { checkState, parseData, parseParams } from '../params.js';
import type { Detector, DetectorDefinition, DetectorState, SeriesPoints } from '../types.js';

const KIND = 'zscore';
const VERSION = 1;

const paramsSchema = z.object({
  /** Points in the trailing window the mean and deviation come from. */
  window: z.number().int().min(4).max(100_000).default(360),
  /** Points needed before a score is given (earlier points score 0). */
  minPoints: z.number().int().min(2).default(16),
});
export type ZScoreParams = z.output<typeof paramsSchema>;

const dataSchema = z.object({
  ring: z.array(z.number()),
  pos: z.number().int(),
  count: z.number().int(),
  sums: z.tuple([z.number(), z.number(), z.number(), z.number()]).optional(),
});

/** |x − mean| / sd over a trailing window; running sums make it O(1) per point. */
export function createZScoreDetector(params?: Partial<ZScoreParams>, data?: z.output<typeof dataSchema>): Detector {
  const p = parseParams(KIND, paramsSchema, params);
  const ring = new Float64Array(p.window);
  let pos = 0;
  let count = 0;
  let sum = 0;
  let sumSq = 0;
  let anchor = 0; // sums are kept relative to an anchor value so large levels do not cancel digits away
  let sinceRecompute = 0;

  const recompute = () => {
    anchor = count > 0 ? (ring[(pos - 1 + p.window) % p.window] ?? 0) : 0;
    sum = 0;
    sumSq = 0;
    for (let i = 0; i < count; i++) {
      const d = (ring[i] ?? 0) - anchor;
      sum += d;
      sumSq += d * d;
    }
    sinceRecompute = 0;
  };
  if (data) {
    ring.set(data.ring.slice(0, p.window));
    pos = data.pos % p.window;
    count = Math.min(data.count, p.window);
    recompute();
    // The running sums themselves, so a restored detector continues bit for bit.
    if (data.sums) [sum, sumSq, anchor, sinceRecompute] = data.sums;
  }

  const absorb = (x: number) => {
    if (count === p.window) {
      const old = (ring[pos] ?? 0) - anchor;
      sum -= old;
      sumSq -= old * old;
    } else count++;
    ring[pos] = x;
    pos = pos + 1 === p.window ? 0 : pos + 1;
    const d = x - anchor;
    sum += d;
    sumSq += d * d;
    if (++sinceRecompute >= p.window) recompute();
  };

  const detector: Detector = {
    kind: KIND,
    train(history) {
      pos = 0;
      count = 0;
      recompute();
      for (const x of history.values) if (!Number.isNaN(x)) absorb(x);
    },
    score(points: SeriesPoints, out?: Float64Array) {
      const n = points.values.length;
      const scores = outputFor(n, out);
      const values = points.values;
      const W = p.window;
      const minPoints = p.minPoints;
      // Hot loop on locals (closure variables cost a context load per access); state is written back after.
      let c = count;
      let at = pos;
      let s1 = sum;
      let s2 = sumSq;
      let a = anchor;
      let since = sinceRecompute;
      for (let i = 0; i < n; i++) {
        const x = values[i] ?? NaN;
        if (x !== x) {
          scores[i] = NaN;
          continue;
        }
        if (c >= minPoints) {
          const mean = s1 / c;
          const variance = s2 / c - mean * mean;
          const level = mean + a;
          const sd = variance > 0 ? Math.sqrt(variance) : 0;
          const floor = 1e-6 + 1e-3 * Math.abs(level);
          scores[i] = Math.abs(x - level) / (sd > floor ? sd : floor);
        } else scores[i] = 0;
        if (c === W) {
          const old = (ring[at] ?? 0) - a;
          s1 -= old;
          s2 -= old * old;
        } else c++;
        ring[at] = x;
        at = at + 1 === W ? 0 : at + 1;
        const d = x - a;
        s1 += d;
        s2 += d * d;
        if (++since >= W) {
          count = c;
          pos = at;
          recompute();
          s1 = sum;
          s2 = sumSq;
          a = anchor;
          since = sinceRecompute;
        }
      }
      count = c;
      pos = at;
      sum = s1;
      sumSq = s2;
      anchor = a;
      sinceRecompute = since;
      return scores;
    },
    save: (): DetectorState => ({
      kind: KIND,
      version: VERSION,
      params: p,
      data: { ring: toList(ring), pos, count, sums: [sum, sumSq, anchor, sinceRecompute] },
    }),
  };
  return detector;
}

export const zscoreDetector: DetectorDefinition = {
  id: KIND,
  description: 'Rolling z-score: distance from the trailing-window mean in standard deviations',
  create: (params) => createZScoreDetector(params),
  restore(state) {
    checkState(KIND, VERSION, state);
    return createZScoreDetector(state.params, parseData(KIND, dataSchema, state.data));
  },
};
