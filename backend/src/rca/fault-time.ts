import { badDirection, metricKind } from './metric-kinds.js';
import { deviation } from './series-score.js';
import { robustCentreScale } from './stats.js';
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
 * When the fault started, from the data rather than the (possibly late) alert: for each anomalous
 * series, the run of points beyond `anomalyZ` robust scales (of a reference stretch before the search
 * range) that holds its peak, walked back to where it began; each start is a vote weighted by the
 * series' evidence, and the most voted start wins. A fault moves many series at once while noisy
 * series jump at scattered times, so the mode resists a few loud strays where a median of the
 * loudest would not. Falls back to the anomaly time when no series changes.
 */
export function estimateFaultTime(
  voters: ReadonlyArray<{ series: MetricSeriesInput; weight: number }>,
  anomalyTime: number,
  opts: FaultTimeOptions,
): FaultTimeEstimate {
  const searchFrom = anomalyTime - opts.searchMinutes * MINUTE;
  const refFrom = searchFrom - opts.referenceMinutes * MINUTE;
  const until = anomalyTime + opts.afterMinutes * MINUTE;
  const votes = new Map<number, number>();
  for (const { series: s, weight } of voters) {
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
    const dev = values.map((v) => deviation(v, centre, scale, dir));
    // The run of abnormal points that holds the series' peak, walked back to its start.
    let peak = -1;
    for (let i = 0; i < dev.length; i++) if (peak < 0 || (dev[i] ?? 0) > (dev[peak] ?? 0)) peak = i;
    if (peak < 0 || (dev[peak] ?? 0) < opts.anomalyZ) continue;
    let start = peak;
    while (start > 0 && (dev[start - 1] ?? 0) >= opts.anomalyZ) start--;
    const at = times[start];
    if (at !== undefined) votes.set(at, (votes.get(at) ?? 0) + weight);
  }
  let best: [number, number] | undefined;
  // Ties go to the earlier start: a fault's symptoms follow it.
  for (const v of [...votes].sort(([a], [b]) => a - b)) if (!best || v[1] > best[1]) best = v;
  if (!best) return { at: anomalyTime, method: 'anomaly-time' };
  return { at: best[0], method: 'change-point' };
}
