/**
 * Detection throughput: `npm run bench:detect -- [--series 10000] [--points 1440] [--workers 2] [--lstm-hidden 16]`
 *
 * Every detector scores every point of every synthetic series (no striding, no sampling); the work is
 * split over worker threads (one per core). Then the full ensemble — the previous default (plus the isolation
 * forest, as the README's earlier row) and the current default in the same run — and batched LSTM inference over all series, LSTM training time per group model,
 * peak memory, and the own isolation forest against `ml-isolation-forest`. `--detectors-only` stops after
 * the per-detector figures.
 */
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { DEFAULT_PIPELINE, fitForest, type PipelineConfigInput, scoreRows } from '../src/detect/index.js';
import { DEFAULT_LSTM, loadTensorflow, normOf, scoreGroup, trainInWorker } from '../src/detect/lstm/index.js';
import { createLogger } from '../src/platform/logger.js';
import { type Job, syntheticSeries } from './detect-work.js';

const { values: args } = parseArgs({
  options: {
    series: { type: 'string', default: '10000' },
    points: { type: 'string', default: '1440' },
    workers: { type: 'string', default: String(Math.min(2, availableParallelism())) },
    'lstm-hidden': { type: 'string', default: String(DEFAULT_LSTM.hidden) },
    'lstm-batch': { type: 'string', default: '10000' },
    /** Only the per-detector figures (a quick rerun when the machine is busy). */
    'detectors-only': { type: 'boolean', default: false },
  },
});
/** The default before issue 16 (chosen on all NAB files), kept here only to compare throughput in one run. */
const PREVIOUS_DEFAULT: PipelineConfigInput = {
  members: [
    { detector: 'zscore', params: { window: 4000 } },
    { detector: 'mad', params: { window: 256 }, input: 'diff' },
    { detector: 'mad', params: { window: 512 } },
    { detector: 'ewma', params: { alpha: 0.02 }, smooth: 10 },
    { detector: 'seasonal', params: {} },
    { detector: 'knn', params: {}, weight: 2 },
    { detector: 'context', params: {} },
    { detector: 'context', params: { order: 6, levels: 8 } },
  ],
  calibration: { forget: 0.0003 },
};
/** The default before ARTime joined it (5 members, the README's row before), to compare in one run. */
const DEFAULT_BEFORE_ARTIME: PipelineConfigInput = {
  ...DEFAULT_PIPELINE,
  members: DEFAULT_PIPELINE.members.filter((m) => m.detector !== 'artime'),
};
const SERIES = Number(args.series);
const POINTS = Number(args.points);
const WORKERS = Number(args.workers);
const HIDDEN = Number(args['lstm-hidden']);
const LSTM_BATCH = Number(args['lstm-batch']);
const TOTAL = SERIES * POINTS;

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

function runWorker(job: Job, from: number, to: number): Promise<{ points: number; seconds: number }> {
  const entry = new URL('./detect-worker.ts', import.meta.url).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
  const worker = new Worker(boot, { eval: true, workerData: { job, from, to, length: POINTS } });
  return new Promise((resolve, reject) => {
    worker.once('message', (m: { points: number; seconds: number }) => {
      void worker.terminate();
      resolve(m);
    });
    worker.once('error', reject);
  });
}

/** Splits the series over the workers; throughput = all points / the slowest worker's scoring time. */
async function parallel(job: Job): Promise<{ pps: number; seconds: number }> {
  const per = Math.ceil(SERIES / WORKERS);
  const parts = await Promise.all(
    Array.from({ length: WORKERS }, (_v, w) => runWorker(job, w * per, Math.min(SERIES, (w + 1) * per))),
  );
  const points = parts.reduce((a, p) => a + p.points, 0);
  const seconds = Math.max(...parts.map((p) => p.seconds));
  return { pps: points / seconds, seconds };
}

