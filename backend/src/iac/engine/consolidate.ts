import type { Finding } from '../model.js';

/**
 * Rules that describe one problem from different angles. When several fire at the same place, only the first in the
 * family's order is reported and its message names the others, so one misconfiguration is one finding.
 * `place: 'attribute'` — the same attribute (one ingress entry); `'missing-parent'` — settings of one object that is
 * absent altogether (a bucket without any public-access block), while an object that is there keeps a finding per
 * setting.
 */
export interface RuleFamily {
  rules: string[];
  place: 'attribute' | 'missing-parent';
}

const cfnIngress = ['cfn-sg-ingress-all-protocols', 'cfn-sg-ssh-open', 'cfn-sg-rdp-open', 'cfn-sg-admin-ports-open', 'cfn-sg-ingress-open-to-world', 'cfn-sg-ingress-port-range'];
const tfIngress = ['aws-sg-ingress-all-protocols', 'aws-sg-ssh-open', 'aws-sg-rdp-open', 'aws-sg-sensitive-port-open', 'aws-sg-ssas-open', 'aws-sg-http-open', 'aws-sg-ingress-open-to-world', 'aws-sg-ingress-port-range'];

export const RULE_FAMILIES: RuleFamily[] = [
  { rules: cfnIngress, place: 'attribute' },
  { rules: tfIngress, place: 'attribute' },
  // One public-access-block configuration, four switches: a bucket without it is one finding, as in Terraform.
  {
    rules: ['cfn-s3-bucket-public-acls-allowed', 'cfn-s3-bucket-public-acls-not-ignored', 'cfn-s3-bucket-public-policy-allowed', 'cfn-s3-bucket-public-buckets-unrestricted'],
    place: 'missing-parent',
  },
];

const familyOf = new Map<string, { family: RuleFamily; rank: number }>();
for (const family of RULE_FAMILIES) family.rules.forEach((id, rank) => familyOf.set(id, { family, rank }));

/** Merges the findings of one resource that belong to one family at one place; `has` tells which attributes exist. */
export function consolidate(findings: Finding[], titles: (ruleId: string) => string, has: (path: string) => boolean): Finding[] {
  if (findings.length < 2) return findings;
  const groups = new Map<string, Finding[]>();
  const out: Finding[] = [];
  for (const f of findings) {
    const fam = familyOf.get(f.ruleId);
    const parent = f.at?.split('.').slice(0, -1).join('.') ?? '';
    if (!fam || (fam.family.place === 'missing-parent' && (!parent || has(parent)))) {
      out.push(f);
      continue;
    }
    const key = `${RULE_FAMILIES.indexOf(fam.family)}|${fam.family.place === 'attribute' ? (f.at ?? '') : parent}`;
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  for (const group of groups.values()) {
    const sorted = [...group].sort((a, b) => (familyOf.get(a.ruleId)?.rank ?? 0) - (familyOf.get(b.ruleId)?.rank ?? 0));
    const [first, ...rest] = sorted;
    if (!first) continue;
    const others = [...new Set(rest.map((f) => titles(f.ruleId)))];
    const alsoRules = [...new Set(rest.map((f) => f.ruleId))];
    out.push(others.length ? { ...first, message: `${first.message} (also: ${others.join('; ')})`, alsoRules } : first);
  }
  return out;
}
