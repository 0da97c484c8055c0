import type { ExtensionRegistries } from '../extensions/index.js';
import { BUILTIN_RULES } from './catalog/index.js';
import { selectRules, type ScanConfig } from './engine/config.js';
import type { Rule } from './engine/rule.js';
import { createIacScanner, type IacScanner, type ScanResult } from './engine/scanner.js';
import type { SourceFile } from './model.js';

export * from './model.js';
export { BUILTIN_RULES } from './catalog/index.js';
export { PACKS, scanConfigSchema, selectRules, type ScanConfig } from './engine/config.js';
export { customRule, customRuleSchema, loadCustomRules } from './engine/custom.js';
export type { Rule, RuleMeta, Hit, RuleContext } from './engine/rule.js';
export { createIacScanner, type CacheSnapshot, type IacScanner, type ScanResult, type ScanStats } from './engine/scanner.js';
export { listIacFiles, readSources } from './files.js';
export { toSarif } from './output/sarif.js';
export { toText } from './output/text.js';
export { applyBaseline, toJsonReport } from './output/json.js';

/** Registers the built-in rules in the shared rule registry (user modules add theirs the same way). */
export function registerBuiltinRules(registries: Pick<ExtensionRegistries, 'iacRules'>): void {
  for (const rule of BUILTIN_RULES) registries.iacRules.register({ ...rule });
}

/** Rules from the registry (built-in + modules + YAML) that look like rules. */
export function rulesFromRegistry(registries: Pick<ExtensionRegistries, 'iacRules'>): Rule[] {
  return registries.iacRules.list().filter((r): r is typeof r & Rule => typeof r.check === 'function' && Array.isArray(r.frameworks)) as Rule[];
}

/** Scans a set of in-memory files (e.g. a pull request's changed files) with the given or built-in rules. */
export async function scanFiles(files: SourceFile[], opts: { rules?: Rule[]; config?: Partial<ScanConfig>; scanner?: IacScanner } = {}): Promise<ScanResult> {
  const scanner = opts.scanner ?? (await createIacScanner({ rules: selectRules(opts.rules ?? BUILTIN_RULES, opts.config) }));
  return scanner.scan(files);
}
export { iacRoutes } from './routes.js';
export { confineToRoots, createApiScanner, parseIacRoots, ScanLimitError, type ApiScanLimits } from './api-scan.js';
export { createIacFindingStore, type IacFindingStore, type StoredFinding } from './store.js';
export { extractTar } from './archive.js';
export { applyFixes } from './engine/fix.js';
export { scanParallel, partitionFiles } from './engine/parallel.js';
