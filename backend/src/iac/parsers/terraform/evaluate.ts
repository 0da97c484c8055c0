import { isObject, Unknown, UNKNOWN_MARK, type Value, type ValueMap } from '../../model.js';
import type { Expr } from './ast.js';
import { FUNCTIONS, hasUnknown } from './functions.js';

/** Name lookup for an expression: `var`, `local`, `module`, `each`, `count`, iterators; anything else is a reference. */
export interface Scope {
  lookup(root: string): Value | undefined;
}

export function childScope(parent: Scope, vars: Record<string, Value>): Scope {
  return { lookup: (root) => (Object.hasOwn(vars, root) ? vars[root] : parent.lookup(root)) };
}

const unknownOf = (ref: string) => new Unknown(ref);

/** Expressions one root module may evaluate (~150 ms): real roots need thousands; nested for-expressions can ask for billions. */
export const MAX_EVAL_STEPS = 250_000;
/** The longest string an expression may build (a chain of locals that each double a string reaches any length). */
export const MAX_STRING_LENGTH = 1_000_000;

/** Evaluation stopped because the configuration asks for more work or memory than any real one: reported, never thrown past the scan. */
export class EvalLimitError extends Error {
  override name = 'EvalLimitError';
}

let stepsLeft = Infinity;

/** Runs `fn` with an evaluation budget of `steps` expressions; EvalLimitError once it is spent. */
export function withEvalBudget<T>(steps: number, fn: () => T): T {
  const saved = stepsLeft;
  stepsLeft = steps;
  try {
    return fn();
  } finally {
    stepsLeft = saved;
  }
}

/** Evaluates an expression; anything it cannot know (resource attributes, data sources, missing inputs) is `Unknown`. */
export function evaluate(e: Expr, scope: Scope): Value {
  if (--stepsLeft < 0) throw new EvalLimitError(`evaluation stopped after ${MAX_EVAL_STEPS} expressions`);
  switch (e.t) {
    case 'lit':
      return e.v;
    case 'unknown':
      return unknownOf(e.why);
    case 'tpl':
      return template(e.parts, scope);
    case 'var': {
      const v = scope.lookup(e.name);
      return v === undefined ? unknownOf(e.name) : v;
    }
    case 'attr':
      return getAttr(evaluate(e.obj, scope), e.name, e.obj);
    case 'idx':
      return index(evaluate(e.obj, scope), evaluate(e.key, scope));
    case 'splat':
      return splat(evaluate(e.obj, scope), e.ops, scope);
    case 'tuple':
      return e.items.map((x) => evaluate(x, scope));
    case 'object': {
      const out: ValueMap = {};
      for (const [k, v] of e.items) {
        const key = evaluate(k, scope);
        if (typeof key !== 'string' && typeof key !== 'number') return unknownOf('object key');
        setOwn(out, String(key), evaluate(v, scope));
      }
      return out;
    }
    case 'call': {
      const fn = FUNCTIONS[e.name];
      if (!fn) return unknownOf(`${e.name}()`);
      let args = e.args.map((a) => evaluate(a, scope));
      if (e.expand) {
        const last = args[args.length - 1];
        if (!Array.isArray(last)) return unknownOf(`${e.name}(...)`);
        args = [...args.slice(0, -1), ...last];
      }
      return callFunction(e.name, fn, args);
    }
    case 'cond': {
      const c = evaluate(e.c, scope);
      if (c instanceof Unknown) return c;
      return truthy(c) ? evaluate(e.a, scope) : evaluate(e.b, scope);
    }
    case 'un': {
      const v = evaluate(e.e, scope);
      if (v instanceof Unknown) return v;
      return e.op === '!' ? !truthy(v) : -Number(v);
    }
    case 'bin':
      return binary(e.op, e.l, e.r, scope);
    case 'for':
      return forExpr(e, scope);
  }
}

const truthy = (v: Value) => v === true || v === 'true';

/** Keys come from the configuration: `__proto__` or `constructor` are attribute names like any other, never the prototype. */
function setOwn(obj: ValueMap, key: string, value: Value): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** A function's result, with the sizes it may reach bounded: a string past MAX_STRING_LENGTH or a result V8 cannot build stops evaluation. */
function callFunction(name: string, fn: (args: Value[]) => Value, args: Value[]): Value {
  let v: Value;
  try {
    v = fn(args);
  } catch (err) {
    // Invalid string or array length, or a stack overflow on a deeply nested jsondecode.
    if (err instanceof RangeError) throw new EvalLimitError(`${name}(): ${err.message}`);
    throw err;
  }
  if (typeof v === 'string' && v.length > MAX_STRING_LENGTH) throw new EvalLimitError(`${name}() built a string longer than ${MAX_STRING_LENGTH} characters`);
  return v;
}

/** The reference text an unknown carries, so rules can tell which resource an attribute points at. */
function refText(base: Expr): string | undefined {
  if (base.t === 'var') return base.name;
  if (base.t === 'attr') {
    const b = refText(base.obj);
    return b === undefined ? undefined : `${b}.${base.name}`;
  }
  if (base.t === 'idx') return refText(base.obj);
  return undefined;
}

