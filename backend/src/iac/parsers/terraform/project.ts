import path from 'node:path';
import {
  isObject,
  Unknown,
  type ParseError,
  type Resource,
  type Span,
  type Value,
  type ValueMap,
} from '../../model.js';
import type { AttrNode, BlockNode, Expr, HclFile } from './ast.js';
import { childScope, evaluate, EvalLimitError, MAX_EVAL_STEPS, withEvalBudget, type Scope } from './evaluate.js';

/** The .tf files of one directory, plus its terraform.tfvars / *.auto.tfvars. */
export interface TfDir {
  dir: string;
  files: HclFile[];
  tfvars: HclFile[];
}

const META_ARGS = new Set(['count', 'for_each', 'provider', 'depends_on', 'lifecycle']);
const MODULE_ARGS = new Set(['source', 'version', 'count', 'for_each', 'providers', 'depends_on']);
const MAX_MODULE_DEPTH = 8;

/** Directories used as a local module by another directory; they are evaluated through their callers, not as roots. */
export function localModuleDirs(dirs: Map<string, TfDir>): Set<string> {
  const used = new Set<string>();
  for (const d of dirs.values())
    for (const f of d.files)
      for (const b of f.blocks) {
        const src = b.type === 'module' ? literalSource(b) : undefined;
        if (src && isLocalSource(src)) used.add(localModuleDir(d.dir, src));
      }
  return used;
}

export const isLocalSource = (s: string) => s.startsWith('./') || s.startsWith('../') || s === '.' || s === '..';

/** The directory a local `source` names, as the scanner keys directories: `../../` and `./` normalised, no trailing slash. */
export function localModuleDir(dir: string, source: string): string {
  const joined = path.posix.normalize(path.posix.join(dir, source)).replace(/\/+$/, '');
  return joined === '' ? '.' : joined;
}

function literalSource(b: BlockNode): string | undefined {
  const a = b.attrs.find((x) => x.name === 'source');
  return a && a.expr.t === 'lit' && typeof a.expr.v === 'string' ? a.expr.v : undefined;
}

/** Evaluates a root module (and its local modules) into resources. */
export function evaluateRoot(root: TfDir, dirs: Map<string, TfDir>): { resources: Resource[]; errors: ParseError[] } {
  const resources: Resource[] = [];
  const errors: ParseError[] = [];
  const tfvars: ValueMap = {};
  try {
    withEvalBudget(MAX_EVAL_STEPS, () => {
      for (const f of root.tfvars) for (const a of f.attrs) tfvars[a.name] = evaluate(a.expr, emptyScope);
      evalModule(root, tfvars, '', 0, dirs, resources, errors, new Set([root.dir]));
    });
  } catch (err) {
    // A configuration built to exhaust the evaluator (or nested past the call stack) is reported, and none of its resources are checked.
    if (!(err instanceof EvalLimitError) && !(err instanceof RangeError)) throw err;
    const file = root.files[0]?.path ?? root.tfvars[0]?.path ?? `${root.dir}/main.tf`;
    return {
      resources: [],
      errors: [
        ...uniqueErrors(errors),
        {
          file,
          line: 1,
          message: `Terraform evaluation of ${root.dir} stopped: ${err.message}`,
          framework: 'terraform',
        },
      ],
    };
  }
  return { resources, errors: uniqueErrors(errors) };
}

