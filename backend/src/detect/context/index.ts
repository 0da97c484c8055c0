import { z } from 'zod';
import { pointwise } from '../numeric.js';
import { checkState, parseData, parseParams } from '../params.js';
import type { Detector, DetectorDefinition, DetectorState } from '../types.js';

const KIND = 'context';
const VERSION = 1;

const paramsSchema = z.object({
  /** Value levels the observed range is cut into. */
  levels: z.number().int().min(2).max(64).default(16),
  /** Length of the context: the last this many levels form one pattern. */
  order: z.number().int().min(1).max(8).default(4),
  /** Patterns remembered; the least recently seen are dropped beyond this. */
  capacity: z.number().int().min(64).max(1_000_000).default(20_000),
});
export type ContextParams = z.output<typeof paramsSchema>;

const dataSchema = z.object({
  min: z.number(),
  max: z.number(),
  history: z.array(z.number()),
  seen: z.array(z.tuple([z.number(), z.number()])),
  count: z.number().int(),
});

/**
 * Pattern novelty (in the spirit of NAB's contextual detectors): the recent values, quantised into levels of
 * the range seen so far, form a context; a context never or rarely seen before scores high. Catches changes
 * of shape (a missing daily peak, a new rhythm) that distance-from-mean detectors cannot see.
 */
export function createContextDetector(params?: Partial<ContextParams>, data?: z.output<typeof dataSchema>): Detector {
  const p = parseParams(KIND, paramsSchema, params);
  let min = data?.min ?? Infinity;
  let max = data?.max ?? -Infinity;
  let count = data?.count ?? 0;
  const history = new Int32Array(p.order);
  if (data) history.set(data.history.slice(0, p.order));
  const seen = new Map<number, number>(data?.seen ?? []);

  const step = (x: number): number => {
    if (x < min) min = x;
    if (x > max) max = x;
    const range = max - min;
    const level = range > 0 ? Math.min(p.levels - 1, Math.floor(((x - min) / range) * p.levels)) : 0;
    for (let k = p.order - 1; k > 0; k--) history[k] = history[k - 1] ?? 0;
    history[0] = level;
    count++;
    if (count < p.order) return 0;
    let key = 0;
    for (let k = 0; k < p.order; k++) key = key * p.levels + (history[k] ?? 0);
    const times = seen.get(key) ?? 0;
    // Map order is insertion order: re-inserting keeps recently seen patterns at the end.
    seen.delete(key);
    seen.set(key, times + 1);
    if (seen.size > p.capacity) {
      const oldest = seen.keys().next();
      if (!oldest.done) seen.delete(oldest.value);
    }
    return 1 / (1 + times);
  };

  return {
    kind: KIND,
    ...pointwise(step),
    save: (): DetectorState => ({
      kind: KIND,
      version: VERSION,
      params: p,
      data: {
        min: Number.isFinite(min) ? min : 0,
        max: Number.isFinite(max) ? max : 0,
        history: Array.from(history),
        seen: [...seen.entries()],
        count,
      },
    }),
  };
}

export const contextDetector: DetectorDefinition = {
  id: KIND,
  description: 'Pattern novelty: how rarely the recent shape (quantised levels) has been seen before',
  create: (params) => createContextDetector(params),
  restore(state) {
    checkState(KIND, VERSION, state);
    const data = parseData(KIND, dataSchema, state.data);
    // An empty history restores min/max as "not seen yet".
    if (data.count === 0) return createContextDetector(state.params);
    return createContextDetector(state.params, data);
  },
};
