import { isMap, isPair, isScalar, isSeq, LineCounter, parseAllDocuments, stringify, type Document, type Node, type YAMLMap } from 'yaml';
import type { Finding, Value } from '../model.js';

/** One text splice on the original source: replace [start, end) with `text`. */
interface Edit {
  start: number;
  end: number;
  text: string;
}

type Segment = string | number;

/**
 * Sets one attribute of the finding's own object with a minimal text edit located through the YAML document model:
 * only the changed scalar, or the inserted lines, differ; comments, quoting and layout elsewhere stay as written.
 * Returns undefined when the object or the place to write cannot be found unambiguously.
 */
export function fixYamlFinding(content: string, f: Finding): string | undefined {
  if (!f.fix) return undefined;
  const lines = new LineCounter();
  const docs = parseAllDocuments(content, { lineCounter: lines, uniqueKeys: false, strict: false, prettyErrors: false });
  if (!Array.isArray(docs) || docs.some((d) => d.errors.length)) return undefined;
  const target = findObject(docs, f, lines);
  if (!target) return undefined;
  const rel: Segment[] = f.fix.path.split('.').map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  const segments = f.framework === 'cloudformation' ? ['Properties', ...rel] : rel;
  const edit = editAt(content, lines, target, segments, f.fix.value ?? null);
  return edit && content.slice(0, edit.start) + edit.text + content.slice(edit.end);
}

/** The map of the finding's object: its CloudFormation resource entry, or its Kubernetes manifest (a `*List` item too). */
function findObject(docs: Document.Parsed[], f: Finding, lines: LineCounter): YAMLMap | undefined {
  if (f.framework === 'cloudformation') {
    const m = /^(.*?)(?:#(\d+))?$/.exec(f.resource);
    const doc = docs[m?.[2] ? Number(m[2]) - 1 : 0];
    const resources = doc?.get('Resources', true);
    const entry = isMap(resources) ? resources.get(m?.[1] ?? '', true) : undefined;
    return isMap(entry) ? entry : undefined;
  }
  // `Kind/namespace/name` or `Kind/name`; the object is matched by identity, never by position alone.
  const parts = f.resource.split('/');
  const name = parts[parts.length - 1] ?? '';
  const namespace = parts.length > 2 ? parts[1] : undefined;
  const matches = (node: unknown): node is YAMLMap => {
    if (!isMap(node) || node.get('kind') !== f.kind) return false;
    const meta = node.get('metadata', true);
    if (!isMap(meta) || String(meta.get('name') ?? '') !== name) return false;
    return namespace === undefined || meta.get('namespace') === namespace;
  };
  const found: YAMLMap[] = [];
  for (const d of docs) {
    const root = d.contents;
    if (matches(root)) found.push(root);
    const items = isMap(root) ? root.get('items', true) : undefined;
    if (isSeq(items)) for (const item of items.items) if (matches(item)) found.push(item);
  }
  // Several objects with one identity in a file: the one whose lines hold the finding.
  if (found.length <= 1) return found[0];
  const holds = (n: YAMLMap) => n.range && lines.linePos(n.range[0]).line <= f.line && f.line <= lines.linePos(n.range[1]).line;
  return found.find(holds) ?? found[0];
}

/** Walks `segments` from `node`; replaces the scalar at the end, or inserts what is missing below the deepest existing map. */
function editAt(content: string, lines: LineCounter, start: YAMLMap, segments: Segment[], value: Value): Edit | undefined {
  let node: Node = start;
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i] as Segment;
    const rest = segments.slice(i);
    if (isSeq(node)) {
      const next: Node | undefined = typeof seg === 'number' ? (node.items[seg] as Node | undefined) : undefined;
      if (!next) return undefined;
      node = next;
      continue;
    }
    if (!isMap(node) || typeof seg === 'number') return undefined;
    const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === seg);
    if (!pair) return insertIntoMap(content, lines, node, rest, value);
    const next = pair.value as Node | null;
    const keyNode = pair.key as Node;
    if (i === segments.length - 1) {
      if (next && isScalar(next) && next.range && next.range[1] > next.range[0])
        return { start: next.range[0], end: next.range[1], text: scalarText(value, Boolean(node.flow)) };
      if (next && !isScalar(next)) return undefined;
      // `key:` with no value.
      const at = keyNode.range?.[1] ?? 0;
      const colon = content.indexOf(':', at);
      return colon < 0 ? undefined : { start: colon + 1, end: next?.range?.[1] ?? colon + 1, text: ` ${scalarText(value, Boolean(node.flow))}` };
    }
    if (!next || (isScalar(next) && (next.value === null || next.value === undefined))) {
      // `key:` (null) becomes a block holding the rest.
      if (typeof segments[i + 1] === 'number') return undefined;
      const colon = content.indexOf(':', keyNode.range?.[1] ?? 0);
      if (colon < 0) return undefined;
      const indent = lines.linePos(keyNode.range?.[0] ?? 0).col - 1 + 2;
      const end = next?.range ? next.range[1] : colon + 1;
      return { start: colon + 1, end, text: `\n${block(segments.slice(i + 1), value, indent)}` };
    }
    node = next;
  }
  return undefined;
}

