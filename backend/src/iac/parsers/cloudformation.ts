import { isMap, isPair, isScalar, type Document, type LineCounter } from 'yaml';
import { isObject, Unknown, type ParseError, type Resource, type Value, type ValueMap } from '../model.js';
import { expandForEach } from './cfn-foreach.js';
import type { ParsedFile } from './kubernetes.js';
import { parseYamlDocuments, toPlain, YamlLimitError, yamlPositions } from './yaml.js';

/** Marker for `Ref: AWS::NoValue`: the property is dropped. */
const NO_VALUE = new Unknown('AWS::NoValue');

interface Template {
  params: Map<string, Value>;
  conditions: ValueMap;
  mappings: ValueMap;
  condCache: Map<string, boolean | Unknown>;
  /** Conditions being evaluated inside each other right now. */
  condDepth: number;
}

/** A CloudFormation template (YAML or JSON): intrinsics in long and short form, parameter defaults and conditions resolved. */
export function parseCloudFormation(file: string, content: string): ParsedFile {
  const { docs, lines } = parseYamlDocuments(content);
  const resources: Resource[] = [];
  const errors: ParseError[] = [];
  // Usually one template per file; several `---` documents are read as several templates.
  docs.forEach((d, i) => {
    if (d.error) {
      errors.push({ file, line: d.error.line, message: d.error.message });
      return;
    }
    if (!isMap(d.doc.contents)) return;
    try {
      const root = toPlain(d.doc.contents, d.doc);
      if (isObject(root)) resources.push(...templateResources(file, root, d.doc, lines, docs.length > 1 ? `#${i + 1}` : '', errors));
    } catch (err) {
      if (!(err instanceof YamlLimitError)) throw err;
      errors.push({ file, line: d.span.line, message: err.message });
    }
  });
  return { resources, errors };
}

function templateResources(file: string, root: ValueMap, doc: Document.Parsed, lines: LineCounter, suffix: string, errors: ParseError[]): Resource[] {
  const docPos = yamlPositions(doc, lines, []);
  const tpl: Template = {
    params: paramDefaults(root.Parameters),
    conditions: isObject(root.Conditions) ? root.Conditions : {},
    mappings: isObject(root.Mappings) ? root.Mappings : {},
    condCache: new Map(),
    condDepth: 0,
  };
  const resources: Resource[] = [];
  const section = isObject(root.Resources) ? root.Resources : {};
  const { entries, problems } = expandForEach(section, 'Resources', (collection, rawPath) => loopItems(collection, rawPath, tpl));
  for (const p of problems) errors.push({ file, line: docPos.get(p.rawPath)?.line ?? 1, message: p.message });
  const duplicated = duplicateResourceIds(doc, lines);
  for (const d of duplicated.values()) errors.push({ file, line: d.line, message: `Duplicate resource "${d.id}": already declared at line ${d.first}; CloudFormation rejects the template` });
  for (const { key: logicalId, value: def, rawPath } of entries) {
    // Which of two same-named definitions would count is undefined; neither is checked, the duplicate is reported.
    if (duplicated.has(logicalId)) continue;
    const span = docPos.get(rawPath) ?? { line: 1, endLine: 1 };
    // An entry without a Type is not a resource CloudFormation would create; it is skipped, not fatal.
    if (!isObject(def) || typeof def.Type !== 'string') continue;
    // CloudFormation rejects such a template; checked as a resource without properties it would look clean.
    if (def.Properties !== undefined && def.Properties !== null && !isObject(def.Properties)) {
      errors.push({ file, line: span.line, message: `Resource ${logicalId}: Properties must be a map` });
      continue;
    }
    const base = `${rawPath}.Properties`;
    const remap = new Map<string, string>();
    const props = resolve(withSamGlobals(def.Type, def.Properties ?? {}, root.Globals), base, '', tpl, { base, remap });
    resources.push({
      framework: 'cloudformation',
      kind: def.Type,
      name: logicalId,
      address: logicalId + suffix,
      file,
      span,
      attrs: isObject(props) ? props : {},
      pos: yamlPositions(doc, lines, base.split('.'), remap),
      suppressed: metadataSuppressions(def.Metadata),
    });
  }
  return resources;
}

