/**
 * Ranks every RCA case folder under a directory and scores it against the truth file beside them.
 *
 *   npm run bench:rca -- <cases-dir>[=<set>] [more dirs…] [--truth <file>] [--cv <truth-field>] [--shift <s>]
 *                      [--baseline] [--rankings-out <file>] [--no-graph]
 *
 * The ranker reads only the case folders; truth (`<cases-dir>/truth.json` or `<cases-dir>.truth.json`:
 * {id: {service, fault, …}}) is read here, by the scorer. Each directory is a case set (its name, or
 * the `=<set>` suffix, becomes the truth field `set`). `--cv set` chooses the configuration from a
 * small grid on the other sets only and scores each set with it (leave-one-system-out), then pooled;
 * `--cv day` does the same across days. `--shift 120` moves every anomaly_time 120 s later (a late
 * alert).
 * `--rankings-out` writes {eval_key: [services…]} for ../shared/tools/rca_eval.py --rankings.
 */
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { rankRootCauses, rcaConfig, readRcaCase, type RcaConfig, type RcaConfigInput, type RcaInput } from '../src/rca/index.js';
import { acAt, addCase, avg5, newTally, nsigmaRanking, report } from './rca-scoring.js';

interface Truth {
  service: string;
  fault: string;
  eval_key?: string;
  [field: string]: unknown;
}

interface LoadedCase {
  id: string;
  input: RcaInput;
  truth: Truth;
}

/**
 * The grid a cross-validation chooses from: a few meaningful switches, not a search (they are re-scored
 * on systems we do not have, so few knobs). Estimating the fault time is not among them: it is what
 * keeps a late alert from costing accuracy, which a selection at the exact injection second cannot see.
 */
export const CONFIG_GRID: RcaConfigInput[] = (() => {
  const grid: RcaConfigInput[] = [];
  for (const noiseCalibration of [true, false])
    for (const persistence of [1, 2]) for (const propagationDiscount of [0, 1]) grid.push({ noiseCalibration, persistence, propagationDiscount });
  return grid;
})();

async function truthOf(dir: string, explicit?: string): Promise<Record<string, Truth>> {
  for (const file of explicit ? [explicit] : [path.join(dir, 'truth.json'), `${dir.replace(/\/+$/, '')}.truth.json`]) {
    const text = await readFile(file, 'utf8').catch(() => undefined);
    if (text !== undefined) return JSON.parse(text) as Record<string, Truth>;
  }
  throw new Error(`${dir}: no truth.json inside or ${dir}.truth.json beside it`);
}

async function loadCases(spec: string, explicitTruth: string | undefined, shiftMs: number): Promise<LoadedCase[]> {
  const [dir = spec, set = path.basename(spec.replace(/\/+$/, ''))] = spec.split('=');
  const truth = await truthOf(dir, explicitTruth);
  const cases: LoadedCase[] = [];
  for (const id of (await readdir(dir)).sort()) {
    const caseDir = path.join(dir, id);
    if (!(await stat(caseDir)).isDirectory()) continue;
    const t = truth[id];
    if (!t) {
      console.warn(`no truth for ${id}; skipped`);
      continue;
    }
    const input = (await readRcaCase(caseDir)).input;
    cases.push({ id, input: { ...input, anomalyTime: input.anomalyTime + shiftMs }, truth: { ...t, set } });
  }
  return cases;
}

function rankAll(cases: LoadedCase[], cfg: RcaConfig) {
  return cases.map((c) => {
    const ranking = rankRootCauses(c.input, cfg).ranking;
    return { c, fault: c.truth.fault, truth: c.truth.service, ranked: ranking.map((r) => r.service), p1: ranking[0]?.probability ?? 0 };
  });
}

/** Is the top candidate's probability honest? Mean p1 against AC@1, and the Brier score of p1. */
function calibration(rows: ReturnType<typeof rankAll>): string {
  const hit = rows.map((r): number => (r.ranked[0] === r.truth ? 1 : 0));
  const mean = rows.reduce((a, r) => a + r.p1, 0) / rows.length;
  const brier = rows.reduce((a, r, i) => a + (r.p1 - (hit[i] ?? 0)) ** 2, 0) / rows.length;
  return `top-1 probability: mean ${mean.toFixed(3)} vs AC@1 ${(hit.reduce((a, b) => a + b, 0) / rows.length).toFixed(3)}, Brier ${brier.toFixed(3)}`;
}

