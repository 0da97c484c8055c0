/**
 * IaC scanner speed: generates a 10,000-file repository (bench/iac/generate-repo.ts), then prints
 *   - full scan throughput across worker threads (files/s, resources/s) and peak memory,
 *   - the same scan on one thread in-process (the watch/API mode that keeps a cache),
 *   - incremental rescans after one file changes (Kubernetes, Terraform root, shared Terraform module),
 *   - a fresh CLI run (`aegis iac scan`) after a one-file change.
 *
 *   npm run bench:iac:speed [-- --files 10000 --workers 2 --dir .tmp/existing-repo]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { BUILTIN_RULES } from '../src/iac/catalog/index.js';
import { scanParallel } from '../src/iac/engine/parallel.js';
import { createIacScanner } from '../src/iac/engine/scanner.js';
import { listIacFiles, readSources } from '../src/iac/files.js';
import { generateRepo } from './iac/generate-repo.js';

const { values } = parseArgs({ options: { files: { type: 'string' }, workers: { type: 'string' }, dir: { type: 'string' } } });
const workers = Number(values.workers ?? availableParallelism());
const root = values.dir ?? mkdtempSync(path.join(tmpdir(), 'aegis-iac-repo-'));
const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const ms = (t0: number) => performance.now() - t0;

console.log(`load average: ${readFileSync('/proc/loadavg', 'utf8').trim()}  (cores: ${availableParallelism()}, workers: ${workers})`);
if (!values.dir) {
  const t = performance.now();
  const stats = await generateRepo(root, { files: Number(values.files ?? 10_000) });
  console.log(`generated ${fmt(stats.files)} files (${fmt(stats.bytes / 1e6, 1)} MB, median ${fmt(stats.medianBytes)} B; ${stats.terraformDirs} Terraform dirs, ${stats.terraformDirsWithModules} with local modules + for_each; ${stats.cloudformation} CloudFormation; ${stats.kubernetes} multi-doc Kubernetes) in ${fmt(ms(t) / 1000, 1)} s at ${root}`);
}

let t = performance.now();
const rels = await listIacFiles(root);
const files = await readSources(root, rels);
const readMs = ms(t);

t = performance.now();
let cpu = process.cpuUsage();
const parallel = await scanParallel(files, { workers });
const parMs = ms(t);
const parCpu = process.cpuUsage(cpu);
console.log(`parallel scan (${workers} workers): ${fmt(files.length)} files, ${fmt(parallel.stats.resources)} resources, ${fmt(parallel.findings.length)} findings, ${parallel.parseErrors.length} parse errors in ${fmt(parMs / 1000, 2)} s -> ${fmt(files.length / (parMs / 1000))} files/s, ${fmt(parallel.stats.resources / (parMs / 1000))} resources/s (reading files: ${fmt(readMs)} ms more)`);
const cpuSec = (parCpu.user + parCpu.system) / 1e6;
// On a shared machine wall time depends on the neighbours; CPU time does not.
console.log(`  CPU used by the parallel scan: ${fmt(cpuSec, 2)} s -> ${fmt(files.length / cpuSec)} files per CPU-second (${fmt((files.length / cpuSec) * workers)} files/s if ${workers} cores were free)`);

t = performance.now();
cpu = process.cpuUsage();
const scanner = await createIacScanner({ rules: BUILTIN_RULES });
const single = scanner.scan(files);
const singleMs = ms(t);
const singleCpu = process.cpuUsage(cpu);
console.log(`single-thread in-process scan: ${fmt(singleMs / 1000, 2)} s -> ${fmt(files.length / (singleMs / 1000))} files/s, CPU ${fmt((singleCpu.user + singleCpu.system) / 1e6, 2)} s (${fmt(single.findings.length)} findings; same as parallel: ${single.findings.length === parallel.findings.length})`);

// Where worker threads start to pay: one thread vs the workers on growing slices of the tree (the CLI's default
// switches at PARALLEL_MIN_FILES).
for (const n of [500, 2000, 5000].filter((x) => x < files.length)) {
  const slice = files.slice(0, n);
  const t1 = performance.now();
  (await createIacScanner({ rules: BUILTIN_RULES })).scan(slice);
  const one = ms(t1);
  const t2 = performance.now();
  await scanParallel(slice, { workers });
  const many = ms(t2);
  console.log(`  ${fmt(n)} files: one thread ${fmt(n / (one / 1000))} files/s, ${workers} workers ${fmt(n / (many / 1000))} files/s`);
}

/** Edits one file `times` times, rescanning after each edit; prints the median and the worst rescan. */
function rescan(label: string, rel: string, edit: (s: string, n: number) => string, times = 5) {
  const i = files.findIndex((f) => f.path === rel);
  const file = files[i];
  if (!file) throw new Error(`no file ${rel}`);
  const walls: number[] = [];
  const cpus: number[] = [];
  let last = { filesParsed: 0, unitsEvaluated: 0 };
  for (let n = 0; n < times; n++) {
    files[i] = { path: rel, content: edit(file.content, n) };
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    last = scanner.scan(files).stats;
    const c1 = process.cpuUsage(c0);
    walls.push(ms(t0));
    cpus.push((c1.user + c1.system) / 1000);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  console.log(
    `incremental in-process rescan after editing ${label} (${rel}), ${times} edits: median ${fmt(median(walls))} ms wall / ${fmt(median(cpus))} ms CPU, worst ${fmt(Math.max(...walls))} ms wall (files parsed ${last.filesParsed}, units evaluated ${last.unitsEvaluated})`,
  );
}
const k8sFile = rels.find((r) => r.startsWith('k8s/')) ?? '';
const tfFile = rels.find((r) => /^tf\/svc-\d+\/main\.tf$/.test(r)) ?? '';
const modFile = rels.find((r) => r.startsWith('tf/modules/')) ?? '';
rescan('one Kubernetes manifest', k8sFile, (s, n) => `${s}\n# edit ${n}\n`);
rescan('one Terraform root file', tfFile, (s, n) => s.replace('deletion_protection     = true', `deletion_protection     = ${n % 2 === 0}`) + `\n# edit ${n}\n`);
rescan('a shared Terraform module (re-evaluates every caller)', modFile, (s, n) => s.replace('visibility_timeout_seconds = 60', `visibility_timeout_seconds = ${90 + n}`));
const maxRss = process.resourceUsage().maxRSS / 1024;
console.log(`peak memory (max RSS of the process, all threads): ${fmt(maxRss)} MB`);

const bin = path.resolve('backend/bin/aegis.mjs');
const cacheFile = path.join(tmpdir(), `aegis-iac-speed-cache-${process.pid}.json`);
const cli = (extra: string[]) => cliOn(root, extra);
function cliOn(dir: string, extra: string[]): number {
  const t0 = performance.now();
  try {
    execFileSync(process.execPath, [bin, 'iac', 'scan', dir, '--format', 'sarif', '--output', path.join(tmpdir(), 'aegis-iac-speed.sarif'), '--quiet', '--severity-threshold', 'critical', ...extra], { stdio: 'ignore' });
  } catch {
    // exit code 1 means findings at the threshold, which is expected here
  }
  return ms(t0) / 1000;
}
// Start-up (Node, loading the CLI and the rules, the HCL grammar) measured alone on one small file, so a pre-commit
// hook's cost and the scan rate are separate figures.
const tiny = mkdtempSync(path.join(tmpdir(), 'aegis-iac-tiny-'));
writeFileSync(path.join(tiny, 'main.tf'), 'resource "aws_ebs_volume" "v" {\n  encrypted = true\n}\n');
const startups = [0, 1, 2].map(() => cliOn(tiny, []));
const startup = [...startups].sort((a, b) => a - b)[1] ?? 0;
rmSync(tiny, { recursive: true, force: true });
console.log(`CLI start-up: \`aegis iac scan\` on one small file: median ${fmt(startup, 2)} s of 3 runs (${startups.map((x) => fmt(x, 2)).join(', ')} s)`);
const cold = cli(['--cache', cacheFile]);
console.log(`fresh CLI run, cold (full scan, default workers, writes --cache): ${fmt(cold, 2)} s -> ${fmt(files.length / cold)} files/s including start-up, ${fmt(files.length / Math.max(cold - startup, 1e-3))} files/s after start-up`);
writeFileSync(path.join(root, k8sFile), (files.find((f) => f.path === k8sFile)?.content ?? '') + '\n# touched\n');
console.log(`fresh CLI run after a one-file change, with --cache: ${fmt(cli(['--cache', cacheFile]), 2)} s (includes starting Node and loading the CLI)`);
rmSync(cacheFile, { force: true });
if (!values.dir) rmSync(root, { recursive: true, force: true }); // the generated repository is only for this run
