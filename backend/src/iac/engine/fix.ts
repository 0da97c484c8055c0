import { isMap, isSeq, parseAllDocuments, type Document } from 'yaml';
import type { Finding, SourceFile, Value } from '../model.js';

/** Applies the machine fixes of `findings` to the files they point at; returns the changed files and what was applied. */
export function applyFixes(files: SourceFile[], findings: Finding[]): { files: SourceFile[]; applied: Finding[] } {
  const byFile = new Map<string, Finding[]>();
  for (const f of findings) if (f.fix) byFile.set(f.file, [...(byFile.get(f.file) ?? []), f]);
  const applied: Finding[] = [];
  const out = files.map((file) => {
    const list = byFile.get(file.path);
    if (!list?.length) return file;
    let content = file.content;
    if (file.path.endsWith('.tf')) {
      // Bottom-up so earlier line numbers stay valid.
      for (const f of [...list].sort((a, b) => b.resourceLine - a.resourceLine)) {
        const next = fixTerraform(content, f);
        if (next !== undefined) {
          content = next;
          applied.push(f);
        }
      }
    } else {
      const next = fixYaml(content, list, applied);
      if (next !== undefined) content = next;
    }
    return { path: file.path, content };
  });
  return { files: out, applied };
}

const hclLiteral = (v: Value | undefined): string =>
  typeof v === 'string' ? JSON.stringify(v) : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v ?? null);

/** Finds `{`…`}` of a block whose header line is `start` (0-based); returns the line of the closing brace. */
function blockEnd(lines: string[], start: number): number {
  let depth = 0;
  for (let i = start; i < lines.length; i++) {
    const text = (lines[i] ?? '').replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/#.*$/, '');
    for (const ch of text) {
      if (ch === '{') depth++;
      else if (ch === '}' && --depth === 0) return i;
    }
  }
  return lines.length - 1;
}

/** Sets one attribute inside a Terraform resource block by editing text: replace the line, or insert it (and its blocks). */
export function fixTerraform(content: string, f: Finding): string | undefined {
  if (!f.fix) return undefined;
  const lines = content.split('\n');
  const segments = f.fix.path.split('.').filter((s) => !/^\d+$/.test(s));
  let start = f.resourceLine - 1;
  let end = blockEnd(lines, start);
  const indentOf = (i: number) => /^\s*/.exec(lines[i] ?? '')?.[0] ?? '';
  for (let k = 0; k < segments.length; k++) {
    const name = segments[k] ?? '';
    const last = k === segments.length - 1;
    const inner = indentOf(start) + '  ';
    let found = -1;
    let depth = 0;
    for (let i = start + 1; i < end; i++) {
      const line = lines[i] ?? '';
      if (depth === 0 && new RegExp(`^\\s*${name}\\s*(=|\\{)`).test(line)) {
        found = i;
        break;
      }
      depth += (line.match(/\{/g) ?? []).length - (line.match(/\}/g) ?? []).length;
    }
    if (last) {
      const text = `${inner}${name} = ${hclLiteral(f.fix.value)}`;
      if (found >= 0 && /=/.test(lines[found] ?? '') && !/[{[(]\s*$/.test(lines[found] ?? '')) lines[found] = text;
      else lines.splice(end, 0, text);
      return lines.join('\n');
    }
    if (found >= 0 && /\{\s*$/.test(lines[found] ?? '')) {
      start = found;
      end = blockEnd(lines, found);
      continue;
    }
    // Build the missing nested blocks in one go.
    const rest = segments.slice(k);
    const block: string[] = [];
    rest.forEach((seg, j) => {
      const pad = inner + '  '.repeat(j);
      block.push(j === rest.length - 1 ? `${pad}${seg} = ${hclLiteral(f.fix?.value)}` : `${pad}${seg} {`);
    });
    for (let j = rest.length - 2; j >= 0; j--) block.push(`${inner}${'  '.repeat(j)}}`);
    lines.splice(end, 0, ...block);
    return lines.join('\n');
  }
  return undefined;
}

/** Sets attributes in CloudFormation templates and Kubernetes manifests through the YAML document model (comments kept). */
function fixYaml(content: string, findings: Finding[], applied: Finding[]): string | undefined {
  const docs = parseAllDocuments(content);
  if (!Array.isArray(docs) || docs.some((d) => d.errors.length)) return undefined;
  const lineStarts = [0];
  for (let i = 0; i < content.length; i++) if (content.charCodeAt(i) === 10) lineStarts.push(i + 1);
  const offsetOf = (line: number) => lineStarts[Math.max(0, line - 1)] ?? 0;
  let changed = false;
  for (const f of findings) {
    if (!f.fix) continue;
    const doc = pickDocument(docs, f, offsetOf);
    if (!doc) continue;
    const rel = f.fix.path.split('.').map((s) => (/^\d+$/.test(s) ? Number(s) : s));
    const path = f.framework === 'cloudformation' ? ['Resources', f.resource.replace(/#\d+$/, ''), 'Properties', ...rel] : rel;
    doc.setIn(path, doc.createNode(f.fix.value));
    applied.push(f);
    changed = true;
  }
  if (!changed) return undefined;
  return docs.map((d) => d.toString()).join('');
}

function pickDocument(docs: Document.Parsed[], f: Finding, offsetOf: (line: number) => number): Document.Parsed | undefined {
  if (f.framework === 'cloudformation') {
    const m = /#(\d+)$/.exec(f.resource);
    return docs[m ? Number(m[1]) - 1 : 0];
  }
  const at = offsetOf(f.resourceLine);
  return docs.find((d) => (isMap(d.contents) || isSeq(d.contents)) && d.range[0] <= at && at <= d.range[2]) ?? docs.find((d) => d.range[0] >= at);
}
