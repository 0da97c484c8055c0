import { isObject, Unknown, UNKNOWN_MARK, type Value } from '../model.js';
import type { CheckFn, Hit } from './rule.js';
import type { ResourceView } from './view.js';

/** Building blocks for data-like rules ("attribute X of kind Y must be Z"); unknown values never fire. */

export const isKnown = (v: Value | undefined): v is Exclude<Value, Unknown> => v !== undefined && !(v instanceof Unknown);
export const isTrue = (v: Value | undefined) => v === true || v === 'true' || v === 'True';
export const isFalse = (v: Value | undefined) => v === false || v === 'false' || v === 'False';
export const asList = (v: Value | undefined): Value[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]);
export const asStrings = (v: Value | undefined): string[] => asList(v).filter((x): x is string => typeof x === 'string');

interface Opts {
  /** When the attribute is absent: fire (default for require*) or not. */
  missing?: 'fail' | 'pass';
  /** The value a machine fix sets. */
  fix?: Value;
}

/** Fires when the attribute is false, or absent unless `missing: 'pass'`. */
export function requireTrue(path: string, message: string, opts: Opts = {}): CheckFn {
  return requireValue(path, isTrue, message, { fix: true, ...opts });
}

/** Fires when the attribute is explicitly true. */
export function forbidTrue(path: string, message: string, opts: Opts = {}): CheckFn {
  return forbidValue(path, isTrue, message, { fix: false, ...opts });
}

/** Fires when the attribute is absent (or null/empty string). */
export function requirePresent(path: string, message: string, opts: Opts = {}): CheckFn {
  return (r) => {
    const v = r.get(path);
    if (v instanceof Unknown) return [];
    if (v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0)) return [hit(path, message, opts.fix)];
    return [];
  };
}

/** Fires when the (known) value fails `good`, or when absent unless `missing: 'pass'`. */
export function requireValue(path: string, good: (v: Value) => boolean, message: string, opts: Opts = {}): CheckFn {
  return (r) => {
    const values = r.all(path);
    if (values.length === 0 || values.every((x) => x.value === null)) {
      return opts.missing === 'pass' ? [] : [hit(path, message, opts.fix)];
    }
    return values.filter((x) => isKnown(x.value) && !good(x.value)).map((x) => hit(x.path, message, opts.fix));
  };
}

/** Fires on each (known) value that matches `bad`. */
export function forbidValue(path: string, bad: (v: Value) => boolean, message: string, opts: Opts = {}): CheckFn {
  return (r) => r.all(path).filter((x) => isKnown(x.value) && bad(x.value)).map((x) => hit(x.path, message, opts.fix));
}

export function hit(path: string, message: string, fix?: Value): Hit {
  return { path, message, ...(fix !== undefined ? { fix: { path, value: fix } } : {}) };
}

/** Runs `check` only when `pred` holds for the resource. */
export function when(pred: (r: ResourceView) => boolean, check: CheckFn): CheckFn {
  return (r, ctx) => (pred(r) ? check(r, ctx) : []);
}

export const oneOf =
  (...allowed: Value[]) =>
  (v: Value) =>
    allowed.some((a) => (typeof a === 'string' && typeof v === 'string' ? a.toLowerCase() === v.toLowerCase() : a === v));

export const atLeast = (n: number) => (v: Value) => Number(v) >= n;

/** IAM policy documents: a JSON string (Terraform) or an object (CloudFormation), normalised to statements. */
export interface Statement {
  effect: string;
  actions: string[];
  notActions: string[];
  resources: string[];
  principals: string[];
  principalWildcard: boolean;
  hasCondition: boolean;
  condition: Value;
  raw: Value;
}

export function policyStatements(doc: Value | undefined): Statement[] | undefined {
  // A JSON policy with unknown interpolations (`"${aws_sqs_queue.q.arn}"`) still has a known structure.
  // The marker is a raw control character, which JSON strings may not hold; escaped, it parses back to itself.
  let v: Value | undefined = doc instanceof Unknown ? doc.text?.split(UNKNOWN_MARK).join('\\u0000unknown\\u0000') : doc;
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v) as Value;
    } catch {
      return undefined;
    }
  }
  if (!isObject(v)) return undefined;
  const list = asList(v.Statement);
  return list.filter(isObject).map((s) => {
    const principal = s.Principal;
    const principals: string[] = [];
    let wildcard = false;
    if (principal === '*') wildcard = true;
    else if (isObject(principal)) {
      for (const [type, val] of Object.entries(principal)) {
        for (const p of asStrings(val)) {
          principals.push(p);
          // A wildcard service principal is not "anyone": only AWS services can assume it.
          if (p.includes('*') && type !== 'Service') wildcard = true;
        }
      }
    }
    return {
      effect: typeof s.Effect === 'string' ? s.Effect : 'Allow',
      actions: asStrings(s.Action),
      notActions: asStrings(s.NotAction),
      resources: asStrings(s.Resource),
      principals,
      principalWildcard: wildcard,
      hasCondition: isObject(s.Condition) && Object.keys(s.Condition).length > 0,
      condition: s.Condition ?? null,
      raw: s,
    };
  });
}

/** True when `pattern` (IAM action glob) grants `action`. */
export function actionMatches(pattern: string, action: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
  return re.test(action);
}

export const grants = (s: Statement, action: string) => s.actions.some((a) => actionMatches(a, action));

const CALLER_KEYS = /^aws:(SourceArn|SourceAccount|SourceOwner|SourceVpce?|PrincipalOrgID|PrincipalAccount|PrincipalArn|PrincipalOrgPaths)$/i;

/** True when the statement's condition pins down who may call (source ARN/account/VPC, organisation); an IP range does not. */
export function restrictsCaller(s: Statement): boolean {
  if (!isObject(s.condition)) return false;
  return Object.values(s.condition).some((c) => isObject(c) && Object.keys(c).some((k) => CALLER_KEYS.test(k)));
}