/** Adds `rest` (nested keys ending in `value`) as the last entry of `map`, in its own style and indentation. */
function insertIntoMap(content: string, lines: LineCounter, map: YAMLMap, rest: Segment[], value: Value): Edit | undefined {
  if (rest.some((s) => typeof s === 'number')) return undefined;
  const last = map.items[map.items.length - 1];
  const lastEnd = last ? endOf(last) : undefined;
  if (map.flow) {
    const close = map.range ? content.lastIndexOf('}', map.range[1]) : -1;
    if (close < 0) return undefined;
    const json = /^\s*[{[]/.test(content) && content.trimStart().startsWith('{');
    const text = flowEntry(rest, value, json);
    if (!last || lastEnd === undefined) return { start: close, end: close, text: ` ${text} ` };
    const keyNode = isPair(last) ? (last.key as Node) : undefined;
    const multiLine = keyNode?.range && lines.linePos(keyNode.range[0]).line !== lines.linePos(close).line;
    if (!multiLine) return { start: lastEnd, end: lastEnd, text: `, ${text}` };
    const indent = lines.linePos(keyNode?.range?.[0] ?? 0).col - 1;
    return { start: lastEnd, end: lastEnd, text: `,\n${' '.repeat(indent)}${text}` };
  }
  if (!last || lastEnd === undefined) return undefined;
  const firstKey = isPair(map.items[0]) ? (map.items[0].key as Node) : undefined;
  const indent = lines.linePos(firstKey?.range?.[0] ?? 0).col - 1;
  // After the line holding the last entry's end: a trailing comment on that line stays where it is.
  const nl = content.indexOf('\n', Math.max(0, lastEnd - 1));
  const at = nl < 0 ? content.length : nl;
  return { start: at, end: at, text: `\n${block(rest, value, indent)}` };
}

/** End offset of a pair's value (or key), ignoring trailing comments and blank lines. */
function endOf(item: unknown): number | undefined {
  if (!isPair(item)) return undefined;
  const v = item.value as Node | null;
  const k = item.key as Node | null;
  return v?.range?.[1] ?? k?.range?.[1];
}

/** `a:\n  b: value` indented by `indent` spaces. */
function block(rest: Segment[], value: Value, indent: number): string {
  return rest
    .map((seg, i) => {
      const pad = ' '.repeat(indent + 2 * i);
      const key = scalarText(String(seg), false);
      return i === rest.length - 1 ? `${pad}${key}: ${scalarText(value, false)}` : `${pad}${key}:`;
    })
    .join('\n');
}

function flowEntry(rest: Segment[], value: Value, json: boolean): string {
  const key = (s: Segment) => (json ? JSON.stringify(String(s)) : scalarText(String(s), true));
  const [head, ...tail] = rest;
  if (head === undefined) return '';
  return tail.length ? `${key(head)}: { ${flowEntry(tail, value, json)} }` : `${key(head)}: ${json ? JSON.stringify(value) : scalarText(value, true)}`;
}

function scalarText(value: Value, flow: boolean): string {
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  const text = stringify(value).trimEnd();
  return flow && /[,{}[\]]/.test(text) ? JSON.stringify(value) : text;
}