/** The `Globals` section of a SAM template that applies to each serverless resource type. */
const SAM_GLOBALS: Record<string, string> = {
  'AWS::Serverless::Function': 'Function',
  'AWS::Serverless::Api': 'Api',
  'AWS::Serverless::HttpApi': 'HttpApi',
  'AWS::Serverless::SimpleTable': 'SimpleTable',
  'AWS::Serverless::StateMachine': 'StateMachine',
  'AWS::Serverless::LayerVersion': 'LayerVersion',
};

/** SAM's Globals under a resource's own properties: maps merge (the resource wins), lists add up, other values are the resource's. */
function withSamGlobals(type: string, props: Value, globals: Value | undefined): Value {
  const section = SAM_GLOBALS[type];
  const shared = section && isObject(globals) ? globals[section] : undefined;
  return isObject(shared) ? mergeGlobal(shared, props) : props;
}

function mergeGlobal(global: Value, own: Value | undefined): Value {
  if (own === undefined) return global;
  if (Array.isArray(global) && Array.isArray(own)) return [...global, ...own];
  // An intrinsic (`Ref`, `Fn::If`, …) is a value, not a map to merge into.
  const isPlainMap = (v: Value): v is ValueMap => isObject(v) && !Object.keys(v).some((k) => k === 'Ref' || k.startsWith('Fn::'));
  if (!isPlainMap(global) || !isPlainMap(own)) return own;
  const out: ValueMap = { ...global };
  for (const [k, v] of Object.entries(own)) out[k] = mergeGlobal(global[k] ?? null, v);
  for (const k of Object.keys(global)) if (!(k in own)) out[k] = global[k] ?? null;
  return out;
}

/** Logical ids written twice under Resources (YAML keeps the last silently), with the line of each repeat. */
function duplicateResourceIds(doc: Document.Parsed, lines: LineCounter): Map<string, { id: string; line: number; first: number }> {
  const out = new Map<string, { id: string; line: number; first: number }>();
  const root = doc.contents;
  const resources = isMap(root) ? root.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === 'Resources')?.value : undefined;
  if (!isMap(resources)) return out;
  const seen = new Map<string, number>();
  for (const pair of resources.items) {
    if (!isPair(pair) || !isScalar(pair.key)) continue;
    const id = String(pair.key.value);
    const line = lines.linePos(pair.key.range?.[0] ?? 0).line;
    const first = seen.get(id);
    if (first === undefined) seen.set(id, line);
    else if (!out.has(id)) out.set(id, { id, line, first });
  }
  return out;
}

/** A loop's collection: a list, or a comma-delimited string (what a CommaDelimitedList parameter's default is). */
function loopItems(collection: Value, rawPath: string, tpl: Template): string[] | Unknown {
  const v = resolve(collection, rawPath, '', tpl, NO_PATHS);
  if (typeof v === 'string') return v.split(',').map((s) => s.trim());
  if (Array.isArray(v) && v.every(isScalarValue)) return v.map(String);
  return v instanceof Unknown ? v : new Unknown('Fn::ForEach collection');
}

function paramDefaults(section: Value | undefined): Map<string, Value> {
  const out = new Map<string, Value>();
  if (!isObject(section)) return out;
  for (const [name, p] of Object.entries(section)) {
    out.set(name, isObject(p) && p.Default !== undefined ? p.Default : new Unknown(`param:${name}`));
  }
  return out;
}

/**
 * Suppressions in a resource's Metadata: `aegis: {ignore: [{rule, reason}]}`, Checkov's `checkov: {skip: [{id, comment}]}`
 * and cfn_nag's `cfn_nag: {rules_to_suppress: [{id, reason}]}` (the last two resolved to Aegis rules later).
 */
