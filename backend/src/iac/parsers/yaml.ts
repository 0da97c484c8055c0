import { Composer, isAlias, isMap, isPair, isScalar, isSeq, LineCounter, Parser, type Document, type DocumentOptions, type Node, type ParseOptions, type SchemaOptions, type Tags } from 'yaml';
import type { PositionIndex, Span, Value } from '../model.js';

/** A YAML node turned into a plain value, with the span of every path (`a.b.0.c`) recorded. */
export interface PositionedValue {
  value: Value;
  pos: Map<string, Span>;
  span: Span;
}

export interface YamlDocument {
  doc: Document.Parsed;
  span: Span;
  error?: { line: number; message: string };
}

/** Splits a file into its documents with line spans; a broken document carries its error instead of aborting the rest. */
export function parseYamlDocuments(content: string): { docs: YamlDocument[]; lines: LineCounter } {
  const lines = new LineCounter();
  // Declaring the tags costs a schema merge per document, so only files that use `!` tags pay for it.
  const tagged = /(^|[\s[{,:-])!(Ref|Sub|GetAtt|If|Join|Equals|Not|And|Or|Select|Split|FindInMap|Base64|GetAZs|ImportValue|Cidr|Transform|Condition|ToJsonString|Length)\b/.test(content);
  const list = composeDocuments(content, lines, {
    prettyErrors: false,
    uniqueKeys: false,
    strict: false,
    ...(tagged ? { customTags: CFN_CUSTOM_TAGS } : {}),
  });
  return {
    lines,
    docs: list.map((doc) => {
      const [start, , end] = doc.range;
      const span = { line: lines.linePos(start).line, endLine: lines.linePos(Math.max(start, end - 1)).line };
      const err = doc.errors[0];
      return {
        doc,
        span,
        error: err ? { line: lines.linePos(err.pos[0]).line, message: err.message.split('\n')[0] ?? 'invalid YAML' } : undefined,
      };
    }),
  };
}

/** Syntax errors read before giving up on the rest of a file: a line of 100,000 stray `}` is 100,000 errors, a second each 100 kB. */
export const MAX_YAML_ERRORS = 1000;

/** parseAllDocuments, but composing only up to the MAX_YAML_ERRORS-th error token; the document holding it reports the error. */
function composeDocuments(content: string, lines: LineCounter, options: DocumentOptions & ParseOptions & SchemaOptions): Document.Parsed[] {
  const tokens = [];
  let errors = 0;
  for (const token of new Parser(lines.addNewLine).parse(content)) {
    tokens.push(token);
    if (token.type === 'error' && ++errors >= MAX_YAML_ERRORS) break;
  }
  return Array.from(new Composer(options).compose(tokens, true, content.length)) as Document.Parsed[];
}

/** The CloudFormation short-form tags and the long form each maps to. */
const CFN_TAGS: Record<string, string> = {
  '!Ref': 'Ref',
  '!Condition': 'Condition',
  '!GetAtt': 'Fn::GetAtt',
  '!Sub': 'Fn::Sub',
  '!Join': 'Fn::Join',
  '!If': 'Fn::If',
  '!Equals': 'Fn::Equals',
  '!Not': 'Fn::Not',
  '!And': 'Fn::And',
  '!Or': 'Fn::Or',
  '!Select': 'Fn::Select',
  '!Split': 'Fn::Split',
  '!FindInMap': 'Fn::FindInMap',
  '!Base64': 'Fn::Base64',
  '!GetAZs': 'Fn::GetAZs',
  '!ImportValue': 'Fn::ImportValue',
  '!Cidr': 'Fn::Cidr',
  '!Transform': 'Fn::Transform',
  '!ToJsonString': 'Fn::ToJsonString',
  '!Length': 'Fn::Length',
};

/**
 * The short-form tags declared to the parser (scalar, sequence and mapping forms) so it does not build a warning
 * object per unknown tag; the node keeps its tag and `toValue` rewrites it to the long form.
 */
const CFN_CUSTOM_TAGS: Tags = Object.keys(CFN_TAGS).flatMap((tag) => [
  { tag, resolve: (str: string) => str },
  { tag, collection: 'seq' as const, resolve: (coll: unknown) => coll },
  { tag, collection: 'map' as const, resolve: (coll: unknown) => coll },
]) as unknown as Tags;


/** Nodes one document may expand to, aliases included (a billion-laughs bomb expands past any budget). */
export const MAX_YAML_NODES = 200_000;
/** Nesting a document may reach: far beyond real manifests, well within the call stack. */
export const MAX_YAML_DEPTH = 400;

/** A document too large, too deep or self-referencing to turn into a value: reported as a parse error of that document. */
export class YamlLimitError extends Error {
  override name = 'YamlLimitError';
}

interface PlainBudget {
  nodes: number;
  /** Collections being converted, to catch an alias that refers to its own ancestor. */
  open: Set<Node>;
  /** Each alias resolved once: the library searches the whole document per call. */
  aliases: Map<unknown, Node | undefined>;
}

/**
 * Converts a YAML node into a plain value (short-form CFN tags become their long form); positions are looked up
 * lazily. Throws YamlLimitError past MAX_YAML_NODES, MAX_YAML_DEPTH, or on an alias cycle.
 */
export function toPlain(node: unknown, doc: Document.Parsed, budget: PlainBudget = { nodes: MAX_YAML_NODES, open: new Set(), aliases: new Map() }): Value {
  let n = node as Node | undefined | null;
  if (isAlias(node)) {
    if (!budget.aliases.has(node)) budget.aliases.set(node, node.resolve(doc) as Node | undefined);
    n = budget.aliases.get(node);
  }
  if (!n) return null;
  if (--budget.nodes < 0) throw new YamlLimitError(`the document expands to more than ${MAX_YAML_NODES} nodes (aliases included)`);
  let value: Value;
  if (isMap(n) || isSeq(n)) {
    if (budget.open.has(n)) throw new YamlLimitError('an alias refers to a node that contains it');
    if (budget.open.size >= MAX_YAML_DEPTH) throw new YamlLimitError(`the document nests deeper than ${MAX_YAML_DEPTH} levels`);
    budget.open.add(n);
    if (isMap(n)) {
      const obj: { [k: string]: Value } = {};
      for (const item of n.items) {
        const key = isScalar(item.key) ? String(item.key.value) : String(item.key);
        // A `__proto__` key is data, not the object's prototype.
        Object.defineProperty(obj, key, { value: toPlain(item.value, doc, budget), enumerable: true, writable: true, configurable: true });
      }
      value = obj;
    } else value = n.items.map((item) => toPlain(item, doc, budget));
    budget.open.delete(n);
  } else if (isScalar(n)) {
    const v = n.value;
    value = typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || v === null ? v : typeof v === 'bigint' ? Number(v) : String(v);
  } else value = null;
  const intrinsic = n.tag ? CFN_TAGS[n.tag] : undefined;
  if (!intrinsic) return value;
  if (intrinsic === 'Fn::GetAtt' && typeof value === 'string') {
    const dot = value.indexOf('.');
    return { [intrinsic]: [value.slice(0, dot), value.slice(dot + 1)] };
  }
  return { [intrinsic]: value };
}

/**
 * Positions inside a YAML document, found by walking the node tree only when a finding asks for one.
 * `base` is the path of the resource inside the document; `remap` sends resolved paths to raw ones
 * (CloudFormation `Fn::If` branches and the like).
 */
export function yamlPositions(doc: Document.Parsed, lines: LineCounter, base: string[], remap?: Map<string, string>): PositionIndex {
  const get = (path: string): Span | undefined => {
    let segments: string[] = path ? path.split('.') : [];
    let mapped = false;
    if (remap?.size) {
      for (let n = segments.length; n > 0; n--) {
        const raw = remap.get(segments.slice(0, n).join('.'));
        if (raw !== undefined) {
          segments = [...raw.split('.'), ...segments.slice(n)];
          mapped = true;
          break;
        }
      }
    }
    return walk(doc, lines, mapped ? segments : [...base, ...segments]);
  };
  return { get, has: (path) => get(path) !== undefined };
}

function nodeSpan(n: { range?: [number, number, number] | null } | null | undefined, lines: LineCounter): Span | undefined {
  const r = n?.range;
  if (!r) return undefined;
  const line = lines.linePos(r[0]).line;
  return { line, endLine: Math.max(line, lines.linePos(Math.max(r[0], r[1] - 1)).line) };
}

function walk(doc: Document.Parsed, lines: LineCounter, segments: string[]): Span | undefined {
  let node = doc.contents as Node | null;
  let key: Node | undefined;
  for (const seg of segments) {
    if (isAlias(node)) node = node.resolve(doc) ?? null;
    if (!node) return undefined;
    // A short-form tag stands where the long form has a one-key map: `!If [...]` is `Fn::If: [...]`.
    if (node.tag && CFN_TAGS[node.tag] === seg) continue;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && (isScalar(p.key) ? String(p.key.value) : String(p.key)) === seg);
      if (!pair) return undefined;
      key = isScalar(pair.key) ? (pair.key as Node) : undefined;
      node = (pair.value as Node | null) ?? null;
      if (!node) return nodeSpan(key, lines);
    } else if (isSeq(node)) {
      const next = node.items[Number(seg)] as Node | undefined;
      if (next === undefined || !/^\d+$/.test(seg)) return undefined;
      key = undefined;
      node = next;
    } else return undefined;
  }
  const valueSpan = nodeSpan(node, lines);
  const keySpan = key ? nodeSpan(key, lines) : undefined;
  if (!keySpan) return valueSpan;
  return { line: keySpan.line, endLine: Math.max(keySpan.endLine, valueSpan?.endLine ?? keySpan.line) };
}
