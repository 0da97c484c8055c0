import type { Category, FixPatch, Framework, Resource, Severity, Span, Value } from '../model.js';
import type { ResourceView } from './view.js';

/** Equivalent checks in other scanners and standards, for cross-reference and the compliance report. */
export interface RuleReferences {
  cis?: string[];
  cwe?: string[];
  checkov?: string[];
  kics?: string[];
  trivy?: string[];
  kubeLinter?: string[];
  polaris?: string[];
  docs?: string[];
}

/** One violation a rule reports on a resource. */
export interface Hit {
  /** Attribute path the problem is at (or would be added at); its line is reported. */
  path?: string;
  message: string;
  /** An explicit line, e.g. a CloudFormation parameter default the value came from. */
  at?: Span;
  fix?: FixPatch;
  /** This hit's severity when it differs from the rule's (e.g. lower when the source is a private network). */
  severity?: Severity;
}

export interface RuleContext {
  /** Every resource of the same scan unit (a Terraform root with its modules, a template, a manifest file). */
  resources: readonly Resource[];
  /** Resources of `kind` whose `attr` points at `target` (by reference or by name). */
  referencing(target: Resource, kind: string | string[], attr: string | string[]): Resource[];
  /** Resources of `kind` that `value` (a reference or a name) points at. */
  resolve(value: Value | undefined, kind: string | string[]): Resource[];
}

export interface RuleFixtures {
  /** Sources (in the rule's framework format) on which the rule must not fire. */
  pass: string[];
  /** Sources on which the rule must fire. */
  fail: string[];
}

export interface RuleMeta {
  /** `<platform>-<subject>-<problem>`, kebab-case, stable. */
  id: string;
  title: string;
  description: string;
  severity: Severity;
  category: Category;
  frameworks: Framework[];
  /** Resource kinds the rule reads; `*` for every kind of its frameworks. */
  kinds: string[];
  references: RuleReferences;
  /** Compliance controls it supports: `CIS-AWS-1.5:2.1.1`, `CIS-K8S-1.8:5.2.2`, `SOC2:CC6.1`, `GDPR:Art32`. */
  compliance: string[];
  /** What to change; ends with '.'. */
  remediation: string;
}

export interface Rule extends RuleMeta {
  check(r: ResourceView, ctx: RuleContext): Hit[];
  fixtures: RuleFixtures;
  /** Built-in, custom YAML, or a user module. */
  origin?: 'builtin' | 'yaml' | 'module';
}

export type CheckFn = (r: ResourceView, ctx: RuleContext) => Hit[];

/** Shape used when declaring rules: references and compliance optional. */
export type RuleSpec = Omit<RuleMeta, 'references' | 'compliance' | 'frameworks'> & {
  references?: RuleReferences;
  compliance?: string[];
  check: CheckFn;
  fixtures: RuleFixtures;
};

export function defineRule(framework: Framework, spec: RuleSpec): Rule {
  return { ...spec, frameworks: [framework], references: spec.references ?? {}, compliance: spec.compliance ?? [], origin: 'builtin' };
}

export type { Value };
