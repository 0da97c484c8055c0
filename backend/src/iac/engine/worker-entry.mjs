// Worker thread entry: registers tsx (workers do not inherit the loader) and runs one scan job.
import { register } from 'tsx/esm/api';
import { parentPort, workerData } from 'node:worker_threads';

register();
try {
  const { runWorkerJob } = await import('./worker.ts');
  parentPort?.postMessage(await runWorkerJob(workerData));
} catch (err) {
  parentPort?.postMessage({ error: err instanceof Error ? err.stack ?? err.message : String(err) });
}
