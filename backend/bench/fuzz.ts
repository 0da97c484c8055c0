/**
 * Hostile-input fuzzing (issue 9): at least 1,000,000 generated inputs per run across the webhook parsers
 * (Grafana, Alertmanager, GitHub, Slack, signatures), the IaC parsers (Terraform/HCL, Kubernetes YAML,
 * CloudFormation YAML and JSON), the detection CSV reader and the API's query schemas, plus a sample of real
 * HTTP requests against a server. An input that throws anything but a typed error/parse finding is a crash; one
 * taking over 2 s is a hang. Each target runs in a worker thread under a watchdog (so an endless loop or an
 * out-of-memory is reported, not waited on). Prints a table and exits 1 on any crash or hang.
 *
 *   npm run bench:fuzz [-- --inputs 1000000 --http 3000 --seed 42 --only iac --path 1234]
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { HANG_MS, type TargetStats } from './fuzz/target.js';
import { allTargets } from './fuzz/targets.js';
import type { WorkerJob } from './fuzz/worker.js';

const { values } = parseArgs({
  options: {
    inputs: { type: 'string' },
    http: { type: 'string' },
    seed: { type: 'string' },
    only: { type: 'string' },
    path: { type: 'string' },
    'hang-ms': { type: 'string' },
  },
});
const total = Number(values.inputs ?? 1_000_000);
const httpRuns = Number(values.http ?? 3000);
const seed = values.seed !== undefined ? Number(values.seed) : (Date.now() ^ Math.floor(Math.random() * 0x7fffffff)) >>> 0;
const hangMs = Number(values['hang-ms'] ?? HANG_MS);
// No progress for this long: the input never returns (an endless loop); the worker is stopped and it is a hang.
const WATCHDOG_MS = Math.max(20_000, hangMs * 10);
// Loading a target's modules (the whole server for api:http) is not an input: on a loaded machine it takes tens of seconds.
const STARTUP_MS = Math.max(180_000, WATCHDOG_MS);
const ENTRY = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fuzz/worker-entry.mjs');

const targets = allTargets().filter((t) => !values.only || t.name.includes(values.only));
const weightSum = targets.reduce((s, t) => s + t.weight, 0);
const runsOf = (t: { name: string; weight: number }) => (t.weight === 0 ? httpRuns : Math.ceil((total * t.weight) / weightSum));

type Row = Omit<TargetStats, 'rejections'> & { rejections: Array<[string, number]>; seconds: number };

function runInWorker(name: string, numRuns: number, targetSeed: number): Promise<Row> {
  const progress = new SharedArrayBuffer(8);
  const counter = new Int32Array(progress);
  const job: WorkerJob = { name, numRuns, seed: targetSeed, path: values.path, hangMs, progress };
  const t0 = performance.now();
  const base = { name, tried: 0, accepted: 0, rejections: [] as Array<[string, number]>, crashes: 0, hangs: 0, maxMs: 0, seed: targetSeed };
  return new Promise((resolve) => {
    const worker = new Worker(ENTRY, { workerData: job, resourceLimits: { maxOldGenerationSizeMb: 1536 } });
    let last = -1;
    let lastChange = performance.now();
    let done = false;
    const finish = (row: Row) => {
      if (done) return;
      done = true;
      clearInterval(watch);
      resolve(row);
    };
    const where = () => {
      const tried = Atomics.load(counter, 0);
      return { tried, repro: `npm run bench:fuzz -- --only ${name} --seed ${targetSeed} --path ${tried}` };
    };
    const watch = setInterval(() => {
      const now = Atomics.load(counter, 1);
      if (now !== last) {
        last = now;
        lastChange = performance.now();
      } else if (performance.now() - lastChange > (now === 0 ? STARTUP_MS : WATCHDOG_MS)) {
        const { tried, repro } = where();
        void worker.terminate();
        finish({ ...base, tried, hangs: 1, maxMs: performance.now() - lastChange, seconds: (performance.now() - t0) / 1000, failure: `input #${tried} did not return within ${WATCHDOG_MS / 1000} s; replay it with: ${repro}` });
      }
    }, 1000);
    worker.on('message', (m: Row) => finish({ ...m, seconds: (performance.now() - t0) / 1000 }));
    worker.on('error', (err) => {
      const { tried, repro } = where();
      finish({ ...base, tried, crashes: 1, seconds: (performance.now() - t0) / 1000, failure: `the worker died on input #${tried} (${(err as Error).message}); replay it with: ${repro}` });
    });
    worker.on('exit', (code) => {
      const { tried, repro } = where();
      finish({ ...base, tried, crashes: code === 0 ? 0 : 1, seconds: (performance.now() - t0) / 1000, failure: code === 0 ? 'the worker exited without a result' : `the worker exited with ${code} on input #${tried}; replay it with: ${repro}` });
    });
  });
}

const fmt = (n: number) => n.toLocaleString('en-US');
console.log(`load average: ${readFileSync('/proc/loadavg', 'utf8').trim()}  (cores: ${availableParallelism()})`);
console.log(`seed ${seed}; ${fmt(total)} inputs across ${targets.filter((t) => t.weight > 0).length} targets + ${fmt(httpRuns)} HTTP requests; hang = one input over ${hangMs} ms`);
const rows: Row[] = [];
const started = performance.now();
for (const [i, t] of targets.entries()) {
  // One seed per target, derived from the run's seed, so `--only` reproduces a target exactly.
  const targetSeed = (seed + i * 0x9e3779b1) >>> 0;
  // Replaying one input (--path) runs only that input.
  const row = await runInWorker(t.name, values.path ? 1 : runsOf(t), values.only ? seed : targetSeed);
  rows.push(row);
  console.log(`  ${t.name}: ${fmt(row.tried)} inputs in ${row.seconds.toFixed(1)} s${row.crashes || row.hangs ? ' — FAILED' : ''}`);
}

const header = ['target', 'inputs', 'accepted', 'rejected', 'crashes', 'hangs', 'max ms/input', 'seconds'];
const table = rows.map((r) => {
  const rejected = r.rejections.reduce((s, [, n]) => s + n, 0);
  return [r.name, fmt(r.tried), fmt(r.accepted), fmt(rejected), String(r.crashes), String(r.hangs), r.maxMs.toFixed(1), r.seconds.toFixed(1)];
});
const sum = (f: (r: Row) => number) => rows.reduce((s, r) => s + f(r), 0);
table.push([
  'TOTAL',
  fmt(sum((r) => r.tried)),
  fmt(sum((r) => r.accepted)),
  fmt(sum((r) => r.rejections.reduce((s, [, n]) => s + n, 0))),
  String(sum((r) => r.crashes)),
  String(sum((r) => r.hangs)),
  Math.max(0, ...rows.map((r) => r.maxMs)).toFixed(1),
  ((performance.now() - started) / 1000).toFixed(1),
]);
const widths = header.map((h, c) => Math.max(h.length, ...table.map((row) => row[c]!.length)));
const line = (cells: string[]) => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
console.log('');
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const [i, row] of table.entries()) {
  if (i === table.length - 1) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  console.log(line(row));
}

console.log('\nrejections by reason (top 5 per target):');
for (const r of rows) {
  const top = [...r.rejections].sort((a, b) => b[1] - a[1]).slice(0, 5);
  if (!top.length) continue;
  console.log(`  ${r.name}`);
  for (const [reason, n] of top) console.log(`    ${fmt(n).padStart(9)}  ${reason}`);
  if (r.rejections.length > 5) console.log(`    ${' '.repeat(9)}  … ${r.rejections.length - 5} more reasons`);
}

const failures = rows.filter((r) => r.failure);
for (const r of failures) console.log(`\nFAILURE in ${r.name} (seed ${r.seed}):\n${r.failure}`);
console.log(failures.length ? `\n${failures.length} target(s) crashed or hung` : '\nno crash, no hang');
process.exit(failures.length ? 1 : 0);
