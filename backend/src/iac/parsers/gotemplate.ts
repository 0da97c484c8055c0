import { stringify } from 'yaml';

/**
 * A Go text/template interpreter with the Sprig/Helm functions charts use most: enough to render a chart when the
 * helm binary is not installed. Anything it does not know throws TemplateError, and the chart is reported as not
 * rendered rather than scanned half-rendered.
 */
export class TemplateError extends Error {
  override name = 'TemplateError';
}

type Node =
  | { t: 'text'; s: string }
  | { t: 'action'; p: Pipeline }
  | { t: 'if' | 'with'; p: Pipeline; body: Node[]; else: Node[] }
  | { t: 'range'; p: Pipeline; body: Node[]; else: Node[] }
  | { t: 'template'; name: string; p?: Pipeline };

interface Pipeline {
  decl: string[];
  assign: boolean;
  cmds: Operand[][];
}

type Operand =
  | { t: 'lit'; v: unknown }
  | { t: 'field'; base: 'dot' | string; path: string[] }
  | { t: 'fn'; name: string }
  | { t: 'sub'; p: Pipeline; path: string[] };

// ---- lexing -------------------------------------------------------------------------------------------------------

function splitActions(src: string): Array<{ text: string } | { action: string }> {
  const out: Array<{ text: string } | { action: string }> = [];
  let i = 0;
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    if (open < 0) {
      out.push({ text: src.slice(i) });
      break;
    }
    let text = src.slice(i, open);
    let start = open + 2;
    if (src[start] === '-' && /\s/.test(src[start + 1] ?? '')) {
      text = text.replace(/\s+$/, '');
      start++;
    }
    // A comment may hold `{{ … }}` examples: it ends at `*/}}` (or `*/ -}}`), not at the first `}}`.
    const comment = /^\s*\/\*/.test(src.slice(start, start + 4));
    const close = comment ? commentClose(src, start) : findClose(src, start);
    let end = close;
    let after = close + 2;
    if (src[close - 1] === '-' && /\s/.test(src[close - 2] ?? '')) {
      end = close - 1;
      after = close + 2;
      while (after < src.length && /\s/.test(src[after] ?? '')) after++;
    }
    if (text) out.push({ text });
    out.push({ action: src.slice(start, end).trim() });
    i = after;
  }
  return out;
}

function commentClose(src: string, from: number): number {
  const end = src.indexOf('*/', from);
  const close = end < 0 ? -1 : src.indexOf('}}', end);
  if (close < 0) throw new TemplateError('unclosed comment');
  return close;
}

function findClose(src: string, from: number): number {
  let i = from;
  let quote = '';
  while (i < src.length) {
    const c = src[i];
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = '';
    } else if (c === '"' || c === '`') quote = c;
    else if (c === '}' && src[i + 1] === '}') return i;
    i++;
  }
  throw new TemplateError('unclosed action');
}

