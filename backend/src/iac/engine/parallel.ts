import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { SourceFile } from '../model.js';
import { localModuleDir } from '../parsers/index.js';
import type { ScanConfig } from './config.js';
import type { CacheSnapshot, ScanResult, ScanStats } from './scanner.js';

const MODULE_SOURCE = /module\s+"[^"]*"\s*\{[^}]*?source\s*=\s*"(\.{1,2}\/[^"]*)"/gs;

/**
 * Splits files into `n` groups that can be scanned independently: YAML files one by one, Terraform by connected
 * directory groups (a root and every local module it reaches), balanced by size.
 */
export function partitionFiles(files: SourceFile[], n: number): SourceFile[][] {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let r = x;
    while (parent.get(r) !== r && parent.has(r)) r = parent.get(r) ?? r;
    parent.set(x, r);
    return r;
  };
  const union = (a: string, b: string) => {
    if (!parent.has(a)) parent.set(a, a);
    if (!parent.has(b)) parent.set(b, b);
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent.set(ra, rb);
  };
  const dirOf = (p: string) => path.posix.dirname(p.split(path.sep).join('/'));
  const groups = new Map<string, SourceFile[]>();
  for (const f of files) {
    if (!/\.(tf|tfvars)$/.test(f.path)) continue;
    const dir = dirOf(f.path);
    union(dir, dir);
    for (const m of f.content.matchAll(MODULE_SOURCE)) union(dir, localModuleDir(dir, m[1] ?? '.'));
  }
  for (const f of files) {
    const key = /\.(tf|tfvars)$/.test(f.path) ? `tf:${find(dirOf(f.path))}` : `file:${f.path}`;
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  const bins: Array<{ files: SourceFile[]; bytes: number }> = Array.from({ length: Math.max(1, n) }, () => ({ files: [], bytes: 0 }));
  const sized = [...groups.values()].map((g) => ({ g, bytes: g.reduce((s, f) => s + f.content.length, 0) })).sort((a, b) => b.bytes - a.bytes);
  for (const { g, bytes } of sized) {
    const bin = bins.reduce((m, b) => (b.bytes < m.bytes ? b : m));
    bin.files.push(...g);
    bin.bytes += bytes;
  }
  return bins.map((b) => b.files).filter((b) => b.length > 0);
}

export interface WorkerJob {
  files: SourceFile[];
  config: Partial<ScanConfig>;
  /** Return the worker's cache too, so the caller can persist it. */
  withCache?: boolean;
}

const ENTRY = path.join(path.dirname(fileURLToPath(import.meta.url)), 'worker-entry.mjs');

/** Scans across worker threads (one scanner per worker); built-in and YAML rules only. */
export async function scanParallel(
  files: SourceFile[],
  opts: { workers: number; config?: Partial<ScanConfig>; withCache?: boolean },
): Promise<ScanResult & { cache?: CacheSnapshot }> {
  const parts = partitionFiles(files, opts.workers);
  const results = await Promise.all(
    parts.map(
      (part) =>
        new Promise<ScanResult & { cache?: CacheSnapshot }>((resolve, reject) => {
          const worker = new Worker(ENTRY, { workerData: { files: part, config: opts.config ?? {}, withCache: opts.withCache } satisfies WorkerJob });
          worker.once('message', (msg: (ScanResult & { cache?: CacheSnapshot }) | { error: string }) => {
            void worker.terminate();
            if ('error' in msg) reject(new Error(msg.error));
            else resolve(msg);
          });
          worker.once('error', reject);
        }),
    ),
  );
  const stats: ScanStats = { files: 0, iacFiles: 0, resources: 0, units: 0, unitsEvaluated: 0, filesParsed: 0, parseErrors: 0 };
  const merged: ScanResult & { cache?: CacheSnapshot } = { findings: [], suppressed: [], warnings: [], parseErrors: [], stats };
  const caches = results.map((r) => r.cache).filter((c): c is CacheSnapshot => c !== undefined);
  const first = caches[0];
  // Workers scanned disjoint files with the same rules, so their caches merge by concatenation.
  if (first) merged.cache = { ...first, units: caches.flatMap((c) => c.units), files: caches.flatMap((c) => c.files) };
  for (const r of results) {
    merged.findings.push(...r.findings);
    merged.suppressed.push(...r.suppressed);
    merged.warnings.push(...r.warnings);
    merged.parseErrors.push(...r.parseErrors);
    for (const k of Object.keys(stats) as Array<keyof ScanStats>) stats[k] += r.stats[k];
  }
  return merged;
}
