import type { RcaConfig } from './config.js';
import { badDirection, metricKind, type MetricKind } from './metric-kinds.js';
import { DEGENERATE_SCALE, kthLargest, robustCentreScale } from './stats.js';
import type { EvidenceSource, MetricSeriesInput } from './types.js';

const MINUTE = 60_000;
/**
 * Beyond this z a deviation is simply certain: an idle series (zero baseline) that moves once would
 * otherwise reach z in the millions and outshout every real fault.
 */
export const Z_SATURATION = 50;

export interface SeriesScore {
  service: string;
  metric: string;
  kind: MetricKind;
  /** Robust z of the persistent deviation in the bad direction (0 when none). */
  z: number;
  baseline: number;
  /** The value at the persistent deviation. */
  observed: number;
  /** unix ms of the first abnormal-window point beyond `anomalyZ`. */
  onset?: number;
  source: EvidenceSource;
  /** A human sentence when the generic "went from … to …" does not fit (log templates). */
  summary?: string;
  /** The baseline was constant at zero: there is no spread to measure z against, so z is `Z_SATURATION`. */
  flatBaseline?: boolean;
}

export type SeriesOutcome = { ok: SeriesScore } | { skipped: string };

/**
 * Scores one series: robust baseline (median, MAD/IQR) before the anomaly time against the abnormal
 * window after it; the k-th largest deviation, so a deviation must persist to count.
 */
export function scoreSeries(s: MetricSeriesInput, t0: number, cfg: RcaConfig, windowStart?: number): SeriesOutcome {
  const from = Math.max(t0 - cfg.baselineMinutes * MINUTE, windowStart ?? -Infinity);
  const until = t0 + cfg.abnormalMinutes * MINUTE;
  const base: number[] = [];
  const abnTimes: number[] = [];
  const abnValues: number[] = [];
  for (let i = 0; i < s.times.length; i++) {
    const t = s.times[i] ?? NaN;
    const v = s.values[i] ?? NaN;
    if (!Number.isFinite(v) || !Number.isFinite(t)) continue;
    if (t >= from && t < t0) base.push(v);
    else if (t >= t0 && t < until) {
      abnTimes.push(t);
      abnValues.push(v);
    }
  }
  if (abnValues.length === 0) return { skipped: 'no samples in the abnormal window' };
  if (base.length < cfg.minBaselinePoints) return { skipped: `only ${base.length} baseline samples` };

  const kind = metricKind(s.metric);
  const dir = badDirection(kind);
  const { centre, scale } = robustCentreScale(base, cfg.relativeScaleFloor);
  const dev = abnValues.map((v) => deviation(v, centre, scale, dir));
  let z = Math.max(0, kthLargest(dev, cfg.persistence));
  if (cfg.noiseCalibration) {
    const noise = kthLargest(
      base.map((v) => deviation(v, centre, scale, dir)),
      cfg.persistence,
    );
    z = (z * cfg.anomalyZ) / Math.max(cfg.anomalyZ, noise);
  }
  // A move off a constant zero has no z (it would read as a division by the scale floor): call it certain.
  const flatBaseline = scale <= DEGENERATE_SCALE && z > 0;
  if (flatBaseline) z = Z_SATURATION;
  const at = dev.indexOf(kthLargest(dev, cfg.persistence));
  const onsetIdx = dev.findIndex((d) => d >= cfg.anomalyZ);
  return {
    ok: {
      service: s.service,
      metric: s.metric,
      kind,
      z,
      baseline: centre,
      observed: abnValues[at >= 0 ? at : 0] ?? NaN,
      onset: onsetIdx >= 0 ? abnTimes[onsetIdx] : undefined,
      source: s.source ?? 'metrics',
      ...(flatBaseline ? { flatBaseline } : {}),
    },
  };
}

export function deviation(v: number, centre: number, scale: number, dir: -1 | 0 | 1): number {
  const d = (v - centre) / scale;
  return dir === 0 ? Math.abs(d) : dir * d;
}
