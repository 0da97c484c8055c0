import { z } from 'zod';
import { SEVERITIES, type Severity } from '../model.js';
import type { Rule } from './rule.js';

/** Scan configuration: rule packs, severity overrides, disabled rules. Read from `.aegis-iac.yaml` or passed in. */
export const scanConfigSchema = z.object({
  packs: z.array(z.string()).default([]),
  severity: z.record(z.string(), z.enum(SEVERITIES as [Severity, ...Severity[]])).default({}),
  disable: z.array(z.string()).default([]),
  rulesDir: z.string().optional(),
});
export type ScanConfig = z.infer<typeof scanConfigSchema>;

export interface RulePack {
  id: string;
  description: string;
  includes(rule: Rule): boolean;
}

/** Built-in packs; `all` is the default. */
export const PACKS: RulePack[] = [
  { id: 'all', description: 'every rule', includes: () => true },
  { id: 'security', description: 'security rules only', includes: (r) => r.category === 'security' },
  { id: 'reliability', description: 'reliability, performance and cost rules', includes: (r) => r.category !== 'security' },
  { id: 'terraform', description: 'Terraform rules', includes: (r) => r.frameworks.includes('terraform') },
  { id: 'cloudformation', description: 'CloudFormation rules', includes: (r) => r.frameworks.includes('cloudformation') },
  { id: 'kubernetes', description: 'Kubernetes rules', includes: (r) => r.frameworks.includes('kubernetes') },
  { id: 'cis', description: 'rules that support a CIS benchmark control', includes: (r) => r.compliance.some((c) => c.startsWith('CIS')) },
  { id: 'soc2', description: 'rules that support a SOC 2 control', includes: (r) => r.compliance.some((c) => c.startsWith('SOC2')) },
  { id: 'gdpr', description: 'rules that support a GDPR article', includes: (r) => r.compliance.some((c) => c.startsWith('GDPR')) },
  { id: 'high', description: 'critical and high severity rules', includes: (r) => r.severity === 'critical' || r.severity === 'high' },
];

/** The rules a configuration selects, with severity overrides applied. */
export function selectRules(rules: Rule[], config: Partial<ScanConfig> = {}): Rule[] {
  const packs = (config.packs?.length ? config.packs : ['all']).map((id) => {
    const p = PACKS.find((x) => x.id === id);
    if (!p) throw new Error(`unknown rule pack "${id}" (known: ${PACKS.map((x) => x.id).join(', ')})`);
    return p;
  });
  const disabled = new Set(config.disable ?? []);
  const overrides = config.severity ?? {};
  return rules
    .filter((r) => !disabled.has(r.id) && packs.some((p) => p.includes(r)))
    .map((r) => (overrides[r.id] ? { ...r, severity: overrides[r.id] as Severity } : r));
}
