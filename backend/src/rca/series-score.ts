import type { RcaConfig } from './config.js';
import { badDirection, metricKind, type MetricKind } from './metric-kinds.js';
import { centreScaleInto, DEGENERATE_SCALE, kthLargest } from './stats.js';
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
  const status = measureSeries(s, t0, cfg, windowStart);
  if (status === NO_ABNORMAL) return { skipped: 'no samples in the abnormal window' };
  if (status === FEW_BASELINE) return { skipped: `only ${M[NB]} baseline samples` };
  const z = M[Z] ?? 0;
  const flatBaseline = M[FLAT] === 1;
  const onsetIdx = M[ONSET] ?? -1;
  return {
    ok: {
      service: s.service,
      metric: s.metric,
      kind: metricKind(s.metric),
      z,
      baseline: M[CENTRE] ?? NaN,
      observed: s.values[M[AT] ?? 0] ?? NaN,
      onset: onsetIdx >= 0 ? s.times[onsetIdx] : undefined,
      source: s.source ?? 'metrics',
      ...(flatBaseline ? { flatBaseline } : {}),
    },
  };
}

/**
 * Whether `scoreSeries` would give this series a z of at least `z`, without building its result; a
 * series whose persistent deviation is below `z` before calibration cannot reach it and skips the
 * baseline-noise step (most series of a ranking: they only vote on the fault time when they reach it).
 */
export function seriesReaches(s: MetricSeriesInput, t0: number, cfg: RcaConfig, z: number, windowStart?: number): boolean {
  return measureSeries(s, t0, cfg, windowStart, z) === SCORED && (M[Z] ?? 0) >= z;
}

const SCORED = 0;
const NO_ABNORMAL = 1;
const FEW_BASELINE = 2;
/** Measured far enough to know z stays below the `reach` asked for; M holds nothing usable. */
const BELOW_REACH = 3;
/** Slots of `M`, the last measurement (indices into the series for AT and ONSET; ONSET −1 when none). */
const Z = 0;
const CENTRE = 1;
const AT = 2;
const ONSET = 3;
const NB = 4;
const FLAT = 5;
const M = new Float64Array(6);
const CENTRE_SCALE = new Float64Array(2);

/**
 * The numbers behind `scoreSeries`, written to `M`: typed scratch and no calls returning doubles in the
 * per-point loops, because each boxed double is a heap allocation and a ranking scores 20k series twice.
 */
function measureSeries(s: MetricSeriesInput, t0: number, cfg: RcaConfig, windowStart?: number, reach = -Infinity): number {
  const from = Math.max(t0 - cfg.baselineMinutes * MINUTE, windowStart ?? -Infinity);
  const until = t0 + cfg.abnormalMinutes * MINUTE;
  const { times, values } = s;
  const { base, sorted, dev, adev, idx } = scratch(times.length);
  let nb = 0;
  let na = 0;
  for (let i = 0; i < times.length; i++) {
    const t = times[i] ?? NaN;
    const v = values[i] ?? NaN;
    if (!Number.isFinite(v) || !Number.isFinite(t)) continue;
    if (t >= from && t < t0) {
      base[nb] = v;
      sorted[nb++] = v;
    } else if (t >= t0 && t < until) idx[na++] = i;
  }
  M[NB] = nb;
  if (na === 0) return NO_ABNORMAL;
  if (nb < cfg.minBaselinePoints) return FEW_BASELINE;

  const dir = badDirection(metricKind(s.metric));
  centreScaleInto(sorted, nb, cfg.relativeScaleFloor, CENTRE_SCALE);
  const centre = CENTRE_SCALE[0] ?? NaN;
  const scale = CENTRE_SCALE[1] ?? NaN;
  const anomalyZ = cfg.anomalyZ;
  for (let j = 0; j < na; j++) {
    const d = ((values[idx[j] ?? 0] ?? NaN) - centre) / scale;
    adev[j] = dir === 0 ? Math.abs(d) : dir * d;
  }
  const peak = kthLargest(adev, cfg.persistence, na);
  let z = Math.max(0, peak);
  const degenerate = scale <= DEGENERATE_SCALE;
  // Calibration only divides z (by at least 1) and a flat baseline saturates it: below `reach` stays below.
  if (z < reach && !(degenerate && z > 0)) return BELOW_REACH;
  // No persistent deviation in the bad direction: z is 0 whatever the baseline noise.
  if (cfg.noiseCalibration && z > 0) {
    for (let i = 0; i < nb; i++) {
      const d = ((base[i] ?? NaN) - centre) / scale;
      dev[i] = dir === 0 ? Math.abs(d) : dir * d;
    }
    z = (z * anomalyZ) / Math.max(anomalyZ, baselineNoise(dev, nb, cfg.persistence, anomalyZ));
  }
  // A move off a constant zero has no z (it would read as a division by the scale floor): call it certain.
  const flat = degenerate && z > 0;
  if (flat) z = Z_SATURATION;
  let at = -1;
  let onset = -1;
  for (let j = 0; j < na; j++) {
    if (at < 0 && adev[j] === peak) at = j;
    if (onset < 0 && (adev[j] ?? -Infinity) >= anomalyZ) onset = j;
  }
  M[Z] = z;
  M[CENTRE] = centre;
  M[AT] = idx[at >= 0 ? at : 0] ?? 0;
  M[ONSET] = onset >= 0 ? (idx[onset] ?? 0) : -1;
  M[FLAT] = flat ? 1 : 0;
  return SCORED;
}

/** Buffers reused across calls (scoring is synchronous): 20k series per ranking would otherwise allocate ~100k arrays. */
let BUFFERS = buffers(64);

function buffers(n: number) {
  return { base: new Float64Array(n), sorted: new Float64Array(n), dev: new Float64Array(n), adev: new Float64Array(n), idx: new Int32Array(n) };
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
