import { badDirection, metricKind } from './metric-kinds.js';
import { deviation } from './series-score.js';
import { median, robustCentreScale } from './stats.js';
import type { MetricSeriesInput } from './types.js';

const MINUTE = 60_000;

export interface FaultTimeOptions {
  /** How late the alert may be: the change is searched from this many minutes before the anomaly time. */
  searchMinutes: number;
  /** Reference (normal) stretch before the search range. */
  referenceMinutes: number;
  /** The search also looks this far after the anomaly time (the abnormal window). */
  afterMinutes: number;
  /** A point beyond this many robust scales is abnormal. */
  anomalyZ: number;
  relativeScaleFloor: number;
}

export interface FaultTimeEstimate {
  /** unix ms */
  at: number;
  method: 'change-point' | 'anomaly-time';
}

/**
 * When the fault started, from the data rather than the (possibly late) alert: for each of the
 * incident's strongest series, the first point from which it stays beyond `anomalyZ` robust scales
 * of a reference stretch taken before the search range; the median of those change points. Falls
 * back to the anomaly time when no series changes.
 */
export function estimateFaultTime(strongest: readonly MetricSeriesInput[], anomalyTime: number, opts: FaultTimeOptions): FaultTimeEstimate {
  const searchFrom = anomalyTime - opts.searchMinutes * MINUTE;
  const refFrom = searchFrom - opts.referenceMinutes * MINUTE;
  const until = anomalyTime + opts.afterMinutes * MINUTE;
  const changes: number[] = [];
  for (const s of strongest) {
    const ref: number[] = [];
    const times: number[] = [];
    const values: number[] = [];
    for (let i = 0; i < s.times.length; i++) {
      const t = s.times[i] ?? NaN;
      const v = s.values[i] ?? NaN;
      if (!Number.isFinite(v)) continue;
      if (t >= refFrom && t < searchFrom) ref.push(v);
      else if (t >= searchFrom && t < until) {
        times.push(t);
        values.push(v);
      }
    }
    if (ref.length < 3 || values.length < 2) continue;
    const { centre, scale } = robustCentreScale(ref, opts.relativeScaleFloor);
    const dir = badDirection(metricKind(s.metric));
    const out = values.map((v) => deviation(v, centre, scale, dir) >= opts.anomalyZ);
    // The first point of a run of two abnormal points: one spike is not a change.
    const at = out.findIndex((o, i) => o && (out[i + 1] ?? true));
    if (at >= 0 && times[at] !== undefined) changes.push(times[at]);
  }
  if (changes.length === 0) return { at: anomalyTime, method: 'anomaly-time' };
  return { at: Math.min(...changes), method: "change-point" };
}
