import type { Category, Framework, Severity } from '../model.js';
import { defineRule, type CheckFn, type Rule, type RuleReferences } from '../engine/rule.js';

/** Compact rule declaration: the fields every rule needs, with fixtures in the framework's own format. */
export interface RuleDecl {
  title: string;
  desc: string;
  sev: Severity;
  cat: Category;
  kinds: string[];
  check: CheckFn;
  fix: string;
  pass: string[];
  fail: string[];
  refs?: RuleReferences;
  /** KICS query directory names this rule is equivalent to (resolved to ids by the corpus map builder). */
  kics?: string[];
  compliance?: string[];
}

function declare(framework: Framework, id: string, d: RuleDecl): Rule {
  return defineRule(framework, {
    id,
    title: d.title,
    description: d.desc,
    severity: d.sev,
    category: d.cat,
    kinds: d.kinds,
    references: { ...d.refs, ...(d.kics ? { kics: d.kics } : {}) },
    compliance: d.compliance ?? [],
    remediation: d.fix,
    check: d.check,
    fixtures: { pass: d.pass, fail: d.fail },
  });
}

export const tf = (id: string, d: RuleDecl) => declare('terraform', id, d);
export const cf = (id: string, d: RuleDecl) => declare('cloudformation', id, d);
export const k8 = (id: string, d: RuleDecl) => declare('kubernetes', id, d);

/**
 * Fixtures are written as JSON, which is YAML too: every rule builds its fixtures when the catalog loads, and
 * YAML's stringifier made that a fifth of a one-file scan's start-up.
 */
const fixtureText = (doc: unknown) => `${JSON.stringify(doc, null, 2)}\n`;

/** A CloudFormation template holding the given resources. */
export function cfnTemplate(resources: Record<string, { Type: string; Properties?: unknown; [k: string]: unknown }>): string {
  return fixtureText({ AWSTemplateFormatVersion: '2010-09-09', Resources: resources });
}

/** One resource of the given type in a template (the usual fixture). */
export const cfnRes = (type: string, props: Record<string, unknown> = {}, extra: Record<string, { Type: string; Properties?: unknown }> = {}) =>
  cfnTemplate({ Res: { Type: type, Properties: props }, ...extra });

/** Kubernetes manifests (multi-document). */
export const k8sDocs = (...docs: unknown[]) => docs.map(fixtureText).join('---\n');

/** A Deployment whose pod spec is the given one. */
export function deployment(podSpec: Record<string, unknown>, meta: Record<string, unknown> = {}, spec: Record<string, unknown> = {}): string {
  return k8sDocs({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'shop', ...meta },
    spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, ...spec, template: { metadata: { labels: { app: 'web' } }, spec: podSpec } },
  });
}

/** A container with everything a hardened one has; tests override the field under test. */
export function goodContainer(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'app',
    image: 'registry.example.com/app@sha256:0f0e3e7b3c1a7f6d2f44d3f3c9a1b2e5d6c7f8091a2b3c4d5e6f708192a3b4c5',
    imagePullPolicy: 'Always',
    securityContext: {
      runAsNonRoot: true,
      runAsUser: 10001,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      privileged: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    },
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
    livenessProbe: { httpGet: { path: '/healthz', port: 8080 } },
    readinessProbe: { httpGet: { path: '/ready', port: 8080 } },
    ...over,
  };
}

export const goodPod = (over: Record<string, unknown> = {}, container: Record<string, unknown> = {}) => ({
  serviceAccountName: 'web',
  automountServiceAccountToken: false,
  securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
  containers: [goodContainer(container)],
  ...over,
});