/** Selection objective on the training cases: AC@1 first, then AC@3, then Avg@5. */
function objective(cases: LoadedCase[], cfg: RcaConfig): number {
  const t = newTally();
  for (const r of rankAll(cases, cfg)) addCase(t, r.ranked, r.truth);
  return acAt(t, 1) * 100 + acAt(t, 3) * 10 + avg5(t);
}

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      truth: { type: 'string' },
      cv: { type: 'string' },
      baseline: { type: 'boolean' },
      'rankings-out': { type: 'string' },
      'no-graph': { type: 'boolean' },
      shift: { type: 'string' },
    },
  });
  if (positionals.length === 0) {
    console.error('usage: npm run bench:rca -- <cases-dir>[=set] [dirs…] [--truth file] [--cv field] [--shift s] [--baseline] [--rankings-out file]');
    process.exit(2);
  }
  const started = performance.now();
  const shiftMs = Number(values.shift ?? 0) * 1000;
  const cases: LoadedCase[] = [];
  for (const dir of positionals) cases.push(...(await loadCases(dir, values.truth, shiftMs)));
  const dir = positionals.join(' ');
  if (shiftMs) console.log(`anomaly_time moved ${shiftMs / 1000} s later in every case`);
  // Metrics only: what the ranker does when no call graph is known.
  if (values['no-graph']) for (const c of cases) c.input = { ...c.input, edges: undefined };
  console.log(`${cases.length} cases loaded from ${dir} in ${Math.round(performance.now() - started)} ms`);

  const rankingsOut: Record<string, string[]> = {};
  const keep = (rows: ReturnType<typeof rankAll>) => {
    for (const r of rows) rankingsOut[r.c.truth.eval_key ?? r.c.id] = r.ranked;
  };

  if (values.cv) {
    const field = values.cv;
    const groups = [...new Set(cases.map((c) => String(c.truth[field])))].sort();
    const pooled: ReturnType<typeof rankAll> = [];
    for (const g of groups) {
      const train = cases.filter((c) => String(c.truth[field]) !== g);
      const test = cases.filter((c) => String(c.truth[field]) === g);
      let best = { score: -Infinity, idx: 0 };
      CONFIG_GRID.forEach((input, idx) => {
        const score = objective(train, rcaConfig(input));
        if (score > best.score) best = { score, idx };
      });
      console.log(`\nconfiguration chosen on ${field} ≠ ${g} (${train.length} cases): ${JSON.stringify(CONFIG_GRID[best.idx])}`);
      const rows = rankAll(test, rcaConfig(CONFIG_GRID[best.idx]));
      report(`Aegis RCA, ${field} = ${g} (config from the other ${field}s)`, rows);
      pooled.push(...rows);
    }
    console.log('');
    report(`Aegis RCA, pooled leave-one-${field}-out`, pooled);
    console.log(calibration(pooled));
    keep(pooled);
  } else {
    const rankStart = performance.now();
    const rows = rankAll(cases, rcaConfig());
    const ms = (performance.now() - rankStart) / Math.max(1, cases.length);
    const sets = [...new Set(cases.map((c) => String(c.truth.set)))];
    if (sets.length > 1) {
      for (const set of sets) {
        report(`Aegis RCA, default configuration, set ${set}`, rows.filter((r) => r.c.truth.set === set));
        console.log('');
      }
    }
    report(`Aegis RCA, default configuration (${ms.toFixed(1)} ms per case)`, rows);
    console.log(calibration(rows));
    keep(rows);
    // Generated cases name their loudest symptom: how the ranker does when it is not the cause.
    const quiet = rows.filter((r) => typeof r.c.truth.loudest === 'string' && r.c.truth.loudest !== r.truth);
    if (quiet.length) {
      console.log('');
      report(`Aegis RCA, cases whose loudest symptom is not the root cause`, quiet);
      if (values.baseline) {
        console.log('');
        report(
          'NSigma, cases whose loudest symptom is not the root cause',
          quiet.map((r) => ({ ...r, ranked: nsigmaRanking(r.c.input) })),
        );
      }
    }
  }
  if (values.baseline) {
    console.log('');
    report(
      'NSigma baseline on the same cases',
      cases.map((c) => ({ fault: c.truth.fault, truth: c.truth.service, ranked: nsigmaRanking(c.input) })),
    );
  }
  if (values['rankings-out']) {
    await writeFile(values['rankings-out'], JSON.stringify(rankingsOut, null, 1) + '\n');
    console.log(`rankings written to ${values['rankings-out']}`);
  }
}

await main();
