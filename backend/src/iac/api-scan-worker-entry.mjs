// Worker thread entry of API scans: registers tsx (workers do not inherit the loader), then runs the jobs
// it is sent, one at a time (the server sends one and waits, or terminates the worker at the deadline).
import { register } from 'tsx/esm/api';
import { parentPort } from 'node:worker_threads';

register();
const { runApiScanJob } = await import('./api-scan-worker.ts');
parentPort?.on('message', (job) => {
  runApiScanJob(job).then(
    (reply) => parentPort?.postMessage(reply),
    // Only the message crosses: stacks stay in the server (no paths in any response).
    (err) => parentPort?.postMessage({ ok: false, status: 500, message: err instanceof Error ? err.message : String(err) }),
  );
});
