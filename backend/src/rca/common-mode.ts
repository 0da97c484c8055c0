import { metricKind, type MetricKind } from './metric-kinds.js';
import { medianInPlace } from './stats.js';
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
    for (const [s, values] of divideByCommonMode(group, until)) adjusted.set(s, { ...s, values });
  }
  return series.map((s) => adjusted.get(s) ?? s);
}

/** One group's series divided by the median ratio to own level at each minute (typed columns: this runs on every ranking). */
function divideByCommonMode(group: readonly MetricSeriesInput[], until: number): Map<MetricSeriesInput, number[]> {
  const column = new Map<number, number>();
  const members: { s: MetricSeriesInput; level: number }[] = [];
  for (const s of group) {
    const level = levelBefore(s, until);
    if (!(level > 0)) continue;
    members.push({ s, level });
    for (const t of s.times) if (!column.has(t)) column.set(t, column.size);
  }
  const ratios = new Float64Array(column.size * members.length);
  const counts = new Int32Array(column.size);
  for (const { s, level } of members) {
    for (let i = 0; i < s.times.length; i++) {
      const v = s.values[i] ?? NaN;
      if (!Number.isFinite(v)) continue;
      const c = column.get(s.times[i] ?? NaN) ?? 0;
      ratios[c * members.length + (counts[c] ?? 0)] = v / level;
      counts[c] = (counts[c] ?? 0) + 1;
    }
  }
  const factor = new Float64Array(column.size).fill(NaN);
  for (let c = 0; c < column.size; c++) {
    const n = counts[c] ?? 0;
    if (n < MIN_PEERS) continue;
    factor[c] = medianInPlace(ratios.subarray(c * members.length, c * members.length + n), n);
  }
  const out = new Map<MetricSeriesInput, number[]>();
  for (const { s } of members) {
    // Built by push, not map(): an array map() fills in optimised code is holey, and V8 then boxes
    // every value the scorer reads from it (a heap number per point).
    const values: number[] = [];
    for (let i = 0; i < s.values.length; i++) {
      const v = s.values[i] as number; // as map() saw it (a null stays null / f = 0)
      const f = factor[column.get(s.times[i] ?? NaN) ?? -1] ?? NaN;
      values.push(f > 0 ? v / f : v);
    }
    out.set(s, values);
  }
  return out;
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
  return medianInPlace(scratch, n);
}
