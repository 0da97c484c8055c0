import type { TfBackend } from './backend.js';
import { createBatchedForecaster, type LstmWeights, type SeriesNorm } from './model.js';
import type { TfModule } from './index.js';

/** A trained group model as stored in the `models` table (kind 'lstm', key = the group). */
export interface GroupModel {
  weights: LstmWeights;
  /** Series of the group in batch order, and each one's normalisation. */
  series: string[];
  norms: SeriesNorm[];
  backend: TfBackend;
  loss: number;
  trainedAt: number;
}

/**
 * Runs one group model across ticks: one batch row per series in a fixed order, LSTM state carried
 * from tick to tick, so each new point costs one cell step for the whole group.
 */
export interface GroupRunner {
  has(series: string): boolean;
  /** Feeds the new points of the group's series (aligned by position); returns raw errors per series. */
  step(points: Map<string, Float64Array>, opts?: { warmUp?: boolean }): Map<string, Float64Array>;
  dispose(): void;
}

export function createGroupRunner(tf: TfModule, model: GroupModel): GroupRunner {
  const B = model.series.length;
  const index = new Map(model.series.map((id, i) => [id, i]));
  const forecaster = createBatchedForecaster(tf, model.weights, B);
  let forecast: Float32Array = new Float32Array(B);
  const input = new Float32Array(B);
  return {
    has: (series) => index.has(series),
    step(points, opts) {
      const T = Math.max(0, ...[...points.values()].map((v) => v.length));
      const out = new Map<string, Float64Array>();
      for (const [id, v] of points) if (index.has(id)) out.set(id, new Float64Array(v.length));
      for (let t = 0; t < T; t++) {
        for (const [id, b] of index) {
          const x = points.get(id)?.[t] ?? NaN;
          const norm = model.norms[b] ?? { mean: 0, sd: 1 };
          if (Number.isNaN(x)) {
            input[b] = forecast[b] ?? 0; // a missing point is replaced by its forecast, never invented error
            const errs = out.get(id);
            if (errs && t < errs.length) errs[t] = NaN;
            continue;
          }
          const z = (x - norm.mean) / norm.sd;
          const errs = out.get(id);
          if (errs && !opts?.warmUp) errs[t] = Math.abs(z - (forecast[b] ?? 0));
          input[b] = z;
        }
        forecast = forecaster.step(input);
      }
      return out;
    },
    dispose: () => forecaster.dispose(),
  };
}
