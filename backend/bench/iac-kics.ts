/**
 * KICS corpus benchmark: scans every sample in isolation (sample + its query's aux files), writes findings as
 * JSONL and SARIF, runs the shared scorer with our mapping file, and prints coverage, recall, FPR and parse success,
 * then the Checkov coverage table computed from the checked-in catalogue mapping (catalog/equivalents).
 *
 *   npm run bench:iac -- --corpus ../shared/data/kics [--map backend/bench/iac/kics-map.json]
 *                        [--scorer ../shared/tools/score_kics.mjs] [--out <dir>]
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { BUILTIN_RULES } from '../src/iac/catalog/index.js';
import { createIacScanner } from '../src/iac/engine/scanner.js';
import { classifyFile } from '../src/iac/parsers/index.js';
import { toSarif } from '../src/iac/output/sarif.js';
import type { Finding } from '../src/iac/model.js';
import { checkovCoverage, type CoverageFramework } from '../src/iac/catalog/equivalents/index.js';

const { values } = parseArgs({
  options: {
    corpus: { type: 'string' },
    map: { type: 'string', default: 'backend/bench/iac/kics-map.json' },
    scorer: { type: 'string', default: '../shared/tools/score_kics.mjs' },
    out: { type: 'string' },
  },
});
if (!values.corpus) {
  printCheckovCoverage();
  console.error('usage: npm run bench:iac -- --corpus <dir> [--map file] [--scorer score_kics.mjs] [--out dir]');
  process.exit(2);
}
const corpus = path.resolve(values.corpus);
const outDir = values.out ? path.resolve(values.out) : mkdtempSync(path.join(tmpdir(), 'aegis-iac-kics-'));

interface Sample { query_id: string; query_dir: string; file: string; label: string; format: string; features: string[] }
interface Query { query_id: string; query_dir: string; platform: string; aux_files: string[] }
const readJsonl = <T>(f: string): T[] => readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as T);
const samples = readJsonl<Sample>(path.join(corpus, 'manifest.jsonl')).filter((s) => s.file);
const queries = new Map(readJsonl<Query>(path.join(corpus, 'queries.jsonl')).map((q) => [q.query_id, q]));

const scanner = await createIacScanner({ rules: BUILTIN_RULES });
const findings: Finding[] = [];
const parse = new Map<string, { total: number; ok: number }>();
const failures: string[] = [];
const started = performance.now();
for (const s of samples) {
  const q = queries.get(s.query_id);
  if (!q) continue;
  const content = readFileSync(path.join(corpus, s.file), 'utf8');
  const files = [{ path: s.file, content }];
  for (const aux of q.aux_files) {
    const p = path.join(q.query_dir, 'test', aux);
    if (existsSync(path.join(corpus, p))) files.push({ path: p, content: readFileSync(path.join(corpus, p), 'utf8') });
  }
  const scored = !(q.platform === 'Terraform' && s.format !== 'tf');
  const res = scanner.scan(files);
  findings.push(...res.findings.filter((f) => f.file === s.file));
  if (!scored) continue;
  const key = `${q.platform}/${s.format}`;
  const p = parse.get(key) ?? { total: 0, ok: 0 };
  p.total++;
  const recognised = classifyFile(s.file, content) !== undefined || content.trim() === '';
  if (recognised && res.parseErrors.length === 0) p.ok++;
  else failures.push(`${s.file}: ${recognised ? res.parseErrors.map((e) => `${e.line}: ${e.message}`).join('; ') : 'not recognised as IaC'}`);
  parse.set(key, p);
}
const seconds = (performance.now() - started) / 1000;
const jsonl = path.join(outDir, 'findings.jsonl');
// A finding that merges a family of rules at one place (one ingress entry…) reports each of them.
const rows = findings.flatMap((f) => [f.ruleId, ...(f.alsoRules ?? [])].map((rule) => ({ file: f.file, rule, line: f.line, endLine: f.endLine })));
writeFileSync(jsonl, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
writeFileSync(path.join(outDir, 'findings.sarif'), JSON.stringify(toSarif(findings, BUILTIN_RULES), null, 1));

const mapText = readFileSync(values.map, 'utf8');
const mapHash = createHash('sha256').update(mapText).digest('hex').slice(0, 12);
const report = path.join(outDir, 'report.json');
const run = spawnSync(process.execPath, [values.scorer, '--corpus', corpus, '--map', values.map, '--findings', jsonl, '--json', report], { encoding: 'utf8' });
if (run.status !== 0) {
  console.error(run.stderr);
  process.exit(1);
}
const rep = JSON.parse(readFileSync(report, 'utf8')) as { summary: Record<string, Record<string, number | undefined>>; per_query: Array<Record<string, unknown>> };
const map = JSON.parse(mapText) as { mappings: Array<{ kics_id: string; match: string; rules: string[]; exclude_files?: string[] }> };

const pct = (x: number | undefined) => (x === undefined ? '-' : `${(x * 100).toFixed(1)}%`);
const num = (x: number | undefined) => (x === undefined ? '-' : x.toFixed(3));
console.log(`Aegis IaC on ${corpus}`);
console.log(`rules: ${BUILTIN_RULES.length}; map ${values.map} (sha256 ${mapHash}); ${samples.length} samples scanned in ${seconds.toFixed(1)} s`);
let totalQ = 0, mappedQ = 0, exp = 0, hit = 0, negF = 0, negFP = 0, macroSum = 0, macroN = 0;
for (const platform of ['Terraform', 'CloudFormation', 'Kubernetes']) {
  const s = rep.summary[platform];
  if (!s) continue;
  totalQ += s.queries ?? 0;
  mappedQ += s.mapped ?? 0;
  console.log(
    `${platform.padEnd(15)} coverage ${pct(s.coverage)} (${s.mapped}/${s.queries})  resource recall ${num(s.micro_recall_resource)} micro / ${num(s.macro_recall_resource)} macro  exact ${num(s.micro_recall_exact)}  FPR ${num(s.micro_fpr_file)} micro / ${num(s.macro_fpr_file)} macro`,
  );
}
for (const q of rep.per_query) {
  exp += Number(q.expected_locations ?? 0);
  hit += Math.round(Number(q.recall_resource ?? 0) * Number(q.expected_locations ?? 0));
  negF += Number(q.neg_files ?? 0);
  negFP += Number(q.neg_files_with_fp ?? 0);
  if (q.recall_resource !== null && q.recall_resource !== undefined) {
    macroSum += Number(q.recall_resource);
    macroN++;
  }
}
const excluded = map.mappings.reduce((n, m) => n + (m.exclude_files?.length ?? 0), 0);
console.log(
  `ALL             coverage ${pct(mappedQ / Math.max(1, totalQ))} (${mappedQ}/${totalQ})  resource recall ${num(hit / Math.max(1, exp))} micro / ${num(macroSum / Math.max(1, macroN))} macro  FPR ${num(negF ? negFP / negF : undefined)}`,
);
console.log(`excluded samples: ${excluded} of ${samples.length} (${pct(excluded / samples.length)})`);
let pt = 0, po = 0;
for (const [k, v] of [...parse].sort()) {
  pt += v.total;
  po += v.ok;
  console.log(`parse ${k.padEnd(22)} ${v.ok}/${v.total} (${pct(v.ok / v.total)})`);
}
console.log(`parse success ${po}/${pt} (${pct(po / pt)})`);
for (const f of failures.slice(0, 20)) console.log(`  parse failure: ${f}`);
const weak = rep.per_query.filter((q) => Number(q.recall_resource ?? 1) < 1 || Number(q.fpr_file ?? 0) > 0);
if (weak.length) console.log(`queries below recall 1 or above FPR 0: ${weak.length}`);
for (const q of weak) console.log(`  ${String(q.queryName).padEnd(60)} ${q.platform} recall ${q.recall_resource} fpr ${q.fpr_file} rules ${(q.rules as string[]).join(',')}`);
console.log(`outputs: ${outDir}`);
printCheckovCoverage();

/** Checkov checks some Aegis rule of the same framework is mapped to, per framework, from the mapping data. */
function printCheckovCoverage(): void {
  const rows = (['terraform-aws', 'cloudformation', 'kubernetes'] as CoverageFramework[]).map((f) => checkovCoverage(BUILTIN_RULES, f));
  console.log('Checkov coverage (catalog/equivalents/equivalents.json against the checkov-*.tsv snapshots)');
  for (const r of rows) console.log(`  ${r.framework.padEnd(15)} ${String(r.covered).padStart(4)} / ${String(r.checks).padEnd(4)} ${((r.covered / r.checks) * 100).toFixed(1)}%`);
  if (process.env.AEGIS_BENCH_VERBOSE) for (const r of rows) for (const c of r.missing) console.log(`  not covered ${r.framework} ${c.id} ${c.title}`);
}
