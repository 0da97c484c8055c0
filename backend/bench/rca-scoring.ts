/** Shared by the RCA benches: AC@k / Avg@5 and an NSigma baseline ported from RCAEval (rca_eval.py). */
import type { MetricSeriesInput, RcaInput } from '../src/rca/index.js';

export interface Tally {
  n: number;
  hits: number[];
}

export const newTally = (): Tally => ({ n: 0, hits: [0, 0, 0, 0, 0] });

export function addCase(t: Tally, ranked: string[], truth: string): void {
  t.n++;
  const at = ranked.indexOf(truth);
  for (let k = 0; k < 5; k++) if (at >= 0 && at <= k) t.hits[k] = (t.hits[k] ?? 0) + 1;
}

export function acAt(t: Tally, k: number): number {
  return t.n ? (t.hits[k - 1] ?? 0) / t.n : NaN;
}

export function avg5(t: Tally): number {
  return [1, 2, 3, 4, 5].reduce((a, k) => a + acAt(t, k), 0) / 5;
}

export function tallyLine(label: string, t: Tally): string {
  const f = (x: number) => x.toFixed(3).padStart(6);
  return `${label.padEnd(18)} ${String(t.n).padStart(4)} ${f(acAt(t, 1))} ${f(acAt(t, 3))} ${f(acAt(t, 5))} ${f(avg5(t))}`;
}

export const TALLY_HEADER = `${'fault'.padEnd(18)} ${'n'.padStart(4)} ${'AC@1'.padStart(6)} ${'AC@3'.padStart(6)} ${'AC@5'.padStart(6)} ${'Avg@5'.padStart(6)}`;

/** Per fault type plus ALL, in the layout rca_eval.py prints. */
export function report(title: string, rows: Array<{ fault: string; ranked: string[]; truth: string }>): Tally {
  const byFault = new Map<string, Tally>();
  const all = newTally();
  for (const r of rows) {
    const t = byFault.get(r.fault) ?? newTally();
    byFault.set(r.fault, t);
    addCase(t, r.ranked, r.truth);
    addCase(all, r.ranked, r.truth);
  }
  console.log(`== ${title} ==`);
  console.log(TALLY_HEADER);
  for (const [fault, t] of [...byFault].sort(([a], [b]) => a.localeCompare(b))) console.log(tallyLine(fault, t));
  console.log(tallyLine('ALL', all));
  return all;
}

/**
 * NSigma (RCAEval e2e): normal [t0−10 min, t0), abnormal [t0, t0+3 min); columns constant in either
 * window dropped; score = max (x − mean)/std (ddof 0, zero std → 1); metrics ranked, then services.
 */
export function nsigmaRanking(input: RcaInput, normalMin = 10, abnormalMin = 3): string[] {
  const t0 = input.anomalyTime;
  const scored: Array<{ service: string; score: number }> = [];
  for (const s of input.series ?? []) {
    const { normal, abnormal } = windows(s, t0 - normalMin * 60_000, t0, t0 + abnormalMin * 60_000);
    if (normal.length < 2 || abnormal.length === 0) continue;
    if (normal.every((v) => v === normal[0]) || abnormal.every((v) => v === abnormal[0])) continue;
    const mean = normal.reduce((a, b) => a + b, 0) / normal.length;
    let sd = Math.sqrt(normal.reduce((a, b) => a + (b - mean) ** 2, 0) / normal.length);
    if (Math.abs(sd) < 10 * 2.220446049250313e-16) sd = 1;
    scored.push({ service: s.service, score: Math.max(...abnormal.map((x) => (x - mean) / sd)) });
  }
  scored.sort((a, b) => b.score - a.score);
  return [...new Set(scored.map((s) => s.service))];
}

function windows(s: MetricSeriesInput, from: number, t0: number, until: number) {
  const normal: number[] = [];
  const abnormal: number[] = [];
  let last = NaN;
  for (let i = 0; i < s.times.length; i++) {
    const t = s.times[i] ?? NaN;
    // RCAEval forward-fills gaps, then zero-fills what is still missing.
    const raw = s.values[i] ?? NaN;
    if (Number.isFinite(raw)) last = raw;
    const v = Number.isFinite(last) ? last : 0;
    if (t >= from && t < t0) normal.push(v);
    else if (t >= t0 && t < until) abnormal.push(v);
  }
  return { normal, abnormal };
}
