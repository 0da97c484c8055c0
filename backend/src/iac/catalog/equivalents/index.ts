import { readFileSync } from 'node:fs';
import type { Framework } from '../../model.js';
import type { Rule } from '../../engine/rule.js';
import data from './equivalents.json' with { type: 'json' };

/** One rule's equivalents in other scanners (by meaning), or the reason it has none. */
export interface Equivalents {
  checkov?: string[];
  /** KICS query ids (the `id` of a query's metadata.json). */
  kics?: string[];
  trivy?: string[];
  unmapped?: string;
}

export const EQUIVALENTS: Readonly<Record<string, Equivalents>> = data.rules;

export const ID_FORMAT = {
  checkov: /^CKV2?_(AWS|K8S|AZURE|GCP)_\d+$/,
  kics: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
  trivy: /^AVD-(AWS|AZU|GCP|KSV|KCV)-\d{4}$/,
} as const;

/** The rules with their references taken from the mapping data (the data wins over ids written in code). */
export function withEquivalents(rules: Rule[]): Rule[] {
  return rules.map((r) => {
    const e = EQUIVALENTS[r.id];
    if (!e) return r;
    const refs = { ...r.references };
    for (const key of ['checkov', 'kics', 'trivy'] as const) {
      if (e[key]?.length) refs[key] = e[key];
      else delete refs[key];
    }
    return { ...r, references: refs };
  });
}

/** A Checkov check of the catalogue snapshot this mapping is measured against. */
export interface CheckovCheck {
  id: string;
  entities: string[];
  title: string;
}

export type CoverageFramework = 'terraform-aws' | 'cloudformation' | 'kubernetes';
/** Catalogues kept only to validate mapped ids (partial transcriptions, no coverage figure). */
export type CheckedFramework = CoverageFramework | 'terraform-azure' | 'terraform-gcp';

const CATALOGUE_FILE: Record<CheckedFramework, string> = {
  'terraform-aws': 'checkov-terraform-aws.tsv',
  'terraform-azure': 'checkov-terraform-azure.tsv',
  'terraform-gcp': 'checkov-terraform-gcp.tsv',
  cloudformation: 'checkov-cfn.tsv',
  kubernetes: 'checkov-k8s.tsv',
};

export const FRAMEWORK_OF: Record<CoverageFramework, Framework> = {
  'terraform-aws': 'terraform',
  cloudformation: 'cloudformation',
  kubernetes: 'kubernetes',
};

const WORKLOADS = ['CronJob', 'DaemonSet', 'Deployment', 'Job', 'Pod', 'PodTemplate', 'ReplicaSet', 'ReplicationController', 'StatefulSet'];

/** Checkov's checks for one framework, read from the checked-in snapshot (`id<TAB>entities<TAB>title`). */
export function checkovCatalogue(framework: CheckedFramework): CheckovCheck[] {
  const text = readFileSync(new URL(CATALOGUE_FILE[framework], import.meta.url), 'utf8');
  return text
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('#'))
    .map((l) => {
      const [id = '', entities = '', title = ''] = l.split('\t');
      return { id, entities: entities === 'workloads' ? WORKLOADS : entities.split(','), title };
    });
}

export interface CoverageRow {
  framework: CoverageFramework;
  checks: number;
  covered: number;
  /** Checkov ids no Aegis rule of the framework is mapped to. */
  missing: CheckovCheck[];
}

/** How many of Checkov's checks some Aegis rule of the same framework is mapped to. */
export function checkovCoverage(rules: Rule[], framework: CoverageFramework): CoverageRow {
  const checks = checkovCatalogue(framework);
  const fw = FRAMEWORK_OF[framework];
  const mapped = new Set(rules.filter((r) => r.frameworks.includes(fw)).flatMap((r) => EQUIVALENTS[r.id]?.checkov ?? []));
  const missing = checks.filter((c) => !mapped.has(c.id));
  return { framework, checks: checks.length, covered: checks.length - missing.length, missing };
}
