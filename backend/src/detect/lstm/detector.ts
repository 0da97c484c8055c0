import type { Detector, DetectorDefinition, DetectorState, SeriesPoints } from '../types.js';

/**
 * The LSTM as a pipeline member. Its raw scores (forecast errors) are computed per series group, many series
 * in one batch, by the detection service and handed to each series' scorer; on its own (no group model yet,
 * or `aegis detect` on one file) it contributes nothing rather than guessing.
 */
export const lstmDetector: DetectorDefinition = {
  id: 'lstm',
  description: 'LSTM forecaster shared by a group of normalised series; forecast error as score (group-level, batched)',
  groupLevel: true,
  create: () => placeholder(),
  restore: () => placeholder(),
};

function placeholder(): Detector {
  return {
    kind: 'lstm',
    train() {},
    score(points: SeriesPoints, out?: Float64Array) {
      const scores = out ?? new Float64Array(points.values.length);
      scores.fill(0, 0, points.values.length);
      return scores;
    },
    save: (): DetectorState => ({ kind: 'lstm', version: 1, params: {}, data: null }),
  };
}
