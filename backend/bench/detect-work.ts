import { builtinLookup, createSeriesScorer, DEFAULT_PIPELINE, type PipelineConfigInput } from '../src/detect/index.js';

/** The synthetic workload: daily-seasonal series with noise, drift, and an occasional spike or shift. */
export function syntheticSeries(index: number, length: number): { timestamps: Float64Array; values: Float64Array } {
  let s = (index + 1) * 2654435761;
  const rand = () => {
    s = (Math.imul(s ^ (s >>> 15), 2246822519) + 0x9e3779b9) >>> 0;
    return s / 4294967296;
  };
  const level = 10 + rand() * 1000;
  const amp = level * (0.05 + rand() * 0.3);
  const phase = rand() * 2 * Math.PI;
  const timestamps = new Float64Array(length);
  const values = new Float64Array(length);
  const start = Date.UTC(2026, 0, 1);
  const spikeAt = Math.floor(rand() * length);
  for (let i = 0; i < length; i++) {
    timestamps[i] = start + i * 60_000;
    values[i] =
      level +
      amp * Math.sin((i / 1440) * 2 * Math.PI + phase) +
      (rand() - 0.5) * amp * 0.2 +
      (i === spikeAt ? amp * 3 : 0);
  }
  return { timestamps, values };
}

export type Job =
  | { kind: 'detector'; id: string; params?: Record<string, unknown> }
  | { kind: 'pipeline'; config: PipelineConfigInput };

/** Scores series [from, to) of the workload with one job; returns points scored and seconds spent scoring. */
export function runJob(
  job: Job,
  from: number,
  to: number,
  length: number,
): { points: number; seconds: number; checksum: number } {
  let points = 0;
  let seconds = 0;
  let checksum = 0;
  const out = new Float64Array(length);
  for (let i = from; i < to; i++) {
    const series = syntheticSeries(i, length); // generation is not timed
    const started = performance.now();
    if (job.kind === 'detector') {
      builtinLookup(job.id).create(job.params).score(series, out);
      checksum += out[length - 1] ?? 0;
    } else {
      const scored = createSeriesScorer(job.config ?? DEFAULT_PIPELINE, builtinLookup).score(series);
      checksum += scored.scores[length - 1] ?? 0;
    }
    seconds += (performance.now() - started) / 1000;
    points += length;
  }
  return { points, seconds, checksum };
}
