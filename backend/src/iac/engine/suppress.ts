import type { Resource } from '../model.js';

const INLINE = /(?:#|\/\/)\s*aegis:ignore=([a-z0-9-]+)(?:[ \t]+([^\n]*))?/g;

export interface InlineSuppression {
  line: number;
  rule: string;
  reason: string;
}

/** `# aegis:ignore=<rule> <reason>` comments (also `//` in HCL) with their lines. */
export function inlineSuppressions(content: string): InlineSuppression[] {
  if (!content.includes('aegis:ignore=')) return [];
  const out: InlineSuppression[] = [];
  const lineStarts: number[] = [0];
  for (let i = 0; i < content.length; i++) if (content.charCodeAt(i) === 10) lineStarts.push(i + 1);
  for (const m of content.matchAll(INLINE)) {
    const at = m.index ?? 0;
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((lineStarts[mid] ?? 0) <= at) lo = mid;
      else hi = mid - 1;
    }
    out.push({ line: lo + 1, rule: m[1] ?? '', reason: (m[2] ?? '').trim() });
  }
  return out;
}

/** A comment inside a resource, or on the line just above it, suppresses that rule for the resource. */
export function applyInline(resources: Resource[], byFile: Map<string, InlineSuppression[]>): void {
  for (const r of resources) {
    const list = byFile.get(r.file);
    if (!list) continue;
    for (const s of list) if (s.line >= r.span.line - 1 && s.line <= r.span.endLine) r.suppressed.set(s.rule, s.reason);
  }
}
