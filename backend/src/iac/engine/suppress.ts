import type { Resource } from '../model.js';
import type { Rule } from './rule.js';

/**
 * Suppression keys on `Resource.suppressed`: an Aegis rule id; `checkov:<id>` / `cfn_nag:<id>` / `kics:<id>` until
 * resolved to Aegis rules; `line:<n>` for every rule at line n; `*` for every rule on the resource.
 */
export const ANY_RULE = '*';
export const lineKey = (line: number) => `line:${line}`;

export interface InlineSuppression {
  line: number;
  rule: string;
  reason: string;
  /** `resource`: inside it or on the line above; `next-line`: findings on the following line; `file`: every resource. */
  scope: 'resource' | 'next-line' | 'file';
}

export interface ScanWarning {
  file: string;
  line: number;
  message: string;
}

const COMMENT = /(?:#|\/\/)[ \t]*(aegis:ignore=|checkov:skip=|kics-scan[ \t]+)([^\n]*)/g;

/** Suppression comments: `aegis:ignore=<rule> <reason>`, `checkov:skip=<CKV_ID>:<reason>`, `kics-scan ignore-line|ignore-block|ignore|disable=<ids>`. */
export function inlineSuppressions(content: string): InlineSuppression[] {
  if (!/aegis:ignore=|checkov:skip=|kics-scan/.test(content)) return [];
  const out: InlineSuppression[] = [];
  const lineStarts: number[] = [0];
  for (let i = 0; i < content.length; i++) if (content.charCodeAt(i) === 10) lineStarts.push(i + 1);
  const lineOf = (at: number) => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((lineStarts[mid] ?? 0) <= at) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
  for (const m of content.matchAll(COMMENT)) {
    const line = lineOf(m.index ?? 0);
    const rest = (m[2] ?? '').trim();
    if (m[1] === 'aegis:ignore=') {
      const [, rule = '', reason = ''] = /^([A-Za-z0-9_-]*)\s*(.*)$/.exec(rest) ?? [];
      out.push({ line, rule, reason: reason.trim(), scope: 'resource' });
    } else if (m[1] === 'checkov:skip=') {
      // Custom policy ids carry a UUID (`CKV_CUSTOM_a12f9ef1-…`), hyphens included.
      const [, id = '', reason = ''] = /^([A-Za-z0-9_-]*)(?::(.*))?$/s.exec(rest) ?? [];
      out.push({ line, rule: `checkov:${id}`, reason: reason.trim(), scope: 'resource' });
    } else {
      const [word = ''] = rest.split(/\s+/);
      if (word === 'ignore-line') out.push({ line, rule: ANY_RULE, reason: 'kics-scan ignore-line', scope: 'next-line' });
      else if (word === 'ignore-block') out.push({ line: line + 1, rule: ANY_RULE, reason: 'kics-scan ignore-block', scope: 'resource' });
      else if (word === 'ignore') out.push({ line, rule: ANY_RULE, reason: 'kics-scan ignore', scope: 'file' });
      else if (word.startsWith('disable='))
        for (const id of word.slice('disable='.length).split(',').filter(Boolean)) out.push({ line, rule: `kics:${id}`, reason: 'kics-scan disable', scope: 'file' });
    }
  }
  return out;
}

/** Attaches comment suppressions to the resources they cover. */
export function applyInline(resources: Resource[], byFile: Map<string, InlineSuppression[]>): void {
  for (const r of resources) {
    const list = byFile.get(r.file);
    if (!list) continue;
    for (const s of list) {
      if (s.scope === 'file') r.suppressed.set(s.rule, s.reason);
      else if (s.scope === 'next-line') {
        if (s.line + 1 >= r.span.line && s.line + 1 <= r.span.endLine) r.suppressed.set(lineKey(s.line + 1), s.reason);
      } else if (s.line >= r.span.line - 1 && s.line <= r.span.endLine) r.suppressed.set(s.rule, s.reason);
    }
  }
}

/** cfn_nag rule ids with an Aegis rule of the same meaning (cfn_nag's own rule list); other ids are reported, not guessed. */
export const CFN_NAG_EQUIVALENTS: Readonly<Record<string, string[]>> = {
  W2: ['cfn-sg-ingress-open-to-world'],
  W5: ['cfn-sg-egress-open-to-world'],
  W27: ['cfn-sg-ingress-port-range'],
  W40: ['cfn-sg-egress-all-protocols'],
  W42: ['cfn-sg-ingress-all-protocols'],
  W33: ['cfn-subnet-public-ip-on-launch'],
  W35: ['cfn-s3-bucket-logging-disabled'],
  W41: ['cfn-s3-bucket-encryption-disabled'],
  W60: ['cfn-vpc-flow-logs-disabled'],
  F1: ['cfn-ebs-volume-unencrypted'],
};

export interface SuppressionCatalog {
  /** Every rule id a suppression may name (also rules not selected for this scan). */
  known: Set<string>;
  /** Checkov check id → Aegis rules listing it. */
  checkov: Map<string, string[]>;
}

export function suppressionCatalog(rules: Rule[], extraKnown: Iterable<string> = []): SuppressionCatalog {
  const checkov = new Map<string, string[]>();
  for (const r of rules) for (const id of r.references.checkov ?? []) checkov.set(id, [...(checkov.get(id) ?? []), r.id]);
  return { known: new Set([...rules.map((r) => r.id), ...extraKnown]), checkov };
}

/**
 * Turns the suppressions on each resource into Aegis rule ids: other tools' ids through their equivalents, and every
 * suppression that cannot be honoured (no reason, unknown rule, no equivalent) into a warning instead.
 */
export function resolveSuppressions(resources: Resource[], catalog: SuppressionCatalog): ScanWarning[] {
  const warnings = new Map<string, ScanWarning>();
  const warn = (r: Resource, message: string) => {
    const w = { file: r.file, line: r.span.line, message };
    warnings.set(`${w.file}|${w.line}|${message}`, w);
  };
  for (const r of resources) {
    if (!r.suppressed.size) continue;
    const resolved = new Map<string, string>();
    for (const [key, raw] of r.suppressed) {
      const reason = raw.trim();
      if (key === ANY_RULE || key.startsWith('line:')) {
        resolved.set(key, reason);
        continue;
      }
      if (!reason) {
        warn(r, `suppression of ${key} on ${r.address} has no reason; ignored`);
        continue;
      }
      const [tool, id = ''] = key.includes(':') ? key.split(/:(.*)/s) : ['aegis', key];
      const ids =
        tool === 'checkov' ? catalog.checkov.get(id) : tool === 'cfn_nag' ? CFN_NAG_EQUIVALENTS[id] : tool === 'aegis' && catalog.known.has(id) ? [id] : undefined;
      if (ids?.length) for (const ruleId of ids) resolved.set(ruleId, reason);
      else if (tool === 'aegis') warn(r, `unknown rule id "${id}" in a suppression on ${r.address}; ignored`);
      else warn(r, `no Aegis rule is equivalent to ${tool === 'kics' ? 'KICS query' : tool === 'checkov' ? 'Checkov' : tool} ${id}; its suppression on ${r.address} is ignored`);
    }
    r.suppressed = resolved;
  }
  return [...warnings.values()];
}
