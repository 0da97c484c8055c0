import { isMap, isSeq, type Document, type LineCounter, type YAMLMap } from 'yaml';
import { isObject, type ParseError, type Resource, type Span, type Value, type ValueMap } from '../model.js';
import { parseYamlDocuments, toPlain, YamlLimitError, yamlPositions } from './yaml.js';

const IGNORE_ANNOTATION = 'aegis.io/ignore-';

export interface ParsedFile {
  resources: Resource[];
  errors: ParseError[];
}

/** Multi-document YAML (Helm-rendered output included) and `*List` kinds; a broken document is reported and skipped. */
export function parseKubernetes(file: string, content: string): ParsedFile {
  const { docs, lines } = parseYamlDocuments(content);
  const resources: Resource[] = [];
  const errors: ParseError[] = [];
  for (const d of docs) {
    if (d.error) {
      errors.push({ file, line: d.error.line, message: `YAML document at line ${d.span.line}: ${d.error.message}` });
      continue;
    }
    const root = d.doc.contents;
    if (!isMap(root)) continue;
    try {
      const kind: unknown = root.get('kind');
      const items = d.doc.get('items', true);
      if (typeof kind === 'string' && kind.endsWith('List') && isSeq(items)) {
        items.items.forEach((item, i) => {
          if (isMap(item)) pushResource(resources, file, item, d.doc, lines, ['items', String(i)]);
        });
      } else pushResource(resources, file, root, d.doc, lines, [], d.span);
    } catch (err) {
      if (!(err instanceof YamlLimitError)) throw err;
      errors.push({ file, line: d.span.line, message: `YAML document at line ${d.span.line}: ${err.message}` });
    }
  }
  return { resources, errors };
}

function pushResource(
  out: Resource[],
  file: string,
  node: YAMLMap,
  doc: Document.Parsed,
  lines: LineCounter,
  base: string[],
  docSpan?: Span,
): void {
  const attrs = toPlain(node, doc);
  if (!isObject(attrs) || typeof attrs.kind !== 'string') return;
  const meta = isObject(attrs.metadata) ? attrs.metadata : {};
  const name = typeof meta.name === 'string' ? meta.name : '';
  const namespace = typeof meta.namespace === 'string' ? meta.namespace : undefined;
  const start = node.range ? lines.linePos(node.range[0]).line : 1;
  const end = node.range ? lines.linePos(Math.max(node.range[0], node.range[1] - 1)).line : start;
  out.push({
    framework: 'kubernetes',
    kind: attrs.kind,
    name,
    address: [attrs.kind, namespace, name].filter((p) => p !== undefined).join('/'),
    file,
    span: docSpan ? { line: Math.min(docSpan.line, start), endLine: Math.max(docSpan.endLine, end) } : { line: start, endLine: end },
    attrs,
    pos: yamlPositions(doc, lines, base),
    suppressed: annotationSuppressions(attrs),
  });
}

/** `aegis.io/ignore-<rule>: <reason>` and Checkov's `checkov.io/skipN: <CKV_ID>=<reason>` on the object, or on its pod template. */
function annotationSuppressions(attrs: ValueMap): Map<string, string> {
  const out = new Map<string, string>();
  const sources = [getPath(attrs, ['metadata', 'annotations']), getPath(attrs, ['spec', 'template', 'metadata', 'annotations'])];
  for (const ann of sources) {
    if (!isObject(ann)) continue;
    for (const [k, v] of Object.entries(ann)) {
      if (k.startsWith(IGNORE_ANNOTATION)) out.set(k.slice(IGNORE_ANNOTATION.length), typeof v === 'string' ? v : '');
      else if (/^checkov\.io\/skip\d*$/.test(k) && typeof v === 'string') {
        const [id = '', reason = ''] = v.split(/=(.*)/s);
        out.set(`checkov:${id.trim()}`, reason);
      }
    }
  }
  return out;
}

function getPath(v: Value, path: string[]): Value | undefined {
  let cur: Value | undefined = v;
  for (const p of path) cur = isObject(cur) ? cur[p] : undefined;
  return cur;
}
