/**
 * Builds kics-map.json from the KICS query ids in the catalogue mapping (catalog/equivalents/equivalents.json, applied
 * to each rule's references.kics) plus the hand-kept overrides in kics-map-overrides.json (match type, excluded samples
 * with reasons, notes). Ids of queries the corpus does not hold are skipped.
 *
 *   node --import tsx backend/bench/iac/build-kics-map.ts --corpus ../shared/data/kics
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { BUILTIN_RULES } from '../../src/iac/catalog/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({ options: { corpus: { type: 'string' } } });
if (!values.corpus) throw new Error('--corpus is required');
const PLATFORM = { terraform: 'Terraform', cloudformation: 'CloudFormation', kubernetes: 'Kubernetes' } as const;
const queries = readFileSync(path.join(values.corpus, 'queries.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { query_id: string; query_dir: string; platform: string; queryName: string });
const overrides = JSON.parse(readFileSync(path.join(here, 'kics-map-overrides.json'), 'utf8')) as Record<string, { match?: string; exclude_files?: string[]; note?: string }>;
const byKey = new Map<string, { kics_id: string; kics_name: string; platform: string; rules: string[] }>();
const missing: string[] = [];
for (const rule of BUILTIN_RULES) {
  for (const id of rule.references.kics ?? []) {
    const platform = PLATFORM[rule.frameworks[0] ?? 'terraform'];
    const q = queries.find((x) => x.query_id === id);
    if (!q || q.platform !== platform) {
      missing.push(`${rule.id} -> ${platform}/${id}${q ? ` (a ${q.platform} query)` : ''}`);
      continue;
    }
    const entry = byKey.get(q.query_id) ?? { kics_id: q.query_id, kics_name: q.queryName, platform, rules: [] };
    entry.rules.push(rule.id);
    byKey.set(q.query_id, entry);
  }
}
const mappings = [...byKey.values()]
  .sort((a, b) => a.platform.localeCompare(b.platform) || a.kics_name.localeCompare(b.kics_name))
  .map((m) => {
    const dir = queries.find((q) => q.query_id === m.kics_id)?.query_dir.split('/').pop() ?? '';
    // Overrides by query id, or by `dir:<prefix>*` for a family of queries.
    const family = Object.entries(overrides).find(([k]) => k.startsWith('dir:') && k.endsWith('*') && dir.startsWith(k.slice(4, -1)))?.[1];
    const o = overrides[m.kics_id] ?? family ?? {};
    return { ...m, match: o.match ?? 'exact', exclude_files: o.exclude_files ?? [], note: o.note ?? 'rule checks the same attribute(s) as the query' };
  });
writeFileSync(path.join(here, 'kics-map.json'), JSON.stringify({ version: 1, generated_from: 'catalog/equivalents/equivalents.json (kics) + kics-map-overrides.json', mappings }, null, 1) + '\n');
console.log(`mapped ${mappings.length} queries from ${BUILTIN_RULES.length} rules`);
for (const m of missing) console.log(`  not in corpus: ${m}`);
