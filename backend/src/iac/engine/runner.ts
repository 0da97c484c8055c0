import { isObject, Unknown, type Finding, type Framework, type Resource, type Value } from '../model.js';
import { consolidate } from './consolidate.js';
import { ANY_RULE, lineKey } from './suppress.js';
import type { Rule, RuleContext } from './rule.js';
import { getPath, viewOf } from './view.js';

/** Rules indexed by framework and kind so each resource meets only the rules that read it. */
export interface RuleIndex {
  rules: Rule[];
  forResource(framework: Framework, kind: string): Rule[];
}

export function indexRules(rules: Rule[]): RuleIndex {
  const byKey = new Map<string, Rule[]>();
  const wildcard = new Map<Framework, Rule[]>();
  for (const r of rules)
    for (const fw of r.frameworks) {
      for (const k of r.kinds) {
        if (k === '*') wildcard.set(fw, [...(wildcard.get(fw) ?? []), r]);
        else byKey.set(`${fw}|${k}`, [...(byKey.get(`${fw}|${k}`) ?? []), r]);
      }
    }
  const cache = new Map<string, Rule[]>();
  return {
    rules,
    forResource(framework, kind) {
      const key = `${framework}|${kind}`;
      let list = cache.get(key);
      if (!list) {
        list = [...(byKey.get(key) ?? []), ...(wildcard.get(framework) ?? [])];
        cache.set(key, list);
      }
      return list;
    },
  };
}

function refersTo(v: Value | undefined, target: Resource): boolean {
  if (v === undefined || v === null) return false;
  if (Array.isArray(v)) return v.some((x) => refersTo(x, target));
  if (v instanceof Unknown) {
    const ref = v.ref ?? '';
    if (target.framework === 'terraform') {
      const local = `${target.kind}.${target.name}`;
      return ref === local || ref.startsWith(`${local}.`);
    }
    return ref === target.name || ref.startsWith(`${target.name}.`);
  }
  if (typeof v === 'string') {
    const names = ['bucket', 'name', 'id', 'function_name', 'arn'].map((k) => target.attrs[k]).filter((x) => typeof x === 'string');
    return names.includes(v) || (target.framework === 'cloudformation' && v === target.name);
  }
  if (isObject(v)) return Object.values(v).some((x) => refersTo(x, target));
  return false;
}

export function ruleContext(resources: readonly Resource[]): RuleContext {
  return {
    resources,
    referencing(target, kind, attr) {
      const kinds = Array.isArray(kind) ? kind : [kind];
      const attrs = Array.isArray(attr) ? attr : [attr];
      return resources.filter((r) => r !== target && kinds.includes(r.kind) && attrs.some((a) => refersTo(getPath(r.attrs, a), target)));
    },
    resolve(value, kind) {
      const kinds = Array.isArray(kind) ? kind : [kind];
      return value === undefined ? [] : resources.filter((r) => kinds.includes(r.kind) && refersTo(value, r));
    },
  };
}

export interface RunResult {
  findings: Finding[];
  suppressed: Array<{ finding: Finding; reason: string }>;
}

/** Runs every applicable rule over the resources of one scan unit. */
export function runRules(resources: readonly Resource[], index: RuleIndex): RunResult {
  const ctx = ruleContext(resources);
  const findings: Finding[] = [];
  const suppressed: RunResult['suppressed'] = [];
  const titles = (id: string) => index.rules.find((r) => r.id === id)?.title ?? id;
  for (const res of resources) {
    const rules = index.forResource(res.framework, res.kind);
    if (!rules.length) continue;
    const view = viewOf(res);
    const own: Finding[] = [];
    for (const rule of rules) {
      let hits;
      try {
        hits = rule.check(view, ctx);
      } catch (err) {
        hits = [{ message: `rule failed: ${err instanceof Error ? err.message : String(err)}` }];
      }
      for (const h of hits) {
        const span = h.at ?? view.span(h.path);
        const finding: Finding = {
          ruleId: rule.id,
          title: rule.title,
          severity: h.severity ?? rule.severity,
          category: rule.category,
          framework: res.framework,
          file: res.file,
          line: span.line,
          endLine: span.endLine,
          resource: res.address,
          kind: res.kind,
          resourceLine: res.span.line,
          resourceEndLine: res.span.endLine,
          message: h.message,
          remediation: rule.remediation,
          ...(h.fix ? { fix: h.fix } : {}),
          ...(h.path ? { at: h.path } : {}),
        };
        own.push(finding);
      }
    }
    for (const finding of consolidate(own, titles, (p) => res.pos.has(p))) {
      const reason = res.suppressed.get(finding.ruleId) ?? res.suppressed.get(lineKey(finding.line)) ?? res.suppressed.get(ANY_RULE);
      if (reason) suppressed.push({ finding, reason });
      else findings.push(finding);
    }
  }
  return { findings, suppressed };
}
