/**
 * Ranks every RCA case folder under a directory and scores it against the truth file beside them.
 *
 *   npm run bench:rca -- <cases-dir> [--truth <file>] [--cv <truth-field>] [--baseline] [--rankings-out <file>] [--no-graph]
 *
 * The ranker reads only the case folders; truth (`<cases-dir>/truth.json`: {id: {service, fault, …}})
 * is read here, by the scorer. `--cv day` chooses the configuration from a small grid on the other
 * groups only and scores each group with it (leave-one-group-out), then pooled.
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

/** The grid a cross-validation chooses from: a few meaningful settings, not a search. */
export const CONFIG_GRID: RcaConfigInput[] = (() => {
  const grid: RcaConfigInput[] = [];
  for (const baselineMinutes of [10, 20, 30])
    for (const abnormalMinutes of [3, 4, 5])
      for (const persistence of [1, 2])
        for (const propagationDiscount of [0, 1])
          for (const outbound of [0.25, 0.5, 1])
            for (const load of [0.5, 1])
              grid.push({
                baselineMinutes,
                abnormalMinutes,
                persistence,
                propagationDiscount,
                kindWeights: { 'outbound-latency': outbound, traffic: load, network: load, io: load, other: load },
              });
  return grid;
})();

async function loadCases(dir: string, truthFile: string): Promise<LoadedCase[]> {
  const truth = JSON.parse(await readFile(truthFile, 'utf8')) as Record<string, Truth>;
  const cases: LoadedCase[] = [];
  for (const id of (await readdir(dir)).sort()) {
    const caseDir = path.join(dir, id);
    if (!(await stat(caseDir)).isDirectory()) continue;
    const t = truth[id];
    if (!t) {
      console.warn(`no truth for ${id}; skipped`);
      continue;
    }
    cases.push({ id, input: (await readRcaCase(caseDir)).input, truth: t });
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
    },
  });
  const dir = positionals[0];
  if (!dir) {
    console.error('usage: npm run bench:rca -- <cases-dir> [--truth file] [--cv field] [--baseline] [--rankings-out file]');
    process.exit(2);
  }
  const started = performance.now();
  const cases = await loadCases(dir, values.truth ?? path.join(dir, 'truth.json'));
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
