import type { KubeObject } from './objects.js';

export class SelectorError extends Error {}

type Requirement = (labels: Record<string, string>) => boolean;

/** Parses a label selector: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`. */
export function parseLabelSelector(text: string | undefined): Requirement {
  if (!text) return () => true;
  const reqs: Requirement[] = [];
  for (const raw of splitTopLevel(text)) {
    const part = raw.trim();
    if (!part) continue;
    let m: RegExpExecArray | null;
    if ((m = /^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(part))) {
      const [, key = '', op = '', list = ''] = m;
      const values = new Set(list.split(',').map((v) => v.trim()));
      reqs.push(op === 'in' ? (l) => key in l && values.has(l[key] as string) : (l) => !(key in l) || !values.has(l[key] as string));
    } else if ((m = /^([\w./-]+)\s*(==|=|!=)\s*([\w./-]*)$/.exec(part))) {
      const [, key = '', op = '', value = ''] = m;
      reqs.push(op === '!=' ? (l) => l[key] !== value : (l) => l[key] === value);
    } else if ((m = /^!([\w./-]+)$/.exec(part))) {
      const key = m[1] as string;
      reqs.push((l) => !(key in l));
    } else if ((m = /^([\w./-]+)$/.exec(part))) {
      const key = m[1] as string;
      reqs.push((l) => key in l);
    } else throw new SelectorError(`unable to parse requirement: ${part}`);
  }
  return (labels) => reqs.every((r) => r(labels));
}

function splitTopLevel(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

/** Parses a field selector (`metadata.name=x,involvedObject.kind!=Pod`). */
export function parseFieldSelector(text: string | undefined): (o: KubeObject) => boolean {
  if (!text) return () => true;
  const reqs = text
    .split(',')
    .filter(Boolean)
    .map((part) => {
      const m = /^([\w.]+)\s*(==|=|!=)\s*(.*)$/.exec(part.trim());
      if (!m) throw new SelectorError(`invalid field selector: ${part}`);
      const [, path = '', op = '', value = ''] = m;
      return (o: KubeObject) => {
        const v = fieldValue(o, path);
        return op === '!=' ? v !== value : v === value;
      };
    });
  return (o) => reqs.every((r) => r(o));
}

function fieldValue(o: KubeObject, path: string): string {
  let cur: unknown = o;
  for (const p of path.split('.')) cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[p] : undefined;
  return cur === undefined || cur === null ? '' : String(cur);
}
