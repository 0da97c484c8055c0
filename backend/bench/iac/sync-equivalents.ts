/**
 * Keeps catalog/equivalents/equivalents.json in step with the rules: adds the KICS query ids of the query directories a
 * rule names in code (`kics: [...]`, resolved through the corpus) and a TODO entry for each new rule, which the review
 * test rejects until someone maps it (Checkov/Trivy ids by meaning) or states why it has no equivalent.
 *
 *   node --import tsx backend/bench/iac/sync-equivalents.ts --corpus ../shared/data/kics
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { DECLARED_RULES } from '../../src/iac/catalog/index.js';
import { EQUIVALENTS, type Equivalents } from '../../src/iac/catalog/equivalents/index.js';

const { values } = parseArgs({ options: { corpus: { type: 'string' } } });
if (!values.corpus) throw new Error('--corpus is required');
const PLATFORM = { terraform: 'Terraform', cloudformation: 'CloudFormation', kubernetes: 'Kubernetes' } as const;
const queries = readFileSync(`${values.corpus}/queries.jsonl`, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { query_id: string; query_dir: string; platform: string });
const file = fileURLToPath(new URL('../../src/iac/catalog/equivalents/equivalents.json', import.meta.url));
const rules: Record<string, Equivalents> = {};
const added: string[] = [];
for (const rule of DECLARED_RULES) {
  const e: Equivalents = { ...EQUIVALENTS[rule.id] };
  const platform = PLATFORM[rule.frameworks[0] ?? 'terraform'];
  const ids = (rule.references.kics ?? []).flatMap((dir) => queries.filter((q) => q.platform === platform && q.query_dir.split('/').pop() === dir).map((q) => q.query_id));
  const kics = [...new Set([...(e.kics ?? []), ...ids])];
  if (kics.length) e.kics = kics;
  if (e.kics?.length || e.checkov?.length || e.trivy?.length) delete e.unmapped;
  else if (!e.unmapped) {
    e.unmapped = 'TODO: map to Checkov/KICS/Trivy by meaning or say why none exists';
    added.push(rule.id);
  }
  rules[rule.id] = e;
}
const doc = JSON.parse(readFileSync(file, 'utf8')) as { version: number; about: string };
const lines = Object.keys(rules).sort().map((id) => `  ${JSON.stringify(id)}: ${JSON.stringify(rules[id]).replace(/","/g, '", "').replace(/":/g, '": ').replace(/\],"/g, '], "')}`);
writeFileSync(file, `{\n "version": ${doc.version},\n "about": ${JSON.stringify(doc.about)},\n "rules": {\n${lines.join(',\n')}\n }\n}\n`);
console.log(`${Object.keys(rules).length} rules; new entries to review: ${added.length ? added.join(', ') : 'none'}`);
