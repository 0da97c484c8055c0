import { createHash } from 'node:crypto';

/** 4,096 hashed dimensions: plenty for incident vocabularies, small as sparse JSON. */
const DIMS = 4096;

/** Feature hashing with a sign bit (Weinberger et al.): collisions cancel instead of piling up. */
export function hashVector(tokens: Array<string | [string, number]>): Record<string, number> {
  const v = new Map<number, number>();
  for (const t of tokens) {
    const [token, weight] = typeof t === 'string' ? [t, 1] : t;
    const h = createHash('md5').update(token).digest();
    const index = h.readUInt32LE(0) % DIMS;
    const sign = (h[4] ?? 0) & 1 ? 1 : -1;
    v.set(index, (v.get(index) ?? 0) + sign * weight);
  }
  const norm = Math.sqrt([...v.values()].reduce((s, x) => s + x * x, 0)) || 1;
  return Object.fromEntries([...v].filter(([, x]) => x !== 0).map(([i, x]) => [String(i), x / norm]));
}

export function cosineSparse(a: Record<string, number>, b: Record<string, number>): number {
  let s = 0;
  const [small, large] = Object.keys(a).length < Object.keys(b).length ? [a, b] : [b, a];
  for (const [k, x] of Object.entries(small)) s += x * (large[k] ?? 0);
  return s;
}

const words = (s: string) => s.toLowerCase().split(/[^a-z0-9_-]+/).filter((w) => w.length > 2 && !/^\d+$/.test(w));

/** The tokens an incident is known by: services, signal sources and words, labels, log templates, its fault signature. */
export function incidentTokens(i: {
  services: string[];
  signals: Array<{ source: string; summary: string }>;
  labels: Record<string, string>;
  templates?: string[];
  rootCause?: string | null;
  features?: Record<string, number>;
}): Array<string | [string, number]> {
  const out: Array<string | [string, number]> = [];
  for (const s of i.services) out.push([`svc:${s}`, 2]);
  for (const s of i.signals) {
    out.push(`src:${s.source}`);
    for (const w of words(s.summary)) out.push(`sig:${w}`);
  }
  for (const [k, v] of Object.entries(i.labels)) if (!/^(?:__|grafana_folder|instance$)/.test(k)) out.push(`label:${k}=${v}`);
  for (const t of i.templates ?? []) for (const w of words(t.replace(/<\*>/g, ''))) out.push(`log:${w}`);
  if (i.rootCause) out.push([`cause:${i.rootCause}`, 3]);
  for (const [k, v] of Object.entries(i.features ?? {})) {
    if (k === 'bias') continue;
    const level = v >= 1 ? 'high' : v >= 0.2 ? 'some' : 'none';
    if (level !== 'none') out.push([`feat:${k}:${level}`, 2]);
  }
  return out;
}