function metadataSuppressions(meta: Value | undefined): Map<string, string> {
  const out = new Map<string, string>();
  const entries = (tool: string, listKey: string) => {
    const section = isObject(meta) ? meta[tool] : undefined;
    const list = isObject(section) ? section[listKey] : undefined;
    return Array.isArray(list) ? list.filter(isObject) : [];
  };
  const text = (v: Value | undefined) => (typeof v === 'string' ? v : '');
  for (const e of entries('aegis', 'ignore')) if (typeof e.rule === 'string') out.set(e.rule, text(e.reason));
  for (const e of entries('checkov', 'skip')) if (typeof e.id === 'string') out.set(`checkov:${e.id}`, text(e.comment));
  for (const e of entries('cfn_nag', 'rules_to_suppress')) if (typeof e.id === 'string') out.set(`cfn_nag:${e.id}`, text(e.reason));
  return out;
}

function join(path: string, key: string | number): string {
  return path ? `${path}.${key}` : String(key);
}

/** Where resolved paths came from: only paths whose raw location differs from `base.outPath` are recorded. */
interface PathMap {
  base: string;
  remap: Map<string, string>;
}
const NO_PATHS: PathMap = { base: '', remap: new Map() };

/** Resolves intrinsics in `raw`, remembering where each resolved path sits in the template when it moved. */
function resolve(raw: Value, rawPath: string, outPath: string, tpl: Template, paths: PathMap): Value {
  if (outPath && paths !== NO_PATHS && rawPath !== `${paths.base}.${outPath}`) paths.remap.set(outPath, rawPath);
  if (Array.isArray(raw)) {
    const out: Value[] = [];
    raw.forEach((item, i) => {
      const v = resolve(item, join(rawPath, i), join(outPath, out.length), tpl, paths);
      if (v !== NO_VALUE) out.push(v);
    });
    return out;
  }
  if (!isObject(raw)) return raw;
  const keys = Object.keys(raw);
  const only = keys.length === 1 ? keys[0] : undefined;
  if (only === 'Ref' || (only && only.startsWith('Fn::'))) return intrinsic(only, raw[only] ?? null, join(rawPath, only), outPath, tpl, paths);
  const out: ValueMap = {};
  for (const k of keys) {
    const v = resolve(raw[k] ?? null, join(rawPath, k), join(outPath, k), tpl, paths);
    if (v !== NO_VALUE) out[k] = v;
  }
  return out;
}

function intrinsic(fn: string, arg: Value, argPath: string, outPath: string, tpl: Template, paths: PathMap): Value {
  const plain = (v: Value, p = argPath) => resolve(v, p, '', tpl, NO_PATHS);
  switch (fn) {
    case 'Ref': {
      if (typeof arg !== 'string') return new Unknown();
      if (arg === 'AWS::NoValue') return NO_VALUE;
      if (tpl.params.has(arg)) return tpl.params.get(arg) ?? new Unknown();
      return new Unknown(arg);
    }
    case 'Fn::GetAtt': {
      const parts = Array.isArray(arg) ? arg.map(String) : typeof arg === 'string' ? arg.split('.') : [];
      return new Unknown(parts.join('.'));
    }
    case 'Fn::If': {
      if (!Array.isArray(arg) || arg.length !== 3 || typeof arg[0] !== 'string') return new Unknown();
      const cond = condition(arg[0], tpl);
      if (cond instanceof Unknown) return cond;
      const branch = cond ? 1 : 2;
      return resolve(arg[branch] ?? null, join(argPath, branch), outPath, tpl, paths);
    }
    case 'Fn::Sub':
      return substitute(arg, tpl, plain);
    case 'Fn::Join': {
      if (!Array.isArray(arg) || typeof arg[0] !== 'string') return new Unknown();
      const list = plain(arg[1] ?? null, join(argPath, 1));
      if (!Array.isArray(list) || !list.every(isScalarValue)) return new Unknown('Fn::Join');
      return list.map(String).join(arg[0]);
    }
    case 'Fn::Select': {
      if (!Array.isArray(arg)) return new Unknown();
      const list = plain(arg[1] ?? null, join(argPath, 1));
      const idx = Number(plain(arg[0] ?? null, join(argPath, 0)));
      return Array.isArray(list) && Number.isInteger(idx) ? (list[idx] ?? new Unknown()) : new Unknown('Fn::Select');
    }
    case 'Fn::Split': {
      if (!Array.isArray(arg) || typeof arg[0] !== 'string') return new Unknown();
      const s = plain(arg[1] ?? null, join(argPath, 1));
      return typeof s === 'string' ? s.split(arg[0]) : new Unknown('Fn::Split');
    }
    case 'Fn::FindInMap': {
      if (!Array.isArray(arg)) return new Unknown();
      const [m, k1, k2] = arg.map((a, i) => plain(a, join(argPath, i)));
      const top = typeof m === 'string' ? tpl.mappings[m] : undefined;
      const mid = isObject(top) && typeof k1 === 'string' ? top[k1] : undefined;
      const v = isObject(mid) && typeof k2 === 'string' ? mid[k2] : undefined;
      return v === undefined ? new Unknown('Fn::FindInMap') : v;
    }
    case 'Fn::Base64':
      return resolve(arg, argPath, outPath, tpl, paths);
    case 'Fn::Equals':
    case 'Fn::Not':
    case 'Fn::And':
    case 'Fn::Or':
      return evalCondition({ [fn]: arg }, tpl);
    default:
      return new Unknown(fn);
  }
}

