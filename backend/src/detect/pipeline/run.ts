import type { SeriesPoints } from '../types.js';
import type { SeriesScorer } from './index.js';

export interface RunResult {
  scores: Float64Array;
  alarms: Uint8Array;
  /** The alarm stream's scores (damped after an alarm): what `aegis detect` writes and NAB judges. */
  alarmScores: Float64Array;
  skipped: number;
}

/**
 * Streams a whole series through a scorer in chunks (each score still sees only earlier points),
 * reporting progress after every chunk so long files can show a bar.
 */
export function scoreInChunks(
  scorer: SeriesScorer,
  points: SeriesPoints,
  opts: { chunk?: number; onProgress?: (done: number, total: number) => void } = {},
): RunResult {
  const n = points.values.length;
  const chunk = opts.chunk ?? 5000;
  const scores = new Float64Array(n);
  const alarms = new Uint8Array(n);
  const alarmScores = new Float64Array(n);
  let skipped = 0;
  for (let start = 0; start < n; start += chunk) {
    const end = Math.min(n, start + chunk);
    const part = scorer.score({
      timestamps: points.timestamps.subarray(start, end),
      values: points.values.subarray(start, end),
    });
    scores.set(part.scores, start);
    alarms.set(part.alarms, start);
    alarmScores.set(part.alarmScores, start);
    skipped += part.skipped;
    opts.onProgress?.(end, n);
  }
  return { scores, alarms, alarmScores, skipped };
}