function tokens(action: string): string[] {
  const out: string[] = [];
  const re = /\s+|"(?:[^"\\]|\\.)*"|`[^`]*`|'(?:[^'\\]|\\.)'|:=|[()|,=]|[^\s()|,="`]+/gy;
  let m: RegExpExecArray | null;
  let prev = '';
  while ((m = re.exec(action)) !== null) {
    // `(…).field` only when the field touches the parenthesis: `(not .a) .b` is two arguments.
    if (!/^\s+$/.test(m[0])) out.push(prev === ')' && m[0].startsWith('.') ? `${CHAINED}${m[0]}` : m[0]);
    prev = m[0];
  }
  return out;
}

/** Marks a field token written right after `)`, which applies to the parenthesised pipeline's result. */
const CHAINED = '\u0000';

// ---- parsing ------------------------------------------------------------------------------------------------------

export interface Templates {
  main: Node[];
  defines: Map<string, Node[]>;
}

export function parseTemplate(src: string, defines = new Map<string, Node[]>()): Templates {
  const parts = splitActions(src);
  let pos = 0;
  const list = (stops: string[]): { nodes: Node[]; stop: string; rest: string } => {
    const nodes: Node[] = [];
    while (pos < parts.length) {
      const part = parts[pos++] as { text: string } | { action: string };
      if ('text' in part) {
        nodes.push({ t: 'text', s: part.text });
        continue;
      }
      const a = part.action;
      if (a.startsWith('/*')) continue;
      const [word = '', ...restToks] = tokens(a);
      const rest = a.slice(a.indexOf(word) + word.length).trim();
      if (stops.includes(word)) return { nodes, stop: word, rest };
      if (word === 'if' || word === 'with' || word === 'range') {
        nodes.push(control(word, rest));
      } else if (word === 'define') {
        const name = JSON.parse(restToks[0] ?? '""') as string;
        const body = list(['end']);
        defines.set(name, body.nodes);
      } else if (word === 'template') {
        const [nameTok = '""', ...args] = restToks;
        nodes.push({ t: 'template', name: JSON.parse(nameTok) as string, p: args.length ? pipeline(args) : undefined });
      } else if (word === 'block') {
        const [nameTok = '""', ...args] = restToks;
        const name = JSON.parse(nameTok) as string;
        const body = list(['end']);
        if (!defines.has(name)) defines.set(name, body.nodes);
        nodes.push({ t: 'template', name, p: args.length ? pipeline(args) : undefined });
      } else nodes.push({ t: 'action', p: pipeline(tokens(a)) });
    }
    if (stops.length) throw new TemplateError(`missing {{ end }}`);
    return { nodes, stop: '', rest: '' };
  };
  const control = (kind: 'if' | 'with' | 'range', cond: string): Node => {
    const p = pipeline(tokens(cond));
    const body = list(['else', 'end']);
    let elseNodes: Node[] = [];
    if (body.stop === 'else') {
      const [next = '', ...more] = tokens(body.rest);
      if (next === 'if' || next === 'with') {
        elseNodes = [control(next, more.join(' ') ? body.rest.slice(body.rest.indexOf(next) + next.length) : '')];
        return { t: kind, p, body: body.nodes, else: elseNodes } as Node;
      }
      elseNodes = list(['end']).nodes;
    }
    return { t: kind, p, body: body.nodes, else: elseNodes } as Node;
  };
  const main = list([]).nodes;
  return { main, defines };
}

function pipeline(toks: string[]): Pipeline {
  let i = 0;
  const decl: string[] = [];
  let assign = false;
  const declEnd = toks.findIndex((t) => t === ':=' || t === '=');
  if (declEnd > 0 && toks.slice(0, declEnd).every((t) => t === ',' || t.startsWith('$'))) {
    decl.push(...toks.slice(0, declEnd).filter((t) => t !== ','));
    assign = toks[declEnd] === '=';
    i = declEnd + 1;
  }
  const cmds: Operand[][] = [[]];
  const operand = (): Operand => {
    const tok = toks[i++] ?? '';
    if (tok === '(') {
      const start = i;
      let depth = 1;
      while (i < toks.length && depth > 0) {
        if (toks[i] === '(') depth++;
        else if (toks[i] === ')') depth--;
        i++;
      }
      const inner = pipeline(toks.slice(start, i - 1));
      return { t: 'sub', p: inner, path: [] };
    }
    return atom(tok);
  };
  while (i < toks.length) {
    if (toks[i] === '|') {
      i++;
      cmds.push([]);
      continue;
    }
    const op = operand();
    // `(…).field` chained after a parenthesised pipeline.
    if (op.t === 'sub' && toks[i]?.startsWith(CHAINED)) op.path = (toks[i++] ?? '').slice(CHAINED.length).split('.').filter(Boolean);
    cmds[cmds.length - 1]?.push(op);
  }
  return { decl, assign, cmds };
}

function atom(tok: string): Operand {
  if (tok.startsWith('"')) return { t: 'lit', v: JSON.parse(tok) };
  if (tok.startsWith('`')) return { t: 'lit', v: tok.slice(1, -1) };
  if (tok.startsWith("'")) return { t: 'lit', v: tok.slice(1, -1) };
  if (/^-?\d+(\.\d+)?$/.test(tok)) return { t: 'lit', v: Number(tok) };
  if (tok === 'true' || tok === 'false') return { t: 'lit', v: tok === 'true' };
  if (tok === 'nil') return { t: 'lit', v: null };
  if (tok === '.') return { t: 'field', base: 'dot', path: [] };
  if (tok.startsWith('.')) return { t: 'field', base: 'dot', path: tok.split('.').filter(Boolean) };
  if (tok.startsWith('$')) {
    const [v = '$', ...path] = tok.split('.');
    return { t: 'field', base: v, path };
  }
  if (/^[A-Za-z_][\w]*$/.test(tok)) return { t: 'fn', name: tok };
  throw new TemplateError(`unexpected "${tok}"`);
}