function getAttr(obj: Value, name: string, base: Expr): Value {
  if (obj instanceof Unknown) {
    const ref = refText(base);
    return unknownOf(ref ? `${ref}.${name}` : (obj.ref ?? name));
  }
  if (isObject(obj)) return Object.hasOwn(obj, name) ? (obj[name] ?? null) : unknownOf(name);
  if (Array.isArray(obj) && obj.length === 1 && isObject(obj[0])) return getAttr(obj[0], name, base);
  return unknownOf(name);
}

function index(obj: Value, key: Value): Value {
  if (obj instanceof Unknown) return obj;
  if (key instanceof Unknown) return key;
  if (Array.isArray(obj)) return obj[Number(key)] ?? unknownOf('index');
  if (isObject(obj)) return (Object.hasOwn(obj, String(key)) ? obj[String(key)] : undefined) ?? unknownOf('index');
  return unknownOf('index');
}

function splat(obj: Value, ops: Array<{ attr: string } | { idx: Expr }>, scope: Scope): Value {
  if (obj instanceof Unknown) return obj;
  const items = Array.isArray(obj) ? obj : obj === null ? [] : [obj];
  return items.map((item) => {
    let v = item;
    for (const op of ops) v = 'attr' in op ? getAttr(v, op.attr, { t: 'lit', v: null }) : index(v, evaluate(op.idx, scope));
    return v;
  });
}

function binary(op: string, le: Expr, re: Expr, scope: Scope): Value {
  const l = evaluate(le, scope);
  if (op === '&&' && l === false) return false;
  if (op === '||' && truthy(l)) return true;
  const r = evaluate(re, scope);
  if (op === '==' || op === '!=') {
    if (hasUnknown(l) || hasUnknown(r)) return unknownOf(op);
    const eq = JSON.stringify(l) === JSON.stringify(r) || (typeof l !== typeof r && String(l) === String(r) && l !== null && r !== null);
    return op === '==' ? eq : !eq;
  }
  if (l instanceof Unknown) return l;
  if (r instanceof Unknown) return r;
  switch (op) {
    case '&&':
      return truthy(l) && truthy(r);
    case '||':
      return truthy(l) || truthy(r);
    case '+':
      return Number(l) + Number(r);
    case '-':
      return Number(l) - Number(r);
    case '*':
      return Number(l) * Number(r);
    case '/':
      return Number(l) / Number(r);
    case '%':
      return Number(l) % Number(r);
    case '>':
      return Number(l) > Number(r);
    case '>=':
      return Number(l) >= Number(r);
    case '<':
      return Number(l) < Number(r);
    case '<=':
      return Number(l) <= Number(r);
    default:
      return unknownOf(op);
  }
}

function template(parts: Array<string | Expr>, scope: Scope): Value {
  let out = '';
  let unknown: Unknown | undefined;
  for (const p of parts) {
    if (typeof p === 'string') {
      out += p;
      continue;
    }
    const v = evaluate(p, scope);
    if (v instanceof Unknown) {
      unknown ??= v;
      out += v.text ?? UNKNOWN_MARK;
    } else if (typeof v === 'object' && v !== null) return unknownOf('template');
    else out += v === null ? '' : String(v);
    if (out.length > MAX_STRING_LENGTH) throw new EvalLimitError(`a string template longer than ${MAX_STRING_LENGTH} characters`);
  }
  // A single interpolation keeps its reference; a larger template keeps its text for policy parsing.
  if (unknown) return parts.length === 1 ? unknown : new Unknown(unknown.ref ?? 'template', out);
  return out;
}

function forExpr(e: Extract<Expr, { t: 'for' }>, scope: Scope): Value {
  const coll = evaluate(e.coll, scope);
  if (coll instanceof Unknown) return coll;
  const entries: Array<[Value, Value]> = Array.isArray(coll)
    ? coll.map((v, i) => [i, v])
    : isObject(coll)
      ? Object.entries(coll)
      : [];
  const tupleOut: Value[] = [];
  const objOut: ValueMap = {};
  for (const [k, v] of entries) {
    const vars: Record<string, Value> = { [e.v]: v };
    if (e.k) vars[e.k] = k;
    const inner = childScope(scope, vars);
    if (e.cond) {
      const c = evaluate(e.cond, inner);
      if (c instanceof Unknown) return c;
      if (!truthy(c)) continue;
    }
    const val = evaluate(e.val, inner);
    if (!e.key) {
      tupleOut.push(val);
      continue;
    }
    const key = evaluate(e.key, inner);
    if (key instanceof Unknown || typeof key === 'object') return unknownOf('for key');
    const ks = String(key);
    if (e.group) setOwn(objOut, ks, [...((Object.hasOwn(objOut, ks) ? (objOut[ks] as Value[]) : undefined) ?? []), val]);
    else setOwn(objOut, ks, val);
  }
  return e.key ? objOut : tupleOut;
}
