import { stat } from 'node:fs/promises';
import { setPriority } from 'node:os';
import path from 'node:path';
import { AegisError } from '../platform/errors.js';
import type { ApiScanJob, ApiScanReply } from './api-scan.js';
import { extractTar } from './archive.js';
import { listIacFiles, readConfined } from './files.js';
import type { SourceFile } from './model.js';

class Refusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const tooMany = (max: number) => new Refusal(413, `more than ${max} IaC files in one scan: split it, or scan it with the CLI (aegis iac scan)`);
const tooBig = (max: number) => new Refusal(413, `more than ${max} bytes of IaC files in one scan: split it, or scan it with the CLI (aegis iac scan)`);

/** Inside the worker: collect the files under the caps, scan them with the server's rules, cap the findings. */
export async function runApiScanJob(job: ApiScanJob): Promise<ApiScanReply> {
  try {
    // Linux nices threads one by one: the scan yields the CPU to the server's event loop (health, API).
    try {
      setPriority(19);
    } catch {
      // not permitted here: scan at normal priority
    }
    const files = await collect(job);
    // The engine loads only once the input passed its caps: a refused upload costs little.
    const [{ createExtensionRegistries, loadExtensions }, { silentLogger }, { createIacScanner }, { registerBuiltinRules, rulesFromRegistry }] = await Promise.all([
      import('../extensions/index.js'),
      import('../platform/logger.js'),
      import('./engine/scanner.js'),
      import('./index.js'),
    ]);
    const registries = createExtensionRegistries();
    registerBuiltinRules(registries);
    if (job.extensionsDir) await loadExtensions(job.extensionsDir, registries, silentLogger);
    const scanner = await createIacScanner({ rules: rulesFromRegistry(registries) });
    const result = scanner.scan(files);
    if (result.findings.length > job.limits.maxFindings)
      throw new Refusal(422, `the scan found ${result.findings.length} findings, more than the ${job.limits.maxFindings} one request may store: scan a smaller set`);
    return { ok: true, result };
  } catch (err) {
    if (err instanceof Refusal) return { ok: false, status: err.status, message: err.message };
    if (err instanceof AegisError) return { ok: false, status: err.status === 413 ? 413 : 400, message: err.message };
    throw err;
  }
}

async function collect({ input, limits }: ApiScanJob): Promise<SourceFile[]> {
  if (input.kind === 'files') return capped(input.files, limits);
  if (input.kind === 'archive') {
    const data = Buffer.from(input.base64, 'base64');
    if (!data.length) throw new Refusal(400, 'archive is empty or not base64');
    return capped(extractTar(data, { maxFiles: limits.maxFiles, maxBytes: limits.maxBytes }), limits);
  }
  const info = await stat(input.root);
  const base = info.isFile() ? path.dirname(input.root) : input.root;
  const rels = await listIacFiles(input.root);
  if (rels.length > limits.maxFiles) throw tooMany(limits.maxFiles);
  const out: SourceFile[] = [];
  let bytes = 0;
  for (const rel of rels) {
    const size = (await stat(path.join(base, rel)).catch(() => undefined))?.size ?? 0;
    if ((bytes += size) > limits.maxBytes) throw tooBig(limits.maxBytes);
    const file = await readConfined(base, rel);
    if (file && file.size <= limits.maxBytes) out.push({ path: rel, content: file.content });
  }
  return out;
}

function capped(files: SourceFile[], limits: ApiScanJob['limits']): SourceFile[] {
  if (files.length > limits.maxFiles) throw tooMany(limits.maxFiles);
  let bytes = 0;
  for (const f of files) if ((bytes += Buffer.byteLength(f.content)) > limits.maxBytes) throw tooBig(limits.maxBytes);
  return files;
}