// ---- evaluation ---------------------------------------------------------------------------------------------------

type Fn = (...args: unknown[]) => unknown;

interface State {
  defines: Map<string, Node[]>;
  vars: Array<Map<string, unknown>>;
  depth: number;
  funcs: Record<string, Fn>;
}

export function truthy(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v as object).length > 0;
  return true;
}

function field(v: unknown, path: string[]): unknown {
  let cur = v;
  for (const p of path) {
    // Go's text/template (and so helm) stops on a field of a missing value.
    if (cur === null || cur === undefined) throw new TemplateError(`nil pointer evaluating interface {}.${p}`);
    cur = typeof cur === 'object' ? (cur as Record<string, unknown>)[p] : undefined;
  }
  return cur;
}

function lookupVar(s: State, name: string): unknown {
  for (let i = s.vars.length - 1; i >= 0; i--) if (s.vars[i]?.has(name)) return s.vars[i]?.get(name);
  throw new TemplateError(`undefined variable ${name}`);
}

function evalPipeline(p: Pipeline, dot: unknown, s: State): unknown {
  let value: unknown;
  let first = true;
  for (const cmd of p.cmds) {
    value = evalCommand(cmd, dot, s, first ? undefined : { v: value });
    first = false;
  }
  if (p.decl.length) {
    const scope = p.assign ? s.vars.find((m) => m.has(p.decl[0] ?? '')) : s.vars[s.vars.length - 1];
    scope?.set(p.decl[0] ?? '', value);
    return undefined;
  }
  return value;
}

function evalOperand(op: Operand, dot: unknown, s: State): unknown {
  switch (op.t) {
    case 'lit':
      return op.v;
    case 'field':
      return field(op.base === 'dot' ? dot : lookupVar(s, op.base), op.path);
    case 'sub':
      return field(evalPipeline(op.p, dot, s), op.path);
    case 'fn': {
      const fn = s.funcs[op.name];
      if (!fn) throw new TemplateError(`function "${op.name}" not defined`);
      return fn();
    }
  }
}

function evalCommand(cmd: Operand[], dot: unknown, s: State, piped?: { v: unknown }): unknown {
  const [head, ...rest] = cmd;
  if (!head) return piped?.v;
  if (head.t === 'fn' && (head.name === 'and' || head.name === 'or')) return andOr(head.name, rest, dot, s, piped);
  if (head.t === 'fn') {
    const args = rest.map((a) => evalOperand(a, dot, s));
    if (piped) args.push(piped.v);
    if (head.name === 'include' || head.name === 'template') return include(String(args[0]), args[1], s);
    if (head.name === 'tpl') return render(parseTemplate(String(args[0] ?? ''), s.defines).main, args[1], s);

    const fn = s.funcs[head.name];
    if (!fn) throw new TemplateError(`function "${head.name}" not defined`);
    return fn(...args);
  }
  const v = evalOperand(head, dot, s);
  if (typeof v === 'function') return (v as Fn)(...rest.map((a) => evalOperand(a, dot, s)), ...(piped ? [piped.v] : []));
  if (rest.length || piped) throw new TemplateError('cannot give arguments to a non-function');
  return v;
}

/** `and`/`or` stop at the first argument that decides the result, as in Go 1.18+, so `and .a .a.b` is safe. */
function andOr(name: 'and' | 'or', ops: Operand[], dot: unknown, s: State, piped?: { v: unknown }): unknown {
  const args: Array<() => unknown> = [...ops.map((op) => () => evalOperand(op, dot, s)), ...(piped ? [() => piped.v] : [])];
  let v: unknown = name === 'and';
  for (const arg of args) {
    v = arg();
    if (truthy(v) !== (name === 'and')) return v;
  }
  return v;
}

