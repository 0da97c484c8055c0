import type { RcaConfig } from './config.js';
import { badDirection, metricKind, type MetricKind } from './metric-kinds.js';
import { centreScaleInPlace, DEGENERATE_SCALE, kthLargest } from './stats.js';
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
  const { base, sorted, dev, idx } = scratch(s.times.length);
  let nb = 0;
  let na = 0;
  for (let i = 0; i < s.times.length; i++) {
    const t = s.times[i] ?? NaN;
    const v = s.values[i] ?? NaN;
    if (!Number.isFinite(v) || !Number.isFinite(t)) continue;
    if (t >= from && t < t0) base[nb++] = v;
    else if (t >= t0 && t < until) idx[na++] = i;
  }
  if (na === 0) return { skipped: 'no samples in the abnormal window' };
  if (nb < cfg.minBaselinePoints) return { skipped: `only ${nb} baseline samples` };

  const kind = metricKind(s.metric);
  const dir = badDirection(kind);
  sorted.set(base.subarray(0, nb));
  const { centre, scale } = centreScaleInPlace(sorted, nb, cfg.relativeScaleFloor);
  let noise = 0;
  if (cfg.noiseCalibration) {
    for (let i = 0; i < nb; i++) dev[i] = deviation(base[i] ?? NaN, centre, scale, dir);
    noise = baselineNoise(dev, nb, cfg.persistence, cfg.anomalyZ);
  }
  for (let j = 0; j < na; j++) dev[j] = deviation(s.values[idx[j] ?? 0] ?? NaN, centre, scale, dir);
  const peak = kthLargest(dev, cfg.persistence, na);
  let z = Math.max(0, peak);
  if (cfg.noiseCalibration) z = (z * cfg.anomalyZ) / Math.max(cfg.anomalyZ, noise);
  // A move off a constant zero has no z (it would read as a division by the scale floor): call it certain.
  const flatBaseline = scale <= DEGENERATE_SCALE && z > 0;
  if (flatBaseline) z = Z_SATURATION;
  let at = -1;
  let onsetIdx = -1;
  for (let j = 0; j < na; j++) {
    if (at < 0 && dev[j] === peak) at = j;
    if (onsetIdx < 0 && (dev[j] ?? -Infinity) >= cfg.anomalyZ) onsetIdx = j;
  }
  return {
    ok: {
      service: s.service,
      metric: s.metric,
      kind,
      z,
      baseline: centre,
      observed: s.values[idx[at >= 0 ? at : 0] ?? 0] ?? NaN,
      onset: onsetIdx >= 0 ? s.times[idx[onsetIdx] ?? 0] : undefined,
      source: s.source ?? 'metrics',
      ...(flatBaseline ? { flatBaseline } : {}),
    },
  };
}

/** Buffers reused across calls (scoring is synchronous): 20k series per ranking would otherwise allocate ~100k arrays. */
let BUFFERS = buffers(64);

function buffers(n: number) {
  return { base: new Float64Array(n), sorted: new Float64Array(n), dev: new Float64Array(n), idx: new Int32Array(n) };
}

function scratch(n: number): typeof BUFFERS {
  if (BUFFERS.base.length < n) BUFFERS = buffers(n);
  return BUFFERS;
}

/**
 * How far the baseline strays by itself (k-th largest deviation, k = persistence), leaving out the one
 * run of abnormal points around its peak: a single earlier incident inside the baseline is not chronic
 * noise (faults recur on the same pod), while a series that keeps spiking still has other runs left.
 */
function baselineNoise(dev: Float64Array, n: number, k: number, anomalyZ: number): number {
  let peak = 0;
  for (let i = 1; i < n; i++) if ((dev[i] ?? -Infinity) > (dev[peak] ?? -Infinity)) peak = i;
  let lo = peak;
  let hi = peak;
  if ((dev[peak] ?? 0) >= anomalyZ) {
    while (lo > 0 && (dev[lo - 1] ?? 0) >= anomalyZ) lo--;
    while (hi < n - 1 && (dev[hi + 1] ?? 0) >= anomalyZ) hi++;
  } else return kthLargest(dev, k, n);
  // The run is cut out by moving what follows it down (dev is scratch).
  const width = hi - lo + 1;
  for (let i = hi + 1; i < n; i++) dev[i - width] = dev[i] ?? NaN;
  return n - width > 0 ? kthLargest(dev, k, n - width) : 0;
}

export function deviation(v: number, centre: number, scale: number, dir: -1 | 0 | 1): number {
  const d = (v - centre) / scale;
  return dir === 0 ? Math.abs(d) : dir * d;
}
