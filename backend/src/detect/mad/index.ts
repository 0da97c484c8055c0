import { z } from 'zod';
import { median, outputFor, spreadFloor, toList } from '../numeric.js';
import { checkState, parseData, parseParams } from '../params.js';
import type { Detector, DetectorDefinition, DetectorState, SeriesPoints } from '../types.js';

const KIND = 'mad';
const VERSION = 1;
/** MAD × 1.4826 estimates the standard deviation of a normal distribution. */
const MAD_TO_SD = 1.4826;

const paramsSchema = z.object({
  window: z.number().int().min(8).max(100_000).default(256),
  /** The median and MAD are re-estimated every this many points (every point is still scored). */
  refitEvery: z.number().int().min(1).max(10_000).default(16),
  minPoints: z.number().int().min(3).default(16),
});
export type MadParams = z.output<typeof paramsSchema>;

const dataSchema = z.object({
  ring: z.array(z.number()),
  pos: z.number().int(),
  count: z.number().int(),
  fit: z.tuple([z.number(), z.number(), z.number()]).optional(),
});

/** Robust distance: |x − median| / (1.4826 · MAD) over a trailing window; outliers barely move the baseline. */
export function createMadDetector(params?: Partial<MadParams>, data?: z.output<typeof dataSchema>): Detector {
  const p = parseParams(KIND, paramsSchema, params);
  const ring = new Float64Array(p.window);
  const scratch = new Float64Array(p.window);
  let pos = 0;
  let count = 0;
  let center = 0;
  let spread = 0;
  let sinceFit = Infinity;

  const refit = () => {
    scratch.set(ring.subarray(0, count));
    center = median(scratch, count);
    for (let i = 0; i < count; i++) scratch[i] = Math.abs((ring[i] ?? 0) - center);
    spread = MAD_TO_SD * median(scratch, count);
    sinceFit = 0;
  };
  const absorb = (x: number) => {
    ring[pos] = x;
    pos = pos + 1 === p.window ? 0 : pos + 1;
    if (count < p.window) count++;
    sinceFit++;
  };
  if (data) {
    ring.set(data.ring.slice(0, p.window));
    pos = data.pos % p.window;
    count = Math.min(data.count, p.window);
    // The current fit and its age, so a restored detector refits at the same points as the original.
    if (data.fit) [center, spread, sinceFit] = data.fit;
  }

  return {
    kind: KIND,
    train(history) {
      pos = 0;
      count = 0;
      sinceFit = Infinity;
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
        if (count >= p.minPoints) {
          if (sinceFit >= p.refitEvery) refit();
          scores[i] = Math.abs(x - center) / spreadFloor(center, spread);
        } else scores[i] = 0;
        absorb(x);
      }
      return scores;
    },
    save: (): DetectorState => ({
      kind: KIND,
      version: VERSION,
      params: p,
      data: { ring: toList(ring), pos, count, fit: [center, spread, Math.min(sinceFit, 1e9)] },
    }),
  };
}

export const madDetector: DetectorDefinition = {
  id: KIND,
  description: 'Median absolute deviation: robust distance from the trailing-window median',
  create: (params) => createMadDetector(params),
  restore(state) {
    checkState(KIND, VERSION, state);
    return createMadDetector(state.params, parseData(KIND, dataSchema, state.data));
  },
};