function include(name: string, dot: unknown, s: State): string {
  const body = s.defines.get(name);
  if (!body) throw new TemplateError(`template "${name}" not defined`);
  if (++s.depth > 100) throw new TemplateError('template recursion too deep');
  try {
    return render(body, dot, { ...s, vars: [new Map([['$', dot]])] });
  } finally {
    s.depth--;
  }
}

function print(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return Array.isArray(v) ? `[${v.map(print).join(' ')}]` : `map[${Object.entries(v as object).map(([k, x]) => `${k}:${print(x)}`).join(' ')}]`;
  return String(v);
}

function render(nodes: Node[], dot: unknown, s: State): string {
  let out = '';
  s.vars.push(new Map());
  try {
    for (const n of nodes) {
      switch (n.t) {
        case 'text':
          out += n.s;
          break;
        case 'action': {
          const v = evalPipeline(n.p, dot, s);
          if (!n.p.decl.length) out += print(v);
          break;
        }
        case 'if': {
          const v = evalPipeline(n.p, dot, s);
          out += render(truthy(v) ? n.body : n.else, dot, s);
          break;
        }
        case 'with': {
          const v = evalPipeline({ ...n.p, decl: [] }, dot, s);
          if (n.p.decl[0]) s.vars[s.vars.length - 1]?.set(n.p.decl[0], v);
          out += truthy(v) ? render(n.body, v, s) : render(n.else, dot, s);
          break;
        }
        case 'range': {
          const coll = evalPipeline({ ...n.p, decl: [] }, dot, s);
          const entries: Array<[unknown, unknown]> = Array.isArray(coll)
            ? coll.map((v, i) => [i, v])
            : coll && typeof coll === 'object'
              ? Object.keys(coll).sort().map((k) => [k, (coll as Record<string, unknown>)[k]])
              : typeof coll === 'number'
                ? Array.from({ length: coll }, (_, i) => [i, i])
                : [];
          if (!entries.length) out += render(n.else, dot, s);
          for (const [k, v] of entries) {
            const scope = new Map<string, unknown>();
            if (n.p.decl.length === 2) {
              scope.set(n.p.decl[0] ?? '', k);
              scope.set(n.p.decl[1] ?? '', v);
            } else if (n.p.decl.length === 1) scope.set(n.p.decl[0] ?? '', v);
            s.vars.push(scope);
            try {
              out += render(n.body, v, s);
            } finally {
              s.vars.pop();
            }
          }
          break;
        }
        case 'template':
          out += include(n.name, n.p ? evalPipeline(n.p, dot, s) : undefined, s);
          break;
      }
    }
  } finally {
    s.vars.pop();
  }
  return out;
}

/** Renders `name` from a set of parsed templates with `data` as `.` and `$`. */
export function execute(t: Templates, data: unknown, funcs: Record<string, Fn> = HELM_FUNCS): string {
  return render(t.main, data, { defines: t.defines, vars: [new Map([['$', data]])], depth: 0, funcs });
}

// ---- Sprig / Helm functions ---------------------------------------------------------------------------------------

const str = (v: unknown) => (v === null || v === undefined ? '' : typeof v === 'object' ? print(v) : String(v));
const indent = (n: unknown, s: unknown) => str(s).split('\n').map((l) => ' '.repeat(Number(n)) + l).join('\n');
const cmp = (a: unknown, b: unknown) => (typeof a === 'number' && typeof b === 'number' ? a - b : str(a) < str(b) ? -1 : str(a) > str(b) ? 1 : 0);
const toYaml = (v: unknown) => (v === null || v === undefined ? '' : stringify(v, { lineWidth: 0 }).replace(/\n$/, ''));

