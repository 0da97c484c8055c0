import { inspect } from 'node:util';
import { parentPort, workerData } from 'node:worker_threads';
import { fuzzTarget } from './target.js';
import { allTargets } from './targets.js';

export interface WorkerJob {
  name: string;
  numRuns: number;
  seed: number;
  path?: string;
  hangMs: number;
  /** Int32Array over a SharedArrayBuffer: [0] = inputs tried so far, [1] = inputs run (shrinking included), for the parent's watchdog. */
  progress: SharedArrayBuffer;
}

/** One line, as JSON when it can be (so it can be pasted into a regression test). */
function printable(input: unknown): string {
  try {
    const text = JSON.stringify(input);
    if (text !== undefined) return text.length > 20_000 ? `${text.slice(0, 20_000)}… (${text.length} chars)` : text;
  } catch {
    /* too deep for JSON: inspect it */
  }
  return inspect(input, { depth: 6, maxStringLength: 2000, breakLength: Infinity });
}

const job = workerData as WorkerJob;
const counter = new Int32Array(job.progress);
const target = allTargets().find((t) => t.name === job.name);
if (!target) throw new Error(`no fuzz target ${job.name}`);
await target.setup?.();
let shown = false;
try {
  const stats = await fuzzTarget(target, {
    numRuns: job.numRuns,
    seed: job.seed,
    path: job.path,
    hangMs: job.hangMs,
    onProgress: (n) => Atomics.store(counter, 0, n),
    onBeat: () => Atomics.add(counter, 1, 1),
    // Replaying one input (--path): show it first, so an input that never returns is still seen.
    onInput: job.path
      ? (input) => {
          if (!shown) console.log(`input: ${printable(input)}`);
          shown = true;
        }
      : undefined,
  });
  parentPort?.postMessage({ ...stats, rejections: [...stats.rejections] });
} finally {
  await target.teardown?.();
}
