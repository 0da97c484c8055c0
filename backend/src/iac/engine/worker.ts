import { BUILTIN_RULES } from '../catalog/index.js';
import { selectRules } from './config.js';
import { loadCustomRules } from './custom.js';
import type { WorkerJob } from './parallel.js';
import { createIacScanner, type CacheSnapshot, type ScanResult } from './scanner.js';

/** One worker's share of a parallel scan. */
export async function runWorkerJob(job: WorkerJob): Promise<ScanResult & { cache?: CacheSnapshot }> {
  const custom = job.config.rulesDir ? await loadCustomRules(job.config.rulesDir) : [];
  const all = [...BUILTIN_RULES, ...custom];
  const scanner = await createIacScanner({ rules: selectRules(all, job.config), knownRuleIds: all.map((r) => r.id) });
  const result = scanner.scan(job.files);
  return job.withCache ? { ...result, cache: scanner.exportCache() } : result;
}
