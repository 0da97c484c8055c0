import { z } from 'zod';
import { pointwise } from '../numeric.js';
import { checkState, parseData, parseParams } from '../params.js';
import type { Detector, DetectorDefinition, DetectorState } from '../types.js';

const KIND = 'spatial';
const VERSION = 1;

const paramsSchema = z.object({
  /** Excess beyond the range seen, as a share of that range, that counts as nothing (NAB's HTM: 0.05). */
  tolerance: z.number().min(0).max(1).default(0.05),
  /** Points seen before the range is trusted. */
  minPoints: z.number().int().min(2).default(30),
});
export type SpatialParams = z.output<typeof paramsSchema>;

const dataSchema = z.object({ min: z.number(), max: z.number(), count: z.number().int() });

/**
 * Spatial anomaly (the check NAB's HTM detector adds to its likelihood): a value beyond everything seen
 * before, by more than `tolerance` of the range, scores its excess in range units; anything inside scores 0.
 */
export function createSpatialDetector(params?: Partial<SpatialParams>, data?: z.output<typeof dataSchema>): Detector {
  const p = parseParams(KIND, paramsSchema, params);
  let min = data?.min ?? Infinity;
  let max = data?.max ?? -Infinity;
  let count = data?.count ?? 0;
  const step = (x: number) => {
    const range = max - min;
    let raw = 0;
    if (count >= p.minPoints) {
      const excess = Math.max(x - max, min - x);
      const unit = range > 0 ? range : Math.abs(max) * 1e-3 + 1e-9;
      raw = excess > p.tolerance * range ? excess / unit : 0;
    }
    if (x < min) min = x;
    if (x > max) max = x;
    count++;
    return raw;
  };
  return {
    kind: KIND,
    ...pointwise(step),
    save: (): DetectorState => ({
      kind: KIND,
      version: VERSION,
      params: p,
      data: { min: Number.isFinite(min) ? min : 0, max: Number.isFinite(max) ? max : 0, count },
    }),
  };
}

export const spatialDetector: DetectorDefinition = {
  id: KIND,
  description: 'Spatial anomaly: a value beyond the whole range seen so far (HTM detector check)',
  create: (params) => createSpatialDetector(params),
  restore(state) {
    checkState(KIND, VERSION, state);
    const data = parseData(KIND, dataSchema, state.data);
    if (data.count === 0) return createSpatialDetector(state.params);
    return createSpatialDetector(state.params, data);
  },
};
