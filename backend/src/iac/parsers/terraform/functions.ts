import { isObject, Unknown, type Value, type ValueMap } from '../../model.js';

type Fn = (args: Value[]) => Value;

const str = (v: Value): string | undefined =>
  typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
const list = (v: Value): Value[] | undefined => (Array.isArray(v) ? v : isObject(v) ? Object.values(v) : undefined);

/** Wraps a function so that any unknown argument makes the result unknown. */
const strict =
  (fn: Fn): Fn =>
  (args) =>
    args.some(hasUnknown) ? new Unknown('function') : fn(args);

export function hasUnknown(v: Value): boolean {
  if (v instanceof Unknown) return true;
  if (Array.isArray(v)) return v.some(hasUnknown);
  if (isObject(v)) return Object.values(v).some(hasUnknown);
  return false;
}

const stringFn = (f: (s: string, ...rest: Value[]) => Value): Fn =>
  strict(([s, ...rest]) => {
    const t = s === undefined ? undefined : str(s);
    return t === undefined ? new Unknown('function') : f(t, ...rest);
  });

function jsonValue(v: unknown): Value {
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (Array.isArray(v)) return v.map(jsonValue);
  if (typeof v === 'object') return Object.fromEntries(Object.entries(v as object).map(([k, x]) => [k, jsonValue(x)]));
  return null;
}

