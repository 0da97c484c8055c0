// POST /iac/scan's work, off the event loop: a worker thread per request collects the files (an uploaded
// archive, a confined server path or the posted files), scans them and answers within a deadline, under
// caps on files, bytes and findings. A hostile upload costs a worker, never the API's liveness.
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { AegisError, ForbiddenError, InputError, PayloadTooLargeError, RateLimitError } from '../platform/errors.js';
import type { ScanResult } from './engine/scanner.js';
import type { SourceFile } from './model.js';

export interface ApiScanLimits {
  /** IaC files per request (413 past it). */
  maxFiles: number;
  /** Bytes of IaC file content per request, and of a decompressed archive (413 past it). */
  maxBytes: number;
  /** Findings per request (422 past it: nothing is stored). */
  maxFindings: number;
  /** Wall-clock budget of one scan (422 past it: the worker is terminated). */
  deadlineMs: number;
  /** Scans running at once; more are refused with 429. */
  concurrency: number;
}

export const DEFAULT_API_SCAN_LIMITS: ApiScanLimits = {
  maxFiles: 5_000,
  maxBytes: 50 * 1024 * 1024,
  maxFindings: 10_000,
  deadlineMs: 60_000,
  concurrency: 2,
};

export type ApiScanInput = { kind: 'files'; files: SourceFile[] } | { kind: 'archive'; base64: string } | { kind: 'path'; root: string };

/** What the worker is handed: the input, the caps, and where the extension rules come from. */
export interface ApiScanJob {
  input: ApiScanInput;
  limits: Pick<ApiScanLimits, 'maxFiles' | 'maxBytes' | 'maxFindings'>;
  extensionsDir?: string;
}

export type ApiScanReply = { ok: true; result: ScanResult } | { ok: false; status: number; message: string };

/** A scan refused past a cap or its deadline: the request was well-formed but too much to process. */
export class ScanLimitError extends AegisError {
  readonly status = 422;
  readonly code = 'scan_limit';
}

const ENTRY = path.join(path.dirname(fileURLToPath(import.meta.url)), 'api-scan-worker-entry.mjs');

/** Parses AEGIS_IAC_ROOTS: folders separated by commas (or the platform's path delimiter). */
export function parseIacRoots(value: string | undefined): string[] {
  return (value ?? '')
    .split(new RegExp(`[,${path.delimiter === ';' ? ';' : ':'}]`))
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => path.resolve(s));
}

const inside = (root: string, p: string) => p === root || p.startsWith(root.endsWith(path.sep) ? root : root + path.sep);

/**
 * The real path of `requested` if it lies under one of the roots after symlinks are resolved. Every refusal
 * has one message, whether or not the path exists, so the endpoint is no oracle for the server's files.
 */
export async function confineToRoots(requested: string, roots: string[]): Promise<string> {
  const refused = () =>
    new ForbiddenError(
      roots.length
        ? 'path is not a readable file or folder under the configured AEGIS_IAC_ROOTS'
        : 'server paths are not scannable here: AEGIS_IAC_ROOTS is not set (upload an archive or files instead)',
    );
  if (!roots.length || !path.isAbsolute(requested)) throw refused();
  const lexical = path.resolve(requested);
  const realRoots = (await Promise.all(roots.map((r) => realpath(r).catch(() => undefined)))).filter((r): r is string => !!r);
  if (!realRoots.some((r) => inside(r, lexical) || roots.some((root) => inside(root, lexical)))) throw refused();
  const real = await realpath(lexical).catch(() => undefined);
  if (!real || !realRoots.some((r) => inside(r, real))) throw refused();
  const info = await stat(real).catch(() => undefined);
  if (!info || !(info.isFile() || info.isDirectory())) throw refused();
  return real;
}

export interface ApiScanner {
  scan(input: ApiScanInput): Promise<ScanResult>;
}

/**
 * Runs each scan in a worker thread, terminated at the deadline; at most `concurrency` at once. A worker that
 * finished in time is kept (one, idle and unref'd) for the next scan, so the engine loads once, not per request.
 */
export function createApiScanner(opts: { limits?: Partial<ApiScanLimits>; extensionsDir?: string } = {}): ApiScanner {
  const limits = { ...DEFAULT_API_SCAN_LIMITS, ...opts.limits };
  let running = 0;
  let idle: Worker | undefined;
  const take = () => {
    const worker = idle ?? spawnWorker(() => (idle === worker ? (idle = undefined) : undefined));
    if (idle === worker) idle = undefined;
    worker.ref();
    return worker;
  };
  const giveBack = (worker: Worker) => {
    if (idle) return void worker.terminate();
    worker.unref();
    idle = worker;
  };
  return {
    async scan(input) {
      if (running >= limits.concurrency) throw new RateLimitError(`${running} IaC scans are already running: retry shortly`, 5);
      running++;
      try {
        return await runInWorker(take(), { input, limits, extensionsDir: opts.extensionsDir }, limits.deadlineMs, giveBack);
      } finally {
        running--;
      }
    },
  };
}

function spawnWorker(onExit: () => void): Worker {
  const worker = new Worker(ENTRY, { resourceLimits: { maxOldGenerationSizeMb: 1024 } });
  worker.once('exit', onExit);
  return worker;
}

function runInWorker(worker: Worker, job: ApiScanJob, deadlineMs: number, giveBack: (w: Worker) => void): Promise<ScanResult> {
  return new Promise<ScanResult>((resolve, reject) => {
    const settle = (outcome: () => void, reusable: boolean) => {
      clearTimeout(timer);
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExitEarly);
      if (reusable) giveBack(worker);
      else void worker.terminate();
      outcome();
    };
    const onMessage = (reply: ApiScanReply) =>
      settle(() => (reply.ok ? resolve(reply.result) : reject(errorFor(reply.status, reply.message))), reply.ok || reply.status !== 500);
    const onError = (err: Error) =>
      settle(
        () =>
          reject(
            /ERR_WORKER_OUT_OF_MEMORY/.test(String((err as { code?: string }).code))
              ? new ScanLimitError('the scan needed more memory than a scan may use; scan fewer or smaller files')
              : err,
          ),
        false,
      );
    const onExitEarly = (code: number) => settle(() => reject(new Error(`IaC scan worker exited with code ${code}`)), false);
    const timer = setTimeout(
      () => settle(() => reject(new ScanLimitError(`the scan did not finish within its ${Math.round(deadlineMs / 1000)} s deadline; scan fewer or smaller files`)), false),
      deadlineMs,
    );
    worker.on('message', onMessage);
    worker.once('error', onError);
    worker.once('exit', onExitEarly);
    worker.postMessage(job);
  });
}

function errorFor(status: number, message: string): Error {
  if (status === 413) return new PayloadTooLargeError(message);
  if (status === 422) return new ScanLimitError(message);
  if (status === 400) return new InputError(message);
  return new Error(message);
}
