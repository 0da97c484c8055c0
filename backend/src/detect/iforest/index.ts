import { z } from 'zod';
import { outputFor, spreadFloor, toList } from '../numeric.js';
import { checkState, parseData, parseParams } from '../params.js';
import type { Detector, DetectorDefinition, DetectorState, SeriesPoints } from '../types.js';
import { type Forest, forestFromJson, forestToJson, fitForest, scoreRow } from './forest.js';

export * from './forest.js';

const KIND = 'iforest';
const VERSION = 1;

const paramsSchema = z.object({
  /** Lagged values per feature vector: the shape of the recent past is what gets isolated. */
  embed: z.number().int().min(1).max(32).default(4),
  trees: z.number().int().min(1).max(500).default(50),
  sampleSize: z.number().int().min(16).max(4096).default(128),
  /** Feature vectors kept to (re)fit on. */
  maxTrain: z.number().int().min(32).max(100_000).default(1024),
  minTrain: z.number().int().min(16).default(128),
  /** Points between refits while streaming; every point is scored with the latest forest. */
  refitEvery: z.number().int().min(1).default(1440),
  /** Weight of a new point in the moving mean and variance that standardise the features. */
  alpha: z.number().gt(0).lt(1).default(0.01),
  seed: z.number().int().default(42),
});
export type IForestParams = z.output<typeof paramsSchema>;

const forestJsonSchema = z.object({
  dims: z.number().int(),
  sampleSize: z.number().int(),
  trees: z.number().int(),
  roots: z.array(z.number()),
  feat: z.array(z.number()),
  val: z.array(z.number()),
  left: z.array(z.number()),
  right: z.array(z.number()),
});
const dataSchema = z.object({
  forest: forestJsonSchema.nullable(),
  lags: z.array(z.number()),
  buffer: z.array(z.number()),
  mean: z.number(),
  variance: z.number(),
  count: z.number().int(),
  sinceFit: z.number().int(),
  lo: z.array(z.number()),
  hi: z.array(z.number()),
  fits: z.number().int(),
});

/** Isolation forest over standardised lag vectors of one series. */
export function createIForestDetector(params?: Partial<IForestParams>, data?: z.output<typeof dataSchema>): Detector {
  const p = parseParams(KIND, paramsSchema, params);
  const d = p.embed;
  let forest: Forest | null = data?.forest ? forestFromJson(data.forest) : null;
  const lags = new Float64Array(d); // lags[0] is the newest standardised value
  if (data) lags.set(data.lags.slice(0, d));
  const buffer = new Float64Array(p.maxTrain * d); // ring of feature vectors
  let stored = 0;
  let head = 0;
  if (data) {
    const n = Math.min(Math.floor(data.buffer.length / d), p.maxTrain);
    buffer.set(data.buffer.slice(0, n * d));
    stored = n;
    head = n % p.maxTrain;
  }
  let mean = data?.mean ?? 0;
  let variance = data?.variance ?? 0;
  let count = data?.count ?? 0;
  let sinceFit = data?.sinceFit ?? 0;
  let fits = 0; // refits so far: each uses the next seed, so a restored detector refits identically
  const row = new Float64Array(d);
  // Bounding box of the training vectors: a forest cannot split a box of zero width (a constant series),
  // so a vector far outside it is scored as fully isolated directly.
  const lo = new Float64Array(d);
  const hi = new Float64Array(d);

  const refit = () => {
    const rows = buffer.subarray(0, stored * d);
    forest = fitForest(rows, d, { trees: p.trees, sampleSize: p.sampleSize, seed: p.seed + fits++ });
    lo.fill(Infinity);
    hi.fill(-Infinity);
    for (let i = 0; i < rows.length; i++) {
      const k = i % d;
      const x = rows[i] ?? 0;
      if (x < (lo[k] ?? 0)) lo[k] = x;
      if (x > (hi[k] ?? 0)) hi[k] = x;
    }
    sinceFit = 0;
  };
  if (data) {
    lo.set(data.lo.slice(0, d));
    hi.set(data.hi.slice(0, d));
    fits = data.fits;
  }

  const outsideBox = () => {
    for (let k = 0; k < d; k++) {
      const margin = Math.max(1, (hi[k] ?? 0) - (lo[k] ?? 0));
      const x = row[k] ?? 0;
      if (x < (lo[k] ?? 0) - margin || x > (hi[k] ?? 0) + margin) return true;
    }
    return false;
  };

  /** Builds the feature row for x (standardised by the past), scores it, then learns from it. */
  const step = (x: number): number => {
    const z0 = count > 0 ? (x - mean) / spreadFloor(mean, Math.sqrt(variance)) : 0;
    for (let k = d - 1; k > 0; k--) lags[k] = lags[k - 1] ?? 0;
    lags[0] = Math.max(-50, Math.min(50, z0));
    row.set(lags);
    const ready = count >= d;
    const s = forest && ready ? (outsideBox() ? 1 : scoreRow(forest, row)) : 0;
    if (ready) {
      buffer.set(row, head * d);
      head = (head + 1) % p.maxTrain;
      stored = Math.min(stored + 1, p.maxTrain);
    }
    if (count === 0) mean = x;
    else {
      const delta = x - mean;
      const a = Math.max(p.alpha, 1 / (count + 1));
      mean += a * delta;
      variance = (1 - a) * (variance + a * delta * delta);
    }
    count++;
    sinceFit++;
    if (stored >= p.minTrain && (!forest || sinceFit >= p.refitEvery)) refit();
    return s;
  };

  return {
    kind: KIND,
    train(history) {
      stored = 0;
      head = 0;
      count = 0;
      forest = null;
      for (const x of history.values) if (!Number.isNaN(x)) step(x);
      if (stored >= p.minTrain) refit();
    },
    score(points: SeriesPoints, out?: Float64Array) {
      const n = points.values.length;
      const scores = outputFor(n, out);
      for (let i = 0; i < n; i++) {
        const x = points.values[i] ?? NaN;
        scores[i] = Number.isNaN(x) ? NaN : step(x);
      }
      return scores;
    },
    save: (): DetectorState => ({
      kind: KIND,
      version: VERSION,
      params: p,
      data: {
        forest: forest ? forestToJson(forest) : null,
        lags: Array.from(lags),
        // Oldest first, so a restore refits on the same vectors in the same order.
        buffer: Array.from({ length: stored * d }, (_v, i) => {
          const start = stored < p.maxTrain ? 0 : head;
          return buffer[((start + Math.floor(i / d)) % p.maxTrain) * d + (i % d)] ?? 0;
        }),
        mean,
        variance,
        count,
        sinceFit,
        lo: toList(lo),
        hi: toList(hi),
        fits,
      },
    }),
  };
}

export const iforestDetector: DetectorDefinition = {
  id: KIND,
  description: 'Isolation forest over standardised lag vectors (own typed-array forest)',
  create: (params) => createIForestDetector(params),
  restore(state) {
    checkState(KIND, VERSION, state);
    return createIForestDetector(state.params, parseData(KIND, dataSchema, state.data));
  },
};