function sprintf(format: unknown, ...args: unknown[]): string {
  let i = 0;
  return str(format).replace(/%([-+ 0#]*\d*(?:\.\d+)?)([svdqfxtT%])/g, (_m, _flags, verb: string) => {
    if (verb === '%') return '%';
    const a = args[i++];
    if (verb === 'q') return JSON.stringify(str(a));
    if (verb === 'd') return String(Math.trunc(Number(a)));
    return str(a);
  });
}

export const HELM_FUNCS: Record<string, Fn> = {
  default: (d, v) => (truthy(v) ? v : d),
  quote: (...xs) => xs.map((x) => JSON.stringify(str(x))).join(' '),
  squote: (...xs) => xs.map((x) => `'${str(x)}'`).join(' '),
  toYaml,
  toJson: (v) => JSON.stringify(v ?? null),
  toString: str,
  toStrings: (v) => (Array.isArray(v) ? v.map(str) : [str(v)]),
  int: (v) => Math.trunc(Number(v) || 0),
  int64: (v) => Math.trunc(Number(v) || 0),
  float64: (v) => Number(v) || 0,
  atoi: (v) => Math.trunc(Number(v) || 0),
  indent,
  nindent: (n, s) => `\n${indent(n, s)}`,
  upper: (s) => str(s).toUpperCase(),
  lower: (s) => str(s).toLowerCase(),
  title: (s) => str(s).replace(/\b\w/g, (c) => c.toUpperCase()),
  trim: (s) => str(s).trim(),
  trimAll: (c, s) => str(s).split(str(c)).join(''),
  trimSuffix: (x, s) => (str(s).endsWith(str(x)) ? str(s).slice(0, -str(x).length || undefined) : str(s)),
  trimPrefix: (x, s) => (str(s).startsWith(str(x)) ? str(s).slice(str(x).length) : str(s)),
  trunc: (n, s) => (Number(n) >= 0 ? str(s).slice(0, Number(n)) : str(s).slice(Number(n))),
  replace: (a, b, s) => str(s).split(str(a)).join(str(b)),
  contains: (x, s) => str(s).includes(str(x)),
  hasPrefix: (x, s) => str(s).startsWith(str(x)),
  hasSuffix: (x, s) => str(s).endsWith(str(x)),
  nospace: (s) => str(s).replace(/\s+/g, ''),
  b64enc: (s) => Buffer.from(str(s)).toString('base64'),
  b64dec: (s) => Buffer.from(str(s), 'base64').toString(),
  sha256sum: () => '0'.repeat(64),
  randAlphaNum: (n) => 'x'.repeat(Number(n)),
  uuidv4: () => '00000000-0000-4000-8000-000000000000',
  printf: sprintf,
  print: (...xs) => xs.map(str).join(''),
  println: (...xs) => `${xs.map(str).join(' ')}\n`,
  join: (sep, l) => (Array.isArray(l) ? l.map(str).join(str(sep)) : str(l)),
  splitList: (sep, s) => str(s).split(str(sep)),
  split: (sep, s) => Object.fromEntries(str(s).split(str(sep)).map((x, i) => [`_${i}`, x])),
  list: (...xs) => xs,
  tuple: (...xs) => xs,
  dict: (...xs) => {
    const o: Record<string, unknown> = {};
    for (let i = 0; i + 1 < xs.length; i += 2) o[str(xs[i])] = xs[i + 1];
    return o;
  },
  get: (m, k) => (m && typeof m === 'object' ? ((m as Record<string, unknown>)[str(k)] ?? '') : ''),
  set: (m, k, v) => {
    if (m && typeof m === 'object') (m as Record<string, unknown>)[str(k)] = v;
    return m;
  },
  hasKey: (m, k) => Boolean(m && typeof m === 'object' && Object.hasOwn(m as object, str(k))),
  keys: (...ms) => ms.flatMap((m) => (m && typeof m === 'object' ? Object.keys(m) : [])),
  values: (m) => (m && typeof m === 'object' ? Object.values(m) : []),
  pluck: (k, ...ms) => ms.map((m) => (m as Record<string, unknown>)?.[str(k)]).filter((x) => x !== undefined),
  merge: (dst, ...srcs) => Object.assign(dst as object, ...srcs.map((x) => ({ ...(x as object) })), { ...(dst as object) }),
  mergeOverwrite: (dst, ...srcs) => Object.assign(dst as object, ...srcs.map((x) => ({ ...(x as object) }))),
  deepCopy: (v) => structuredClone(v),
  omit: (m, ...ks) => Object.fromEntries(Object.entries((m as object) ?? {}).filter(([k]) => !ks.map(str).includes(k))),
  pick: (m, ...ks) => Object.fromEntries(Object.entries((m as object) ?? {}).filter(([k]) => ks.map(str).includes(k))),
  first: (l) => (Array.isArray(l) ? l[0] : undefined),
  last: (l) => (Array.isArray(l) ? l[l.length - 1] : undefined),
  rest: (l) => (Array.isArray(l) ? l.slice(1) : []),
  initial: (l) => (Array.isArray(l) ? l.slice(0, -1) : []),
  append: (l, v) => [...(Array.isArray(l) ? l : []), v],
  prepend: (l, v) => [v, ...(Array.isArray(l) ? l : [])],
  concat: (...ls) => ls.flatMap((l) => (Array.isArray(l) ? l : [])),
  uniq: (l) => [...new Set(Array.isArray(l) ? l : [])],
  has: (v, l) => Array.isArray(l) && l.includes(v),
  compact: (l) => (Array.isArray(l) ? l.filter(truthy) : []),
  sortAlpha: (l) => (Array.isArray(l) ? [...l].map(str).sort() : []),
  until: (n) => Array.from({ length: Number(n) }, (_, i) => i),
  untilStep: (a, b, c) => Array.from({ length: Math.max(0, Math.ceil((Number(b) - Number(a)) / Number(c))) }, (_, i) => Number(a) + i * Number(c)),
  len: (v) => (typeof v === 'string' || Array.isArray(v) ? v.length : v && typeof v === 'object' ? Object.keys(v).length : 0),
  index: (v, ...ks) => ks.reduce<unknown>((cur, k) => (cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[str(k)] : undefined), v),
  empty: (v) => !truthy(v),
  coalesce: (...xs) => xs.find(truthy),
  ternary: (a, b, c) => (truthy(c) ? a : b),
  not: (v) => !truthy(v),
  eq: (a, ...bs) => bs.some((b) => a === b || (a !== null && b !== null && typeof a !== 'object' && str(a) === str(b) && typeof a === typeof b)),
  ne: (a, b) => a !== b,
  lt: (a, b) => cmp(a, b) < 0,
  le: (a, b) => cmp(a, b) <= 0,
  gt: (a, b) => cmp(a, b) > 0,
  ge: (a, b) => cmp(a, b) >= 0,
  add: (...xs) => xs.reduce<number>((a, b) => a + Number(b), 0),
  add1: (a) => Number(a) + 1,
  sub: (a, b) => Number(a) - Number(b),
  mul: (...xs) => xs.reduce<number>((a, b) => a * Number(b), 1),
  div: (a, b) => Math.trunc(Number(a) / Number(b)),
  mod: (a, b) => Number(a) % Number(b),
  max: (...xs) => Math.max(...xs.map(Number)),
  min: (...xs) => Math.min(...xs.map(Number)),
  kindIs: (k, v) => kindOf(v) === str(k),
  kindOf: (v) => kindOf(v),
  typeOf: (v) => kindOf(v),
  typeIs: (k, v) => kindOf(v) === str(k),
  required: (msg, v) => {
    if (v === null || v === undefined || v === '') throw new TemplateError(str(msg));
    return v;
  },
  fail: (msg) => {
    throw new TemplateError(str(msg));
  },
  semverCompare: () => true,
  semver: (v) => ({ Major: Number(/\d+/.exec(str(v))?.[0] ?? 0) }),
  lookup: () => ({}),
  regexMatch: (re, s) => new RegExp(str(re)).test(str(s)),
  regexReplaceAll: (re, s, r) => str(s).replace(new RegExp(str(re), 'g'), str(r).replace(/\$\{?(\d+)\}?/g, '$$$1')),
  fromYaml: () => ({}),
  now: () => '1970-01-01T00:00:00Z',
  date: () => '1970-01-01',
  htpasswd: () => '',
  genCA: () => ({ Cert: '', Key: '' }),
  genSignedCert: () => ({ Cert: '', Key: '' }),
  genSelfSignedCert: () => ({ Cert: '', Key: '' }),
};

function kindOf(v: unknown): string {
  if (v === null || v === undefined) return 'invalid';
  if (Array.isArray(v)) return 'slice';
  if (typeof v === 'object') return 'map';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float64';
  return typeof v === 'boolean' ? 'bool' : 'string';
}
