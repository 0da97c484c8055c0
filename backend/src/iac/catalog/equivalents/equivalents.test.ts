import { describe, expect, it } from 'vitest';
import { BUILTIN_RULES, DECLARED_RULES } from '../index.js';
import { checkovCatalogue, checkovCoverage, EQUIVALENTS, ID_FORMAT, type CheckedFramework, type CoverageFramework } from './index.js';

const FRAMEWORKS: CoverageFramework[] = ['terraform-aws', 'cloudformation', 'kubernetes'];
const PARTIAL: CheckedFramework[] = ['terraform-azure', 'terraform-gcp'];
const catalogueOf = (rule: (typeof BUILTIN_RULES)[number]): CheckedFramework | undefined => {
  if (rule.frameworks.includes('cloudformation')) return 'cloudformation';
  if (rule.frameworks.includes('kubernetes')) return 'kubernetes';
  // Terraform rules are named after their provider: aws-…, azure-…, gcp-….
  if (rule.id.startsWith('azure-')) return 'terraform-azure';
  if (rule.id.startsWith('gcp-')) return 'terraform-gcp';
  return rule.id.startsWith('aws-') ? 'terraform-aws' : undefined;
};

describe('the catalogue mapping (equivalents.json)', () => {
  it('maps every rule, or says why it has no equivalent, and names no unknown rule', () => {
    const ids = new Set(BUILTIN_RULES.map((r) => r.id));
    const problems: string[] = [];
    for (const r of BUILTIN_RULES) {
      const e = EQUIVALENTS[r.id];
      if (!e) {
        problems.push(`${r.id}: no entry (run backend/bench/iac/sync-equivalents.ts)`);
        continue;
      }
      const mapped = (e.checkov?.length ?? 0) + (e.kics?.length ?? 0) + (e.trivy?.length ?? 0);
      if (mapped === 0 && !(e.unmapped && e.unmapped.length >= 20 && !e.unmapped.startsWith('TODO'))) problems.push(`${r.id}: neither mapped nor explicitly unmapped with a reason`);
      if (mapped > 0 && e.unmapped) problems.push(`${r.id}: both mapped and unmapped`);
    }
    for (const id of Object.keys(EQUIVALENTS)) if (!ids.has(id)) problems.push(`${id}: entry for a rule that does not exist`);
    expect(problems).toEqual([]);
  });

  it('uses well-formed ids, each once per rule', () => {
    const problems: string[] = [];
    for (const [rule, e] of Object.entries(EQUIVALENTS)) {
      for (const key of ['checkov', 'kics', 'trivy'] as const) {
        const list = e[key] ?? [];
        if (new Set(list).size !== list.length) problems.push(`${rule}: duplicate ${key} id`);
        for (const id of list) if (!ID_FORMAT[key].test(id)) problems.push(`${rule}: malformed ${key} id ${id}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("names only Checkov checks of the rule's own framework that exist in the catalogue snapshot", () => {
    const known = new Map([...FRAMEWORKS, ...PARTIAL].map((f) => [f, new Set(checkovCatalogue(f).map((c) => c.id))]));
    const problems: string[] = [];
    for (const r of BUILTIN_RULES) {
      const cat = catalogueOf(r);
      for (const id of EQUIVALENTS[r.id]?.checkov ?? []) {
        if (!cat) problems.push(`${r.id}: Checkov id ${id} but no snapshot of its provider to check it against`);
        else if (!known.get(cat)?.has(id)) problems.push(`${r.id}: ${id} is not a ${cat} check in the snapshot`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('keeps a KICS id for every rule that names a KICS query in code', () => {
    const missing = DECLARED_RULES.filter((r) => (r.references.kics?.length ?? 0) > 0 && !(EQUIVALENTS[r.id]?.kics?.length)).map((r) => r.id);
    expect(missing).toEqual([]);
  });

  it('applies the data to the rules it exports', () => {
    const rule = BUILTIN_RULES.find((r) => r.id === 'k8s-pod-host-pid');
    expect(rule?.references.checkov).toEqual(['CKV_K8S_17']);
    expect(rule?.references.kics?.every((id) => ID_FORMAT.kics.test(id))).toBe(true);
  });
});

describe('the Checkov catalogue snapshots', () => {
  it.each(FRAMEWORKS)('%s parses into unique well-formed checks with entities and titles', (f) => {
    const checks = checkovCatalogue(f);
    expect(checks.length).toBeGreaterThan(100);
    expect(new Set(checks.map((c) => c.id)).size).toBe(checks.length);
    for (const c of checks) {
      expect(c.id).toMatch(ID_FORMAT.checkov);
      expect(c.entities.length, c.id).toBeGreaterThan(0);
      expect(c.title.length, c.id).toBeGreaterThan(10);
    }
  });

  it.each(PARTIAL)('%s (partial, mapped checks only) parses into unique well-formed checks of its provider', (f) => {
    const checks = checkovCatalogue(f);
    expect(checks.length).toBeGreaterThan(30);
    expect(new Set(checks.map((c) => c.id)).size).toBe(checks.length);
    for (const c of checks) {
      expect(c.id).toMatch(f === 'terraform-azure' ? /^CKV2?_AZURE_\d+$/ : /^CKV2?_GCP_\d+$/);
      expect(c.entities.every((e) => e.startsWith(f === 'terraform-azure' ? 'azurerm_' : 'google_')), c.id).toBe(true);
      expect(c.title.length, c.id).toBeGreaterThan(10);
    }
  });

  it('computes coverage as mapped checks over all checks', () => {
    const row = checkovCoverage(BUILTIN_RULES, 'kubernetes');
    expect(row.covered + row.missing.length).toBe(row.checks);
    expect(row.missing.some((c) => c.id === 'CKV_K8S_17')).toBe(false);
  });
});
