import { z } from 'zod';
import { pointwise, spreadFloor } from '../numeric.js';
import { checkState, parseData, parseParams } from '../params.js';
import type { Detector, DetectorDefinition, DetectorState } from '../types.js';

const KIND = 'knn';
const VERSION = 1;

const paramsSchema = z.object({
  /** Points in one subsequence (the recent shape that is compared with the past). */
  window: z.number().int().min(2).max(1024).default(32),
  /** Piecewise-aggregate segments a subsequence is reduced to. */
  segments: z.number().int().min(1).max(64).default(8),
  /** Past subsequences kept as neighbours. */
  history: z.number().int().min(16).max(50_000).default(2000),
  /** Weight of a new point in the moving mean and variance that scale the values. */
  alpha: z.number().gt(0).lt(1).default(0.005),
});
export type KnnParams = z.output<typeof paramsSchema>;

const dataSchema = z.object({
  recent: z.array(z.number()),
  bank: z.array(z.number()),
  stored: z.number().int(),
  head: z.number().int(),
  mean: z.number(),
  variance: z.number(),
  count: z.number().int(),
});

/**
 * Subsequence novelty (a streaming discord search): the last `window` points, scaled by the series'
 * moving mean and sd and reduced to `segments` averages, are compared with every stored past
 * subsequence (excluding the overlapping ones); the distance to the nearest is the raw score.
 * A shape the series has never shown before scores high even when no single value is extreme.
 */
export function createKnnDetector(params?: Partial<KnnParams>, data?: z.output<typeof dataSchema>): Detector {
  const p = parseParams(KIND, paramsSchema, params);
  const w = p.window;
  const m = Math.min(p.segments, w);
  const H = p.history;
  const recent = new Float64Array(w); // raw values, ring
  const bank = new Float64Array(H * m); // ring of reduced subsequences
  const vec = new Float64Array(m);
  // Segment sums of the stored vectors: (Σq − Σc)² / m ≤ ‖q − c‖² prunes most candidates without a full distance.
  const sums = new Float64Array(H);
  let stored = 0;
  let head = 0;
  let mean = data?.mean ?? 0;
  let variance = data?.variance ?? 0;
  let count = data?.count ?? 0;
  if (data) {
    recent.set(data.recent.slice(0, w));
    bank.set(data.bank.slice(0, H * m));
    stored = Math.min(data.stored, H);
    head = data.head % H;
    for (let j = 0; j < H; j++) {
      let t = 0;
      for (let s = 0; s < m; s++) t += bank[j * m + s] ?? 0;
      sums[j] = t;
    }
  }

  const step = (x: number): number => {
    recent[count % w] = x;
    count++;
    if (count === 1) mean = x;
    else {
      const d = x - mean;
      const a = Math.max(p.alpha, 1 / count);
      mean += a * d;
      variance = (1 - a) * (variance + a * d * d);
    }
    if (count < w) return 0;
    const sd = spreadFloor(mean, Math.sqrt(variance));
    // Piecewise aggregate of the scaled window, oldest segment first.
    vec.fill(0);
    for (let i = 0; i < w; i++) {
      const v = ((recent[(count - w + i) % w] ?? 0) - mean) / sd;
      const seg = Math.floor((i * m) / w);
      vec[seg] = (vec[seg] ?? 0) + v;
    }
    let qsum = 0;
    for (let s = 0; s < m; s++) {
      vec[s] = (vec[s] ?? 0) / (w / m);
      qsum += vec[s] ?? 0;
    }
    // Nearest stored neighbour, skipping the last `w` subsequences (they overlap this one). Newest first, so a
    // close match is found early and prunes the rest; slots are walked without modulo arithmetic.
    let best = Infinity;
    let left = stored - w;
    let slot = (((head - 1 - w) % H) + H) % H;
    while (left > 0) {
      const run = Math.min(left, slot + 1);
      for (let k = 0; k < run; k++, slot--) {
        const gap = qsum - (sums[slot] ?? 0);
        if (gap * gap >= best * m) continue;
        const off = slot * m;
        let dist = 0;
        for (let s = 0; s < m && dist < best; s++) {
          const diff = (vec[s] ?? 0) - (bank[off + s] ?? 0);
          dist += diff * diff;
        }
        if (dist < best) best = dist;
      }
      left -= run;
      slot = H - 1;
    }
    bank.set(vec, head * m);
    sums[head] = qsum;
    head = (head + 1) % H;
    if (stored < H) stored++;
    return Number.isFinite(best) ? Math.sqrt(best / m) : 0;
  };

  return {
    kind: KIND,
    ...pointwise(step),
    save: (): DetectorState => ({
      kind: KIND,
      version: VERSION,
      params: p,
      data: {
        recent: Array.from(recent),
        bank: Array.from(bank.subarray(0, H * m)),
        stored,
        head,
        mean,
        variance,
        count,
      },
    }),
  };
}

export const knnDetector: DetectorDefinition = {
  id: KIND,
  description: 'Subsequence novelty: distance of the recent shape to its nearest past neighbour (streaming discord)',
  create: (params) => createKnnDetector(params),
  restore(state) {
    checkState(KIND, VERSION, state);
    return createKnnDetector(state.params, parseData(KIND, dataSchema, state.data));
  },
};
