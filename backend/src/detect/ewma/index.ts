import { z } from 'zod';
import { outputFor, spreadFloor } from '../numeric.js';
import { checkState, parseData, parseParams } from '../params.js';
import type { Detector, DetectorDefinition, DetectorState, SeriesPoints } from '../types.js';

const KIND = 'ewma';
const VERSION = 1;

const paramsSchema = z.object({
  /** Weight of the newest point in the moving mean and variance (smaller = longer memory). */
  alpha: z.number().gt(0).lt(1).default(0.05),
  minPoints: z.number().int().min(2).default(16),
});
export type EwmaParams = z.output<typeof paramsSchema>;

const dataSchema = z.object({ mean: z.number(), variance: z.number(), count: z.number().int() });

/** Exponentially weighted mean and variance; the score is the distance from the mean in moving sds. */
export function createEwmaDetector(params?: Partial<EwmaParams>, data?: z.output<typeof dataSchema>): Detector {
  const p = parseParams(KIND, paramsSchema, params);
  let mean = data?.mean ?? 0;
  let variance = data?.variance ?? 0;
  let count = data?.count ?? 0;
  const a = p.alpha;

  const absorb = (x: number) => {
    if (count === 0) {
      mean = x;
      variance = 0;
    } else {
      const d = x - mean;
      mean += a * d;
      variance = (1 - a) * (variance + a * d * d);
    }
    count++;
  };

  return {
    kind: KIND,
    train(history) {
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
        scores[i] = count >= p.minPoints ? Math.abs(x - mean) / spreadFloor(mean, Math.sqrt(variance)) : 0;
        absorb(x);
      }
      return scores;
    },
    save: (): DetectorState => ({ kind: KIND, version: VERSION, params: p, data: { mean, variance, count } }),
  };
}

export const ewmaDetector: DetectorDefinition = {
  id: KIND,
  description: 'EWMA: distance from an exponentially weighted moving mean, in moving standard deviations',
  create: (params) => createEwmaDetector(params),
  restore(state) {
    checkState(KIND, VERSION, state);
    return createEwmaDetector(state.params, parseData(KIND, dataSchema, state.data));
  },
};
