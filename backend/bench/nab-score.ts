/**
 * NAB v1.1 scoring in TypeScript, for the thousands of evaluations a selection makes (the Python scorer,
 * ../shared/tools/nab_score.py, stays the judge of every printed headline; the bench prints both and they
 * agree). A port of the same steps: per-row sweep weights (scaled sigmoid around the label windows),
 * probation, one threshold for the whole corpus swept over every distinct score, normalisation against the
 * null detector. Only the bench reads labels; detectors never see them.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseTimestamp } from '../src/detect/index.js';

export interface CostMatrix {
  tpWeight: number;
  fpWeight: number;
  fnWeight: number;
}

export const PROFILES: Record<string, CostMatrix> = {
  standard: { tpWeight: 1, fpWeight: 0.11, fnWeight: 1 },
  reward_low_FP_rate: { tpWeight: 1, fpWeight: 0.22, fnWeight: 1 },
  reward_low_FN_rate: { tpWeight: 1, fpWeight: 0.11, fnWeight: 2 },
};

/** One labelled file: which rows are scorable, and each row's window (−1: outside) and position weight. */
export interface LabelledFile {
  key: string;
  category: string;
  windows: number;
  /** Window index per row within this file; −1 outside windows, −2 probation. */
  window: Int32Array;
  /** Unweighted sweep value per row: inside a window the TP curve (0..1), outside the FP curve (−1..1). */
  curve: Float64Array;
}

const scaledSigmoid = (x: number) => (x > 3 ? -1 : 2 / (1 + Math.exp(5 * x)) - 1);
const MAX_TP = scaledSigmoid(-1);

export async function loadLabels(nabRoot: string): Promise<Record<string, Array<[number, number]>>> {
  const raw = JSON.parse(await readFile(path.join(nabRoot, 'labels', 'combined_windows.json'), 'utf8')) as Record<
    string,
    Array<[string, string]>
  >;
  return Object.fromEntries(
    Object.entries(raw).map(([k, ws]) => [k, ws.map(([a, b]) => [parseTimestamp(a), parseTimestamp(b)] as [number, number])]),
  );
}

/** Port of NAB's Sweeper.calcSweepScore for one file (the cost matrix is applied at scoring time). */
export function labelFile(key: string, timestamps: Float64Array, windows: Array<[number, number]>): LabelledFile {
  const n = timestamps.length;
  const first = new Map<number, number>();
  timestamps.forEach((t, i) => first.has(t) || first.set(t, i));
  const probation = Math.min(Math.floor(0.15 * n), 0.15 * 5000);
  const window = new Int32Array(n).fill(-1);
  const curve = new Float64Array(n);
  const pending = [...windows];
  let cur: { right: number; width: number; id: number; end: number } | undefined;
  let prev: { right: number; width: number } | undefined;
  let id = 0;
  for (let i = 0; i < n; i++) {
    const t = timestamps[i] ?? 0;
    const next = pending[0];
    if (next && t === next[0]) {
      pending.shift();
      const right = first.get(next[1]) ?? i;
      cur = { right, width: right - (first.get(next[0]) ?? i) + 1, id: id++, end: next[1] };
    }
    if (cur) {
      curve[i] = scaledSigmoid(-(cur.right - i + 1) / cur.width) / MAX_TP;
      window[i] = cur.id;
    } else curve[i] = prev ? scaledSigmoid(Math.abs(prev.right - i) / (prev.width - 1)) : -1;
    if (i < probation) window[i] = -2;
    if (cur && t === cur.end) {
      prev = { right: i, width: cur.width };
      cur = undefined;
    }
  }
  return { key, category: key.split('/')[0] ?? '', windows: windows.length, window, curve };
}

export interface CorpusScore {
  score: number;
  threshold: number;
  raw: number;
  tp: number;
  fp: number;
  /** Windows without a detection at the optimal threshold. */
  missed: number;
}

/**
 * NAB score of a corpus at its optimal threshold (ties: the highest threshold), normalised 0..100. Scores are
 * ordered at a resolution of 2^-16 (1.5e-5): selection needs the order, the printed headlines come from the
 * Python scorer on the written CSVs.
 */
export function scoreCorpus(files: LabelledFile[], scores: Float64Array[], cm: CostMatrix = PROFILES.standard!): CorpusScore {
  let total = 0;
  for (const f of files) for (const w of f.window) if (w !== -2) total++;
  const a = new Float64Array(total);
  const sweep = new Float64Array(total);
  const win = new Int32Array(total);
  let windows = 0;
  let at = 0;
  files.forEach((f, j) => {
    const s = scores[j]!;
    for (let i = 0; i < f.window.length; i++) {
      const w = f.window[i] ?? -1;
      if (w === -2) continue;
      a[at] = Number.isNaN(s[i] ?? NaN) ? 0 : (s[i] ?? 0);
      win[at] = w >= 0 ? windows + w : -1;
      sweep[at] = w >= 0 ? (f.curve[i] ?? 0) * cm.tpWeight : (f.curve[i] ?? 0) * cm.fpWeight;
      at++;
    }
    windows += f.windows;
  });
  // Counting sort on scores quantised to 2^-16 (selection only needs the order; ties share a threshold).
  const B = 1 << 16;
  const bucket = new Int32Array(total);
  const start = new Int32Array(B + 2);
  for (let k = 0; k < total; k++) {
    const b = B - Math.round(Math.min(1, Math.max(0, a[k] ?? 0)) * B); // descending score = ascending bucket
    bucket[k] = b;
    start[b + 1]!++;
  }
  for (let b = 1; b <= B + 1; b++) start[b]! += start[b - 1]!;
  const order = new Int32Array(total);
  for (let k = 0; k < total; k++) order[start[bucket[k]!]!++] = k;
  const part = new Float64Array(windows).fill(-cm.fnWeight);
  let sum = -cm.fnWeight * windows;
  let tp = 0;
  let fp = 0;
  let best = { raw: sum, threshold: 1.1, tp: 0, fp: 0 };
  let cur = -1;
  for (const k of order) {
    const b = bucket[k] ?? 0;
    if (b !== cur) {
      if (cur >= 0 && sum > best.raw) best = { raw: sum, threshold: (B - cur) / B, tp, fp };
      cur = b;
    }
    const w = win[k] ?? -1;
    if (w >= 0) {
      tp++;
      const s = sweep[k] ?? 0;
      if (s > (part[w] ?? 0)) {
        sum += s - (part[w] ?? 0);
        part[w] = s;
      }
    } else {
      fp++;
      sum += sweep[k] ?? 0;
    }
  }
  if (cur >= 0 && sum > best.raw) best = { raw: sum, threshold: (B - cur) / B, tp, fp };
  // The null detector detects nothing at its optimum whenever one window is worth more than its FPs cost.
  const nullRaw = -cm.fnWeight * windows;
  const perfect = cm.tpWeight * windows;
  // Detected windows at the optimum (fn = windows − detected), for the report.
  let detected = 0;
  const seen = new Uint8Array(windows);
  for (let k = 0; k < total; k++) {
    const w = win[k] ?? -1;
    if (w >= 0 && (bucket[k] ?? 0) <= B - Math.round(best.threshold * B) && !seen[w]) {
      seen[w] = 1;
      detected++;
    }
  }
  return {
    score: windows === 0 ? NaN : (100 * (best.raw - nullRaw)) / (perfect - nullRaw),
    threshold: best.threshold,
    raw: best.raw,
    tp: best.tp,
    fp: best.fp,
    missed: windows - detected,
  };
}