function auc(scores: Float64Array, labels: Uint8Array): number {
  const idx = Array.from(scores.keys()).sort((a, b) => (scores[a] ?? 0) - (scores[b] ?? 0));
  let rankSum = 0;
  let pos = 0;
  idx.forEach((i, r) => {
    if (labels[i]) {
      rankSum += r + 1;
      pos++;
    }
  });
  const neg = labels.length - pos;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

async function forestComparison() {
  let s = 12345;
  const gauss = () => {
    s = (Math.imul(s ^ (s >>> 15), 2246822519) + 0x9e3779b9) >>> 0;
    const u = (s + 1) / 4294967297;
    s = (Math.imul(s ^ (s >>> 13), 3266489917) + 0x27d4eb2f) >>> 0;
    const v = (s + 1) / 4294967297;
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
  const d = 8;
  const train = Float64Array.from({ length: 10_000 * d }, gauss);
  const test = Float64Array.from({ length: 100_000 * d }, gauss);
  const labels = new Uint8Array(100_000);
  for (let i = 0; i < 100_000; i += 100) {
    labels[i] = 1;
    for (let k = 0; k < 3; k++) test[i * d + k] = (test[i * d + k] ?? 0) + ((i / 100) % 2 ? 4 : -4);
  }
  let t = performance.now();
  const forest = fitForest(train, d, { trees: 100, sampleSize: 256, seed: 1 });
  const fitOwn = (performance.now() - t) / 1000;
  t = performance.now();
  const own = scoreRows(forest, test);
  const scoreOwn = (performance.now() - t) / 1000;
  const rows = (a: Float64Array, n: number) =>
    Array.from({ length: n }, (_v, i) => Array.from(a.subarray(i * d, (i + 1) * d)));
  const { IsolationForest } = (await import('ml-isolation-forest')) as unknown as {
    IsolationForest: new (o: { nEstimators: number }) => {
      train(x: number[][]): void;
      predict(x: number[][]): number[];
    };
  };
  const ml = new IsolationForest({ nEstimators: 100 });
  const trainRows = rows(train, 10_000);
  const testRows = rows(test, 100_000);
  t = performance.now();
  ml.train(trainRows);
  const fitMl = (performance.now() - t) / 1000;
  t = performance.now();
  const mlScores = Float64Array.from(ml.predict(testRows));
  const scoreMl = (performance.now() - t) / 1000;
  console.log(
    '\nisolation forest: fit 10,000×8 Gaussian rows (100 trees), score 100,000 rows with 1% shifted ±4σ in 3 dims',
  );
  console.log(
    `  own typed-array forest (ψ=256, seeded)  fit ${fitOwn.toFixed(3)} s  score ${scoreOwn.toFixed(2)} s  AUC ${auc(own, labels).toFixed(4)}`,
  );
  console.log(
    `  ml-isolation-forest 0.1.0               fit ${fitMl.toFixed(3)} s  score ${scoreMl.toFixed(2)} s  AUC ${auc(mlScores, labels).toFixed(4)}`,
  );
}

async function lstmFigures() {
  const logger = createLogger({ level: 'warn' });
  const options = { ...DEFAULT_LSTM, hidden: HIDDEN };
  const group = Array.from({ length: 100 }, (_v, i) => syntheticSeries(i * 97, POINTS).values);
  const trained = await trainInWorker(group, options);
  console.log(
    `\nLSTM(${HIDDEN}) group model: trained in a worker on ${trained.sequences} sequences × ${options.seqLen} steps ` +
      `from 100 series, ${options.epochs} epochs: ${trained.seconds.toFixed(1)} s (${trained.backend}), final loss ${trained.loss.toFixed(4)}`,
  );
  const { tf, backend } = await loadTensorflow({ prefer: trained.backend, logger });
  let seconds = 0;
  for (let start = 0; start < SERIES; start += LSTM_BATCH) {
    const batch = Array.from(
      { length: Math.min(LSTM_BATCH, SERIES - start) },
      (_v, i) => syntheticSeries(start + i, POINTS).values,
    );
    const norms = batch.map(normOf);
    const t = performance.now();
    scoreGroup(tf, trained.weights, batch, norms);
    seconds += (performance.now() - t) / 1000;
  }
  console.log(
    `LSTM batched streaming inference (${backend}, batch ${LSTM_BATCH} series, one cell step per point): ${fmt(TOTAL / seconds)} points/s (${seconds.toFixed(1)} s for ${fmt(TOTAL)} points)`,
  );
  return seconds;
}

async function main() {
  console.log(
    `workload: ${fmt(SERIES)} synthetic series × ${fmt(POINTS)} points = ${fmt(TOTAL)} points; ${WORKERS} worker threads; ` +
      `load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')} on ${availableParallelism()} cores`,
  );
  console.log('\nper detector (default params, every point scored):');
  for (const id of ['zscore', 'mad', 'ewma', 'seasonal', 'context', 'knn', 'iforest', 'cad', 'spatial', 'artime']) {
    const r = await parallel({ kind: 'detector', id });
    console.log(`  ${id.padEnd(10)} ${fmt(r.pps).padStart(13)} points/s   (${r.seconds.toFixed(2)} s)`);
  }
  if (args['detectors-only']) return;
  // The previous default, as the README's table measured it (8 members + the isolation forest), in the same run.
  const previous: PipelineConfigInput = { ...PREVIOUS_DEFAULT, members: [...PREVIOUS_DEFAULT.members, { detector: 'iforest', params: {} }] };
  const before = await parallel({ kind: 'pipeline', config: previous });
  console.log(
    `\nprevious default + isolation forest (9 members; the README's earlier row): ${fmt(before.pps)} points/s (${before.seconds.toFixed(1)} s)`,
  );
  const beforeArtime = await parallel({ kind: 'pipeline', config: DEFAULT_BEFORE_ARTIME });
  console.log(`the default before ARTime joined it (5 members): ${fmt(beforeArtime.pps)} points/s (${beforeArtime.seconds.toFixed(1)} s)`);
  const pipe = await parallel({ kind: 'pipeline', config: DEFAULT_PIPELINE });
  console.log(
    `full ensemble per series, the default pipeline (${DEFAULT_PIPELINE.members.length} members, calibrated, voted, probability, post-rules): ${fmt(pipe.pps)} points/s (${pipe.seconds.toFixed(1)} s) = ${(pipe.pps / before.pps).toFixed(2)}× the previous, ${(pipe.pps / beforeArtime.pps).toFixed(2)}× the default before ARTime`,
  );
  const lstmSeconds = await lstmFigures();
  const total = pipe.seconds + lstmSeconds;
  console.log(
    `\nfull ensemble incl. batched LSTM: ${fmt(TOTAL / total)} points/s overall ` +
      `(${total.toFixed(1)} s: per-series members ${pipe.seconds.toFixed(1)} s, LSTM ${lstmSeconds.toFixed(1)} s = ${((100 * lstmSeconds) / total).toFixed(0)}% of the time)`,
  );
  await forestComparison();
  const rss = process.resourceUsage().maxRSS / 1024;
  console.log(
    `\npeak memory (max RSS of the process incl. workers): ${rss.toFixed(0)} MB; load average now ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