/** A module evaluated once per instance (count, for_each, several callers) reports each problem once. */
function uniqueErrors(errors: ParseError[]): ParseError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const key = `${e.file}|${e.line}|${e.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** What Terraform calls a definition of each block type, to word its duplicate-definition error the same way. */
function duplicateMessage(b: BlockNode, at: string): string | undefined {
  const [a = '', n = ''] = b.labels;
  switch (b.type) {
    case 'resource':
      return `Duplicate resource "${a}" configuration: a ${a} resource named "${n}" was already declared at ${at}`;
    case 'data':
      return `Duplicate data "${a}" configuration: a ${a} data resource named "${n}" was already declared at ${at}`;
    case 'variable':
      return `Duplicate variable declaration: a variable named "${a}" was already declared at ${at}`;
    case 'module':
      return `Duplicate module call: a module call named "${a}" was already defined at ${at}`;
    case 'output':
      return `Duplicate output definition: an output named "${a}" was already defined at ${at}`;
    default:
      return undefined;
  }
}

/** The labels Terraform requires on each top-level block type. */
const BLOCK_LABELS: Record<string, string[]> = {
  resource: ['type', 'name'],
  data: ['type', 'name'],
  variable: ['name'],
  module: ['name'],
  output: ['name'],
  provider: ['name'],
};

/** Drops blocks with too few or too many labels (Terraform rejects them), each reported in Terraform's words. */
function withValidLabels(
  blocks: Array<{ b: BlockNode; file: string }>,
  errors: ParseError[],
): Array<{ b: BlockNode; file: string }> {
  return blocks.filter(({ b, file }) => {
    const want = BLOCK_LABELS[b.type];
    if (!want || b.labels.length === want.length) return true;
    const names = want.join(', ');
    const message =
      b.labels.length < want.length
        ? `Missing name for ${b.type}: All ${b.type} blocks must have ${want.length} labels (${names}).`
        : `Extraneous label for ${b.type}: Only ${want.length} labels (${names}) are expected for ${b.type} blocks.`;
    errors.push({ file, line: b.span.line, message, framework: 'terraform' });
    return false;
  });
}

/** Drops second definitions of a resource, data source, variable, module or output (Terraform rejects them) and reports each. */
function withoutDuplicates(
  blocks: Array<{ b: BlockNode; file: string }>,
  errors: ParseError[],
): Array<{ b: BlockNode; file: string }> {
  const first = new Map<string, string>();
  return blocks.filter(({ b, file }) => {
    if (!duplicateMessage(b, '')) return true;
    const key = [b.type, ...b.labels].join('\u0000');
    const at = first.get(key);
    if (at === undefined) {
      first.set(key, `${file}:${b.span.line}`);
      return true;
    }
    errors.push({ file, line: b.span.line, message: duplicateMessage(b, at) ?? '', framework: 'terraform' });
    return false;
  });
}

const emptyScope: Scope = { lookup: () => undefined };

function lazyObject(names: Iterable<string>, compute: (name: string) => Value): ValueMap {
  const obj: ValueMap = {};
  const cache = new Map<string, Value>();
  // A name defined twice (reported as a duplicate by the caller) is one property.
  for (const name of new Set(names)) {
    Object.defineProperty(obj, name, {
      enumerable: true,
      get() {
        if (cache.has(name)) return cache.get(name);
        cache.set(name, new Unknown(`cycle:${name}`));
        const v = compute(name);
        cache.set(name, v);
        return v;
      },
    });
  }
  return obj;
}

function evalModule(
  mod: TfDir,
  inputs: ValueMap,
  prefix: string,
  depth: number,
  dirs: Map<string, TfDir>,
  resources: Resource[],
  errors: ParseError[],
  stack: Set<string>,
): ValueMap {
  const blocks = withoutDuplicates(
    withValidLabels(
      mod.files.flatMap((f) => f.blocks.map((b) => ({ b, file: f.path }))),
      errors,
    ),
    errors,
  );
  // An argument outside any block: Terraform rejects the configuration; the blocks are still checked.
  for (const f of mod.files)
    for (const a of f.attrs)
      errors.push({
        file: f.path,
        line: a.span.line,
        message: `Unsupported argument: An argument named "${a.name}" is not expected here.`,
        framework: 'terraform',
      });
  const byType = (t: string) => blocks.filter((x) => x.b.type === t);
  const variables = new Map(byType('variable').map(({ b }) => [b.labels[0] ?? '', b]));
  const localAttrs = new Map<string, AttrNode>();
  for (const { b, file } of byType('locals'))
    for (const a of b.attrs) {
      const prev = localAttrs.get(a.name);
      const message = `Duplicate local value definition: a local value named "${a.name}" was already defined at line ${prev?.span.line}`;
      if (prev) errors.push({ file, line: a.span.line, message, framework: 'terraform' });
      else localAttrs.set(a.name, a);
    }
  const moduleBlocks = new Map(byType('module').map((x) => [x.b.labels[0] ?? '', x]));
  const dataBlocks = byType('data');

  let scope: Scope = emptyScope;
  const vars = lazyObject(variables.keys(), (name) => {
    const block = variables.get(name);
    const type = block?.attrs.find((a) => a.name === 'type')?.expr;
    const def = block?.attrs.find((a) => a.name === 'default');
    const value =
      name in inputs ? (inputs[name] ?? null) : def ? evaluate(def.expr, emptyScope) : new Unknown(`var.${name}`);
    return type ? withTypeDefaults(value, type) : value;
  });
  const locals = lazyObject(localAttrs.keys(), (name) => {
    const a = localAttrs.get(name);
    return a ? evaluate(a.expr, scope) : new Unknown(`local.${name}`);
  });
  const moduleOutputs = lazyObject(moduleBlocks.keys(), (name) => {
    const m = moduleBlocks.get(name);
    return m ? callModule(m.b, m.file) : new Unknown(`module.${name}`);
  });
  const data = dataObject(
    dataBlocks.map((x) => x.b),
    () => scope,
  );
  const pathObj: ValueMap = { module: mod.dir, root: mod.dir, cwd: mod.dir };
  scope = {
    lookup: (root) =>
      (
        ({
          var: vars,
          local: locals,
          module: moduleOutputs,
          data,
          path: pathObj,
          terraform: { workspace: 'default' },
        }) as Record<string, Value>
      )[root],
  };

  const called = new Set<string>();
  function callModule(b: BlockNode, file: string): Value {
    const name = b.labels[0] ?? '';
    called.add(name);
    const src = literalSource(b);
    const registryKinds = src ? registryModuleKinds(src) : undefined;
    if (registryKinds) {
      expandInstances(b, scope, (instScope, key) => {
        for (const kind of registryKinds)
          resources.push(makeResource(b, file, instScope, `${prefix}module.${name}${key}`, errors, kind));
        return null;
      });
      return new Unknown(`module.${name}`);
    }
    if (!src || !isLocalSource(src)) return new Unknown(`module.${name}`);
    const childDir = dirs.get(localModuleDir(mod.dir, src));
    if (!childDir || depth >= MAX_MODULE_DEPTH || stack.has(childDir.dir)) {
      if (!childDir)
        errors.push({ file, line: b.span.line, message: `module "${name}": local source ${src} not found` });
      else if (stack.has(childDir.dir))
        errors.push({
          file,
          line: b.span.line,
          message: `module "${name}": source ${src} is a module that is already calling it (a cycle); Terraform cannot load it`,
        });
      return new Unknown(`module.${name}`);
    }
    const next = new Set(stack).add(childDir.dir);
    const run = (instScope: Scope, key: string) => {
      const args: ValueMap = {};
      for (const a of b.attrs) if (!MODULE_ARGS.has(a.name)) args[a.name] = evaluate(a.expr, instScope);
      return evalModule(childDir, args, `${prefix}module.${name}${key}.`, depth + 1, dirs, resources, errors, next);
    };
    return expandInstances(b, scope, run);
  }

  for (const { b, file } of blocks) {
    if (b.type === 'resource') {
      expandInstances(b, scope, (instScope, key) => {
        resources.push(makeResource(b, file, instScope, `${prefix}${b.labels[0]}.${b.labels[1]}${key}`, errors));
        return null;
      });
    } else if (b.type === 'provider' || b.type === 'variable') {
      // Provider settings and variable defaults are checked too (kinds `provider.<name>`, `variable`), e.g. for hard-coded secrets.
      const kind = b.type === 'provider' ? `provider.${b.labels[0] ?? ''}` : 'variable';
      resources.push(makeResource(b, file, scope, `${prefix}${b.type}.${b.labels[0] ?? ''}`, errors, kind));
    } else if (b.type === 'data') {
      // Data sources are checked too (kind `data.<type>`), e.g. policy documents.
      expandInstances(b, scope, (instScope, key) => {
        const r = makeResource(b, file, instScope, `${prefix}data.${b.labels[0]}.${b.labels[1]}${key}`, errors);
        resources.push({ ...r, kind: `data.${r.kind}` });
        return null;
      });
    }
  }
  for (const name of moduleBlocks.keys()) if (!called.has(name)) void moduleOutputs[name];

  const outputs: ValueMap = {};
  for (const { b } of byType('output')) {
    const v = b.attrs.find((a) => a.name === 'value');
    outputs[b.labels[0] ?? ''] = v ? evaluate(v.expr, scope) : null;
  }
  return outputs;
}

/**
 * Converts a variable's value to its declared type as far as defaults go: an `optional(type, default)` attribute that
 * is missing or null takes its default (null without one), inside objects, lists, sets, maps and tuples at any depth.
 * Unknown values stay unknown.
 */
export function withTypeDefaults(value: Value, type: Expr): Value {
  if (value === null || value instanceof Unknown || type.t !== 'call') return value;
  const [inner] = type.args;
  switch (type.name) {
    case 'object': {
      if (!isObject(value) || inner?.t !== 'object') return value;
      const out: ValueMap = { ...value };
      for (const [k, attrType] of inner.items) {
        const key = k.t === 'lit' ? String(k.v) : k.t === 'var' ? k.name : undefined;
        if (key === undefined) continue;
        let t = attrType;
        if (t.t === 'call' && t.name === 'optional') {
          const [optType, fallback] = t.args;
          if (out[key] === undefined || out[key] === null) out[key] = fallback ? evaluate(fallback, emptyScope) : null;
          if (!optType) continue;
          t = optType;
        }
        const current = out[key];
        if (current !== undefined) out[key] = withTypeDefaults(current, t);
      }
      return out;
    }
    case 'list':
    case 'set':
      return Array.isArray(value) && inner ? value.map((v) => withTypeDefaults(v, inner)) : value;
    case 'map':
      return isObject(value) && inner
        ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withTypeDefaults(v, inner)]))
        : value;
    case 'tuple':
      return Array.isArray(value) && inner?.t === 'tuple'
        ? value.map((v, i) => (inner.items[i] ? withTypeDefaults(v, inner.items[i]) : v))
        : value;
    default:
      return value;
  }
}

/** Applies `count` / `for_each`; an unknown collection gives one instance whose index/key is unknown. */
function expandInstances(b: BlockNode, scope: Scope, run: (s: Scope, key: string) => Value): Value {
  const count = b.attrs.find((a) => a.name === 'count');
  const forEach = b.attrs.find((a) => a.name === 'for_each');
  if (count) {
    const n = evaluate(count.expr, scope);
    if (typeof n !== 'number') return run(childScope(scope, { count: { index: new Unknown('count.index') } }), '');
    const out: Value[] = [];
    for (let i = 0; i < Math.min(n, 1000); i++) out.push(run(childScope(scope, { count: { index: i } }), `[${i}]`));
    return out;
  }
  if (forEach) {
    const coll = evaluate(forEach.expr, scope);
    if (coll instanceof Unknown || (!Array.isArray(coll) && !isObject(coll))) {
      return run(childScope(scope, { each: { key: new Unknown('each.key'), value: new Unknown('each.value') } }), '');
    }
    const entries: Array<[string, Value]> = Array.isArray(coll)
      ? coll.map((v) => [String(v), v])
      : Object.entries(coll);
    const out: ValueMap = {};
    for (const [k, v] of entries)
      out[k] = run(childScope(scope, { each: { key: k, value: v } }), `[${JSON.stringify(k)}]`);
    return out;
  }
  return run(scope, '');
}

/**
 * Registry modules whose inputs mirror one resource's arguments: the module call is checked as that resource,
 * as KICS does for terraform-aws-modules. Other remote modules are not downloaded and stay unknown.
 */
const REGISTRY_MODULES: Array<[RegExp, string[]]> = [
  [/^terraform-aws-modules\/s3-bucket\/aws/, ['aws_s3_bucket', 'aws_s3_bucket_public_access_block']],
  [/^terraform-aws-modules\/ec2-instance\/aws/, ['aws_instance']],
  [/^terraform-aws-modules\/rds\/aws/, ['aws_db_instance']],
  [/^terraform-aws-modules\/sqs\/aws/, ['aws_sqs_queue']],
  [/^terraform-aws-modules\/alb\/aws/, ['aws_lb']],
  [/^terraform-aws-modules\/elb\/aws/, ['aws_elb']],
  [/^terraform-aws-modules\/autoscaling\/aws/, ['aws_autoscaling_group', 'aws_launch_configuration']],
  [/^terraform-aws-modules\/security-group\/aws/, ['aws_security_group']],
  [/^terraform-aws-modules\/vpc\/aws/, ['aws_vpc']],
];

function registryModuleKinds(source: string): string[] | undefined {
  return REGISTRY_MODULES.find(([re]) => re.test(source))?.[1];
}

function makeResource(
  b: BlockNode,
  file: string,
  scope: Scope,
  address: string,
  errors: ParseError[],
  kind?: string,
): Resource {
  const pos = new Map<string, Span>();
  const report = (span: Span, message: string) =>
    errors.push({ file, line: span.line, message, framework: 'terraform' });
  const attrs = evalBody(b, scope, '', pos, true, report);
  if (kind) for (const k of MODULE_ARGS) delete attrs[k];
  return {
    framework: 'terraform',
    kind: kind ?? b.labels[0] ?? '',
    name: kind ? (b.labels[0] ?? '') : (b.labels[1] ?? ''),
    address,
    file,
    span: b.span,
    attrs,
    pos,
    suppressed: new Map(),
  };
}

type Report = (span: Span, message: string) => void;

/** Attributes and nested blocks (blocks become arrays), `dynamic` blocks expanded over their for_each. */
export function evalBody(
  b: BlockNode,
  scope: Scope,
  prefix: string,
  pos: Map<string, Span>,
  top = false,
  report: Report = () => {},
): ValueMap {
  const out: ValueMap = {};
  for (const a of b.attrs) {
    if (top && META_ARGS.has(a.name)) continue;
    out[a.name] = evaluate(a.expr, scope);
    pos.set(prefix + a.name, a.span);
  }
  const argument = new Map(b.attrs.map((a) => [a.name, a.span.line]));
  const push = (type: string, value: ValueMap, span: Span) => {
    if (!Array.isArray(out[type])) {
      // Terraform rejects `x = …` next to `x { … }`; the block is what rules read, the clash is reported.
      if (argument.has(type))
        report(span, `"${type}" is both an argument (line ${argument.get(type)}) and a block; Terraform rejects this`);
      out[type] = [];
    }
    const list = out[type] as Value[];
    if (!pos.has(prefix + type)) pos.set(prefix + type, span);
    pos.set(`${prefix}${type}.${list.length}`, span);
    list.push(value);
    out[type] = list;
  };
  for (const sub of b.blocks) {
    if (top && sub.type === 'lifecycle') continue;
    if (sub.type !== 'dynamic') {
      const idx = blockCount(out, sub.type);
      push(sub.type, evalBody(sub, scope, `${prefix}${sub.type}.${idx}.`, pos, false, report), sub.span);
      continue;
    }
    const type = sub.labels[0] ?? '';
    const content = sub.blocks.find((x) => x.type === 'content');
    if (!content) continue;
    const iterAttr = sub.attrs.find((a) => a.name === 'iterator');
    const iter = iterAttr && iterAttr.expr.t === 'var' ? iterAttr.expr.name : type;
    const fe = sub.attrs.find((a) => a.name === 'for_each');
    const coll = fe ? evaluate(fe.expr, scope) : new Unknown('dynamic');
    const entries: Array<[Value, Value]> =
      coll instanceof Unknown
        ? [[new Unknown('each.key'), new Unknown('each.value')]]
        : Array.isArray(coll)
          ? coll.map((v, i) => [i, v])
          : isObject(coll)
            ? Object.entries(coll)
            : [];
    for (const [k, v] of entries) {
      const idx = blockCount(out, type);
      const inner = childScope(scope, { [iter]: { key: k, value: v } });
      push(type, evalBody(content, inner, `${prefix}${type}.${idx}.`, pos, false, report), content.span);
    }
  }
  return out;
}

/** Blocks of `type` read so far (an argument of that name counts none). */
function blockCount(out: ValueMap, type: string): number {
  const v = out[type];
  return Array.isArray(v) ? v.length : 0;
}

/** `data.aws_iam_policy_document.x.json` rendered from its statements; other data sources are unknown. */
function dataObject(blocks: BlockNode[], scope: () => Scope): ValueMap {
  const byType = new Map<string, BlockNode[]>();
  for (const b of blocks) byType.set(b.labels[0] ?? '', [...(byType.get(b.labels[0] ?? '') ?? []), b]);
  const out: ValueMap = {};
  const doc = byType.get('aws_iam_policy_document') ?? [];
  if (doc.length) {
    out.aws_iam_policy_document = lazyObject(
      doc.map((b) => b.labels[1] ?? ''),
      (name) => {
        const b = doc.find((x) => x.labels[1] === name);
        if (!b) return new Unknown(name);
        const body = evalBody(b, scope(), '', new Map());
        return { json: JSON.stringify(policyFromDocument(body)) };
      },
    );
  }
  return out;
}

const known = (v: Value | undefined): Value =>
  v instanceof Unknown ? '<unknown>' : Array.isArray(v) ? v.map(known) : v === undefined ? null : v;

export function policyFromDocument(body: ValueMap): ValueMap {
  const statements = Array.isArray(body.statement) ? body.statement : [];
  return {
    Version: '2012-10-17',
    Statement: statements.filter(isObject).map((s) => {
      const st: ValueMap = { Effect: typeof s.effect === 'string' ? s.effect : 'Allow' };
      if (typeof s.sid === 'string') st.Sid = s.sid;
      if (s.actions !== undefined) st.Action = known(s.actions);
      if (s.not_actions !== undefined) st.NotAction = known(s.not_actions);
      if (s.resources !== undefined) st.Resource = known(s.resources);
      if (s.not_resources !== undefined) st.NotResource = known(s.not_resources);
      const principal = (key: string) => {
        const list = Array.isArray(s[key]) ? (s[key] as Value[]) : [];
        if (!list.length) return undefined;
        const p: ValueMap = {};
        for (const x of list.filter(isObject)) {
          const type = typeof x.type === 'string' ? x.type : 'AWS';
          const ids = known(x.identifiers);
          p[type] = type === '*' ? '*' : ids;
        }
        return p['*'] === '*' ? '*' : p;
      };
      const pr = principal('principals');
      if (pr) st.Principal = pr;
      const npr = principal('not_principals');
      if (npr) st.NotPrincipal = npr;
      const conds = Array.isArray(s.condition) ? s.condition.filter(isObject) : [];
      if (conds.length) {
        const c: ValueMap = {};
        for (const x of conds) {
          const test = String(x.test ?? '');
          c[test] = {
            ...(isObject(c[test]) ? (c[test] as ValueMap) : {}),
            [String(x.variable ?? '')]: known(x.values),
          };
        }
        st.Condition = c;
      }
      return st;
    }),
  };
}