function format(fmt: string, args: Value[]): string {
  let i = 0;
  return fmt.replace(/%(%|[-+# 0]*\d*(?:\.\d+)?[sdvqtfxXob])/g, (m, spec: string) => {
    if (spec === '%') return '%';
    const v = args[i++];
    if (v === undefined) return m;
    if (spec.endsWith('q')) return JSON.stringify(str(v) ?? '');
    if (spec.endsWith('d')) return String(Math.trunc(Number(v)));
    return str(v) ?? JSON.stringify(v);
  });
}

/** Quantifiers, unescaped: each one multiplies how far a backtracking match may go. */
const QUANTIFIER = /(?<!\\)[*+?{]/g;

/**
 * Terraform matches with RE2 (linear time); JavaScript backtracks, so `/(a+)+$/` on a long string never returns.
 * Only patterns that cannot blow up on this subject run: no quantified group, no back-reference, few quantifiers,
 * a short subject. Anything else (and an invalid pattern) stays unknown.
 */
function safeRegExp(pattern: string, subject: string): RegExp | undefined {
  if (subject.length > 256 || /\)[*+?{]|\\\d/.test(pattern) || (pattern.match(QUANTIFIER)?.length ?? 0) > 3) return undefined;
  try {
    return new RegExp(pattern, 'g');
  } catch {
    return undefined;
  }
}

/** The Terraform functions rules meet in practice; anything else evaluates to unknown. */
export const FUNCTIONS: Record<string, Fn> = {
  lower: stringFn((s) => s.toLowerCase()),
  upper: stringFn((s) => s.toUpperCase()),
  trimspace: stringFn((s) => s.trim()),
  title: stringFn((s) => s.replace(/\b\w/g, (c) => c.toUpperCase())),
  chomp: stringFn((s) => s.replace(/[\r\n]+$/, '')),
  trimprefix: stringFn((s, p) => (typeof p === 'string' && s.startsWith(p) ? s.slice(p.length) : s)),
  trimsuffix: stringFn((s, p) => (typeof p === 'string' && s.endsWith(p) ? s.slice(0, -p.length) : s)),
  replace: stringFn((s, a, b) => {
    const from = str(a ?? null) ?? '';
    const to = str(b ?? null) ?? '';
    const re = /^\/(.*)\/$/.exec(from);
    if (!re) return s.split(from).join(to);
    const pattern = safeRegExp(re[1] ?? '', s);
    return pattern ? s.replace(pattern, to) : new Unknown('replace');
  }),
  substr: stringFn((s, o, l) => s.substr(Number(o), Number(l) < 0 ? undefined : Number(l))),
  split: strict(([sep, s]) => (typeof s === 'string' && typeof sep === 'string' ? s.split(sep) : new Unknown())),
  join: strict(([sep, ...ls]) => ls.flatMap((l) => list(l) ?? []).map((x) => str(x) ?? '').join(str(sep ?? '') ?? '')),
  format: strict(([f, ...rest]) => (typeof f === 'string' ? format(f, rest) : new Unknown())),
  tostring: strict(([v]) => (v === undefined ? null : v === null ? null : (str(v) ?? new Unknown()))),
  tonumber: strict(([v]) => (v === null || v === undefined ? null : Number(v))),
  tobool: strict(([v]) => (v === 'true' || v === true ? true : v === 'false' || v === false ? false : null)),
  tolist: ([v]) => (v === undefined ? [] : (list(v) ?? v)),
  toset: ([v]) => (v === undefined ? [] : Array.isArray(v) ? [...new Map(v.map((x) => [JSON.stringify(x), x])).values()] : v),
  tomap: ([v]) => v ?? {},
  length: strict(([v]) => (typeof v === 'string' ? v.length : (list(v ?? null)?.length ?? new Unknown()))),
  concat: strict((args) => args.flatMap((a) => list(a) ?? [])),
  flatten: strict(([v]) => {
    const flat = (x: Value): Value[] => (Array.isArray(x) ? x.flatMap(flat) : [x]);
    return Array.isArray(v) ? v.flatMap(flat) : new Unknown();
  }),
  distinct: strict(([v]) => (Array.isArray(v) ? [...new Map(v.map((x) => [JSON.stringify(x), x])).values()] : new Unknown())),
  compact: strict(([v]) => (Array.isArray(v) ? v.filter((x) => x !== null && x !== '') : new Unknown())),
  reverse: strict(([v]) => (Array.isArray(v) ? [...v].reverse() : new Unknown())),
  sort: strict(([v]) => (Array.isArray(v) ? [...v].map((x) => str(x) ?? '').sort() : new Unknown())),
  keys: strict(([v]) => (isObject(v ?? null) ? Object.keys(v as ValueMap).sort() : new Unknown())),
  values: strict(([v]) => (isObject(v ?? null) ? Object.keys(v as ValueMap).sort().map((k) => (v as ValueMap)[k] ?? null) : new Unknown())),
  merge: (args) => {
    if (args.some((a) => a instanceof Unknown)) return new Unknown('merge');
    return Object.assign({}, ...args.filter((a) => isObject(a))) as ValueMap;
  },
  lookup: ([m, k, d]) => {
    if (!isObject(m ?? null) || typeof k !== 'string') return new Unknown('lookup');
    const v = Object.hasOwn(m as ValueMap, k) ? (m as ValueMap)[k] : undefined;
    return v !== undefined ? v : d !== undefined ? d : new Unknown('lookup');
  },
  element: strict(([l, i]) => (Array.isArray(l) && l.length ? (l[Number(i) % l.length] ?? null) : new Unknown())),
  index: strict(([l, v]) => (Array.isArray(l) ? l.findIndex((x) => JSON.stringify(x) === JSON.stringify(v)) : new Unknown())),
  contains: strict(([l, v]) => (Array.isArray(l) ? l.some((x) => JSON.stringify(x) === JSON.stringify(v)) : new Unknown())),
  coalesce: (args) => {
    for (const a of args) {
      if (a instanceof Unknown) return a;
      if (a !== null && a !== '') return a;
    }
    return null;
  },
  coalescelist: (args) => args.find((a) => Array.isArray(a) && a.length) ?? [],
  range: strict((args) => {
    const [a, b, s] = args.length === 1 ? [0, Number(args[0]), 1] : [Number(args[0]), Number(args[1]), Number(args[2] ?? 1)];
    const out: number[] = [];
    for (let x = a; s > 0 ? x < b : x > b; x += s) if (out.push(x) > 10_000) break;
    return out;
  }),
  min: strict((args) => Math.min(...args.flatMap((a) => list(a) ?? [a]).map(Number))),
  max: strict((args) => Math.max(...args.flatMap((a) => list(a) ?? [a]).map(Number))),
  abs: strict(([v]) => Math.abs(Number(v))),
  ceil: strict(([v]) => Math.ceil(Number(v))),
  floor: strict(([v]) => Math.floor(Number(v))),
  jsonencode: strict(([v]) => JSON.stringify(v ?? null)),
  jsondecode: strict(([v]) => {
    try {
      return typeof v === 'string' ? jsonValue(JSON.parse(v)) : new Unknown();
    } catch {
      return new Unknown('jsondecode');
    }
  }),
  base64encode: stringFn((s) => Buffer.from(s, 'utf8').toString('base64')),
  base64decode: stringFn((s) => Buffer.from(s, 'base64').toString('utf8')),
  zipmap: strict(([k, v]) =>
    Array.isArray(k) && Array.isArray(v) ? Object.fromEntries(k.map((x, i) => [str(x) ?? '', v[i] ?? null])) : new Unknown(),
  ),
  startswith: strict(([s, p]) => typeof s === 'string' && typeof p === 'string' && s.startsWith(p)),
  endswith: strict(([s, p]) => typeof s === 'string' && typeof p === 'string' && s.endsWith(p)),
  try: (args) => args.find((a) => !(a instanceof Unknown)) ?? new Unknown('try'),
  can: (args) => (args[0] instanceof Unknown ? new Unknown('can') : true),
  one: strict(([v]) => (Array.isArray(v) ? (v.length ? (v[0] ?? null) : null) : new Unknown())),
  sensitive: ([v]) => v ?? null,
  nonsensitive: ([v]) => v ?? null,
};
