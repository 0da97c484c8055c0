import { metricKind, type MetricKind } from './metric-kinds.js';
import { median, quantileSorted } from './stats.js';
import type { MetricSeriesInput } from './types.js';

/**
 * Traffic is load by definition (CPU, network and I/O also follow load, but a rise there is how a resource
 * fault shows, so they are judged as they are).
 */
const LOAD_DRIVEN = new Set<MetricKind>(['traffic']);
/** Fewer services than this and one faulty service would be the common mode. */
const MIN_PEERS = 4;

/**
 * Removes the change every service shares from traffic series: the evening rise of the shop's traffic
 * lifts every request rate ×1.1 at once, which is load, not a fault.
 * Per metric name, each service's series is taken relative to its own level before `until`, the median
 * of those ratios across services at each minute is the common mode, and every series is divided by it.
 * One faulty service cannot move the median of many; other kinds pass as they are.
 */
export function removeCommonMode(series: readonly MetricSeriesInput[], until: number): MetricSeriesInput[] {
  const groups = new Map<string, MetricSeriesInput[]>();
  const loadDriven = new Map<string, boolean>();
  for (const s of series) {
    let load = loadDriven.get(s.metric);
    if (load === undefined) loadDriven.set(s.metric, (load = LOAD_DRIVEN.has(metricKind(s.metric))));
    if (!load) continue;
    const key = `${s.source ?? 'metrics'}\u0000${s.metric}`;
    const g = groups.get(key);
    if (g) g.push(s);
    else groups.set(key, [s]);
  }
  const adjusted = new Map<MetricSeriesInput, MetricSeriesInput>();
  for (const group of groups.values()) {
    if (new Set(group.map((s) => s.service)).size < MIN_PEERS) continue;
    const ratios = new Map<number, number[]>();
    const levels = new Map<MetricSeriesInput, number>();
    for (const s of group) {
      const level = levelBefore(s, until);
      if (!(level > 0)) continue;
      levels.set(s, level);
      s.times.forEach((t, i) => {
        const v = s.values[i] ?? NaN;
        if (!Number.isFinite(v)) return;
        const rs = ratios.get(t);
        if (rs) rs.push(v / level);
        else ratios.set(t, [v / level]);
      });
    }
    const factor = new Map<number, number>();
    for (const [t, rs] of ratios) if (rs.length >= MIN_PEERS) factor.set(t, median(rs));
    for (const s of levels.keys()) {
      const values = s.values.map((v, i) => {
        const f = factor.get(s.times[i] ?? NaN);
        return f !== undefined && f > 0 ? v / f : v;
      });
      adjusted.set(s, { ...s, values });
    }
  }
  return series.map((s) => adjusted.get(s) ?? s);
}

let scratch = new Float64Array(64);

/** Median of the finite values before `until` (a scratch buffer: this runs on every series of a ranking). */
function levelBefore(s: MetricSeriesInput, until: number): number {
  if (scratch.length < s.values.length) scratch = new Float64Array(s.values.length);
  let n = 0;
  for (let i = 0; i < s.values.length; i++) {
    const v = s.values[i] ?? NaN;
    if (Number.isFinite(v) && (s.times[i] ?? Infinity) < until) scratch[n++] = v;
  }
  return quantileSorted(scratch.subarray(0, n).sort(), 0.5, n);
}
