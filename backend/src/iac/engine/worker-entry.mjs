// Worker thread entry: runs one scan job. In the compiled backend (backend/dist) worker.js sits beside this file;
// when running the TypeScript sources, tsx is registered first (workers do not inherit the loader).
import { existsSync } from 'node:fs';
import { URL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';

try {
  const compiled = new URL('./worker.js', import.meta.url);
  let worker;
  if (existsSync(compiled)) worker = await import(compiled.href);
  else {
    const { register } = await import('tsx/esm/api');
    register();
    worker = await import('./worker.ts');
  }
  parentPort?.postMessage(await worker.runWorkerJob(workerData));
} catch (err) {
  parentPort?.postMessage({ error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
}