function isScalarValue(v: Value): v is string | number | boolean {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

function substitute(arg: Value, tpl: Template, plain: (v: Value) => Value): Value {
  const [text, vars] = Array.isArray(arg) ? [arg[0], arg[1]] : [arg, undefined];
  if (typeof text !== 'string') return new Unknown('Fn::Sub');
  const local = isObject(vars) ? vars : {};
  let unknown = false;
  const out = text.replace(/\$\{([^}!]+)\}/g, (_m, name: string) => {
    const v = name in local ? plain(local[name] ?? null) : tpl.params.get(name);
    if (v === undefined || !isScalarValue(v)) {
      unknown = true;
      return '';
    }
    return String(v);
  });
  return unknown ? new Unknown('Fn::Sub') : out.replace(/\$\{!/g, '${');
}

/** Conditions naming conditions this deep are left unknown: a long chain would overflow the call stack. */
const MAX_CONDITION_DEPTH = 64;

function condition(name: string, tpl: Template): boolean | Unknown {
  const cached = tpl.condCache.get(name);
  if (cached !== undefined) return cached;
  if (tpl.condDepth >= MAX_CONDITION_DEPTH) return new Unknown('condition depth');
  tpl.condCache.set(name, new Unknown('cycle'));
  const def = tpl.conditions[name];
  tpl.condDepth++;
  const v = def === undefined ? new Unknown(`condition:${name}`) : evalCondition(def, tpl);
  tpl.condDepth--;
  tpl.condCache.set(name, v);
  return v;
}

/** Fn::Equals/Not/And/Or over parameter defaults; anything unresolved stays unknown. */
function evalCondition(expr: Value, tpl: Template): boolean | Unknown {
  if (typeof expr === 'boolean') return expr;
  if (!isObject(expr)) return new Unknown('condition');
  const [fn] = Object.keys(expr);
  const arg = fn ? expr[fn] : undefined;
  const list = Array.isArray(arg) ? arg : [];
  const val = (v: Value) => resolve(v, '', '', tpl, NO_PATHS);
  switch (fn) {
    case 'Condition':
      return typeof arg === 'string' ? condition(arg, tpl) : new Unknown();
    case 'Fn::Equals': {
      const [a, b] = list.map((v) => val(v));
      if (a === undefined || b === undefined || a instanceof Unknown || b instanceof Unknown) return new Unknown('Fn::Equals');
      return JSON.stringify(a) === JSON.stringify(b) || String(a) === String(b);
    }
    case 'Fn::Not': {
      const v = evalCondition(list[0] ?? null, tpl);
      return v instanceof Unknown ? v : !v;
    }
    case 'Fn::And':
    case 'Fn::Or': {
      const vs = list.map((v) => evalCondition(v, tpl));
      const want = fn === 'Fn::Or';
      if (vs.some((v) => v === want)) return want;
      return vs.some((v) => v instanceof Unknown) ? new Unknown(fn) : !want;
    }
    default:
      return new Unknown('condition');
  }
}
