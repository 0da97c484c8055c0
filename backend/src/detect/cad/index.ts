import { z } from 'zod';
import { pointwise } from '../numeric.js';
import { checkState, parseData, parseParams } from '../params.js';
import type { Detector, DetectorDefinition, DetectorState } from '../types.js';

const KIND = 'cad';
const VERSION = 1;

const paramsSchema = z.object({
  /** Bits of the quantised value (CAD OSE: numNormValueBits = 3, i.e. 8 levels). */
  bits: z.number().int().min(1).max(5).default(3),
  /** Longest left semi-context, in steps (CAD OSE: maxLeftSemiContextsLenght = 7). */
  maxOrder: z.number().int().min(1).max(7).default(7),
  /** After a raw score ≥ baseThreshold, the output is 0 for this many points (CAD OSE: restPeriod). */
  restPeriod: z.number().int().min(0).max(10_000).default(150),
  baseThreshold: z.number().min(0).max(1).default(0.75),
  /** Contexts remembered; the least recently seen are dropped beyond this. */
  capacity: z.number().int().min(64).max(2_000_000).default(100_000),
});
export type CadParams = z.output<typeof paramsSchema>;

const dataSchema = z.object({
  min: z.number(),
  max: z.number(),
  levels: z.array(z.number()),
  count: z.number().int(),
  recent: z.array(z.number()),
  contexts: z.array(z.tuple([z.number(), z.number()])),
});

/**
 * Contextual anomaly detection in the manner of CAD OSE (Smirnov & Mikhail, NAB's contextOSE): each step's
 * value is quantised into a few bits; a context joins a left semi-context (the last k levels, k = 1..maxOrder)
 * to the right semi-context that followed it (the current level). At every step the contexts whose left side
 * matches are the predictions: the raw score is (1 − share of predictions confirmed + share of contexts never
 * seen) / 2, and, as in CAD OSE, a score is reported only when none of the last `restPeriod` raw scores
 * reached `baseThreshold` (one report per novelty).
 */
export function createCadDetector(params?: Partial<CadParams>, data?: z.output<typeof dataSchema>): Detector {
  const p = parseParams(KIND, paramsSchema, params);
  const L = 2 ** p.bits;
  let min = data?.min ?? Infinity;
  let max = data?.max ?? -Infinity;
  let count = data?.count ?? 0;
  const levels = new Int32Array(p.maxOrder); // levels[0] = most recent
  if (data) levels.set(data.levels.slice(0, p.maxOrder));
  // Rest period: a ring of the recent raw scores ≥ baseThreshold, as the index of the last such point.
  let lastLoud = -Infinity;
  if (data) data.recent.forEach((x, i) => x >= p.baseThreshold && (lastLoud = count - data.recent.length + i));
  const recent = data?.recent.slice(-p.restPeriod) ?? [];
  // Context key → times seen; left-side key → times seen (a prediction exists once the left side was seen).
  const contexts = new Map<number, number>(data?.contexts ?? []);
  const leftKey = (k: number) => {
    let key = k;
    for (let j = 0; j < k; j++) key = key * L + (levels[j] ?? 0);
    return key;
  };
  const touch = (key: number) => {
    const n = contexts.get(key) ?? 0;
    contexts.delete(key);
    contexts.set(key, n + 1);
    if (contexts.size > p.capacity) {
      const oldest = contexts.keys().next();
      if (!oldest.done) contexts.delete(oldest.value);
    }
    return n;
  };

  const step = (x: number): number => {
    if (x < min) min = x;
    if (x > max) max = x;
    const range = max - min;
    const level = range > 0 ? Math.min(L - 1, Math.floor(((x - min) / range) * L)) : 0;
    const orders = Math.min(p.maxOrder, count);
    let selected = 0;
    let confirmed = 0;
    let fresh = 0;
    for (let k = 1; k <= orders; k++) {
      const left = leftKey(k);
      // Negative keys mark left sides, positive ones full contexts: one map holds both.
      if (touch(-(left + 1)) > 0) {
        selected++;
        if ((contexts.get(left * L + level + 1) ?? 0) > 0) confirmed++;
      }
      if (touch(left * L + level + 1) === 0) fresh++;
    }
    for (let j = p.maxOrder - 1; j > 0; j--) levels[j] = levels[j - 1] ?? 0;
    levels[0] = level;
    count++;
    if (orders === 0) return 0;
    const raw = (1 - (selected > 0 ? confirmed / selected : 0) + fresh / orders) / 2;
    const resting = count - 1 - lastLoud <= p.restPeriod;
    if (raw >= p.baseThreshold) lastLoud = count - 1;
    recent.push(raw);
    if (recent.length > p.restPeriod) recent.shift();
    return resting ? 0 : raw;
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
        levels: Array.from(levels),
        count,
        recent: [...recent],
        contexts: [...contexts.entries()],
      },
    }),
  };
}

export const cadDetector: DetectorDefinition = {
  id: KIND,
  description: 'Contextual anomaly detection (CAD OSE style): unconfirmed and never-seen value contexts',
  create: (params) => createCadDetector(params),
  restore(state) {
    checkState(KIND, VERSION, state);
    const data = parseData(KIND, dataSchema, state.data);
    if (data.count === 0) return createCadDetector(state.params);
    return createCadDetector(state.params, data);
  },
};
