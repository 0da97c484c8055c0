/**
 * The one detector interface (Merlion-style): `train(history)` learns a baseline, `score(points)` returns a
 * raw score per point and keeps learning as it goes, so a point's score only ever uses the points before it.
 * State is plain JSON so a trained detector can be stored in the `models` table and restored elsewhere.
 */

/** Points of one series in time order: unix milliseconds and values; NaN marks a missing sample. */
export interface SeriesPoints {
  timestamps: Float64Array;
  values: Float64Array;
}

/** Serialisable detector state; `kind` names the detector definition that can restore it. */
export interface DetectorState {
  kind: string;
  version: number;
  params: Record<string, unknown>;
  data: unknown;
}

export interface Detector {
  readonly kind: string;
  /** Learns from history (replacing what was learned before); history is never scored. */
  train(history: SeriesPoints): void;
  /**
   * Raw scores (≥ 0, larger is more anomalous; NaN where the input is NaN), written into `out` when given.
   * Each point is scored against state built from earlier points only, then absorbed into the state.
   */
  score(points: SeriesPoints, out?: Float64Array): Float64Array;
  save(): DetectorState;
}

/** What the detector registry holds: built-ins and user modules register the same shape. */
export interface DetectorDefinition {
  id: string;
  description: string;
  /** Validates its own params (zod) and throws InputError on bad ones. */
  create(params?: Record<string, unknown>): Detector;
  restore(state: DetectorState): Detector;
  [field: string]: unknown;
}

export function seriesPoints(values: ArrayLike<number>, timestamps?: ArrayLike<number>, stepMs = 60_000): SeriesPoints {
  const v = Float64Array.from(values);
  const t = timestamps ? Float64Array.from(timestamps) : Float64Array.from(v, (_x, i) => i * stepMs);
  return { timestamps: t, values: v };
}

export function emptyPoints(): SeriesPoints {
  return { timestamps: new Float64Array(0), values: new Float64Array(0) };
}
