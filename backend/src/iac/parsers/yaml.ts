import { isAlias, isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Document, type Node, type Tags } from 'yaml';
import type { Span, Value } from '../model.js';

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
  const docs = parseAllDocuments(content, {
    lineCounter: lines,
    prettyErrors: false,
    uniqueKeys: false,
    strict: false,
    ...(tagged ? { customTags: CFN_CUSTOM_TAGS } : {}),
  });
  const list = Array.isArray(docs) ? docs : [];
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

/** Converts a YAML node into a value and fills `pos`; short-form CFN tags become their long form. */
export function toValue(node: unknown, doc: Document.Parsed, lines: LineCounter, pos: Map<string, Span>, path = ''): Value {
  const n = (isAlias(node) ? node.resolve(doc) : node) as Node | undefined | null;
  if (!n) return null;
  const span = spanOf(n, lines);
  if (span && path) pos.set(path, span);
  const tag = n.tag;
  const intrinsic = tag ? CFN_TAGS[tag] : undefined;
  let value: Value;
  if (isMap(n)) {
    const obj: { [k: string]: Value } = {};
    for (const item of n.items) {
      const key = isScalar(item.key) ? String(item.key.value) : String(item.key);
      const childPath = path ? `${path}.${key}` : key;
      obj[key] = toValue(item.value, doc, lines, pos, childPath);
      const keySpan = isScalar(item.key) ? spanOf(item.key as Node, lines) : undefined;
      const valSpan = pos.get(childPath);
      if (keySpan) pos.set(childPath, { line: keySpan.line, endLine: Math.max(keySpan.endLine, valSpan?.endLine ?? keySpan.line) });
    }
    value = obj;
  } else if (isSeq(n)) {
    value = n.items.map((item, i) => toValue(item, doc, lines, pos, path ? `${path}.${i}` : String(i)));
  } else if (isScalar(n)) {
    const v = n.value;
    value = typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || v === null ? v : String(v);
    if (typeof v === 'bigint') value = Number(v);
  } else value = null;
  if (!intrinsic) return value;
  if (intrinsic === 'Fn::GetAtt' && typeof value === 'string') {
    const dot = value.indexOf('.');
    return { [intrinsic]: [value.slice(0, dot), value.slice(dot + 1)] };
  }
  return { [intrinsic]: value };
}

function spanOf(n: Node, lines: LineCounter): Span | undefined {
  const r = n.range;
  if (!r) return undefined;
  const line = lines.linePos(r[0]).line;
  const end = Math.max(r[0], r[1] - 1);
  return { line, endLine: Math.max(line, lines.linePos(end).line) };
}
