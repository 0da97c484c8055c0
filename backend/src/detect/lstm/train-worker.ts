/**
 * Worker-thread entry: trains one group model off the main thread, so the API never stalls while the
 * LSTM learns (training on the main thread lags the event loop by up to ~170 ms per batch).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { silentLogger } from '../../platform/logger.js';
import { selectTfBackend, type TfBackend } from './backend.js';
import { type LstmOptions, trainForecaster } from './model.js';

interface Job {
  series: Float64Array[];
  options: LstmOptions;
  prefer?: TfBackend;
}

async function run(job: Job) {
  const tf = await import('@tensorflow/tfjs');
  const backend = await selectTfBackend(tf, { prefer: job.prefer, logger: silentLogger });
  const result = await trainForecaster(tf, job.series, job.options);
  return { ...result, backend };
}

run(workerData as Job).then(
  (result) => parentPort?.postMessage({ ok: true, result }),
  (err: unknown) => parentPort?.postMessage({ ok: false, error: err instanceof Error ? err.message : String(err) }),
);
