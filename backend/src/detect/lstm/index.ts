import type * as tfjs from '@tensorflow/tfjs';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../../platform/logger.js';
import { selectTfBackend, type TfBackend } from './backend.js';
import type { LstmOptions, TrainResult } from './model.js';

export * from './backend.js';
export * from './model.js';

export type TfModule = typeof tfjs;

/** Loads TensorFlow.js once and picks its backend (logged), for inference in this thread. */
export async function loadTensorflow(opts: {
  prefer?: TfBackend;
  logger: Logger;
}): Promise<{ tf: TfModule; backend: TfBackend }> {
  const tf = await import('@tensorflow/tfjs');
  const backend = await selectTfBackend(tf, opts);
  return { tf, backend };
}

/** Trains a group model in a worker thread; the caller's event loop stays free. */
export function trainInWorker(
  series: Float64Array[],
  options: LstmOptions,
  prefer?: TfBackend,
  signal?: AbortSignal,
): Promise<TrainResult & { backend: TfBackend }> {
  const entry = new URL(import.meta.url.endsWith('.ts') ? './train-worker.ts' : './train-worker.js', import.meta.url);
  // The sources run as TypeScript through tsx; the worker registers the same loader before loading its entry.
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); });`;
  const worker = new Worker(boot, { eval: true, workerData: { series, options, prefer } });
  return new Promise((resolve, reject) => {
    // Shutdown does not wait for a model nobody will use: the worker is terminated.
    signal?.addEventListener('abort', () => {
      void worker.terminate();
      reject(new Error('LSTM training aborted'));
    });
    worker.once(
      'message',
      (msg: { ok: true; result: TrainResult & { backend: TfBackend } } | { ok: false; error: string }) => {
        void worker.terminate();
        if (msg.ok) resolve(msg.result);
        else reject(new Error(`LSTM training failed: ${msg.error}`));
      },
    );
    worker.once('error', (err) => {
      void worker.terminate();
      reject(err);
    });
  });
}
export * from './group.js';
export { lstmDetector } from './detector.js';
