// Worker thread entry of an API scan: registers tsx (workers do not inherit the loader) and runs the job.
import { register } from 'tsx/esm/api';
import { parentPort, workerData } from 'node:worker_threads';

register();
try {
  const { runApiScanJob } = await import('./api-scan-worker.ts');
  parentPort?.postMessage(await runApiScanJob(workerData));
} catch (err) {
  // Only the message crosses: stacks stay in the server (no paths in any response).
  parentPort?.postMessage({ ok: false, status: 500, message: err instanceof Error ? err.message : String(err) });
}
