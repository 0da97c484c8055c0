import { isObject, Unknown, type Resource, type Span, type Value } from '../model.js';

/** Read helpers over one resource's attributes; single-element block lists are stepped through transparently. */
export interface ResourceView {
  readonly res: Resource;
  readonly kind: string;
  /** The value at a dotted path, or undefined when absent. */
  get(path: string): Value | undefined;
  has(path: string): boolean;
  /** Every value reached by the path when it passes through lists (each block, each container). */
  all(path: string): Array<{ value: Value; path: string }>;
  /** Like `all`, but a list at the end of the path is expanded into its elements. */
  each(path: string): Array<{ value: Value; path: string }>;
  /** The source span of the path, or of its deepest present parent, or of the resource. */
  span(path?: string): Span;
}

export function viewOf(res: Resource): ResourceView {
  // Many rules read the same paths of one resource (the pod spec, its containers); each path is walked once.
  const memo = new Map<string, Value | undefined>();
  const get = (path: string): Value | undefined => {
    if (memo.has(path)) return memo.get(path);
    const v = getPath(res.attrs, path);
    memo.set(path, v);
    return v;
  };
  return {
    res,
    kind: res.kind,
    get,
    has: (path) => get(path) !== undefined,
    all: (path) => allPaths(res.attrs, path.split('.'), ''),
    each: (path) =>
      allPaths(res.attrs, path.split('.'), '').flatMap((x) =>
        Array.isArray(x.value) ? x.value.map((value, i) => ({ value, path: `${x.path}.${i}` })) : [x],
      ),
    span(path) {
      if (!path) return res.span;
      const parts = path.split('.');
      for (let n = parts.length; n > 0; n--) {
        const s = res.pos.get(parts.slice(0, n).join('.')) ?? res.pos.get(indexed(res.attrs, parts.slice(0, n)));
        if (s) return s;
      }
      return res.span;
    },
  };
}

/** Rewrites `a.b` to `a.0.b` where `a` is a list, matching how positions are keyed. */
function indexed(root: Value, parts: string[]): string {
  const out: string[] = [];
  let cur: Value | undefined = root;
  for (const p of parts) {
    if (Array.isArray(cur) && !/^\d+$/.test(p)) {
      out.push('0');
      cur = cur[0];
    }
    out.push(p);
    cur = Array.isArray(cur) ? cur[Number(p)] : isObject(cur) ? cur[p] : undefined;
  }
  return out.join('.');
}

const isIndex = (p: string) => p.length > 0 && p.charCodeAt(0) >= 48 && p.charCodeAt(0) <= 57 && /^\d+$/.test(p);

export function getPath(root: Value, path: string): Value | undefined {
  let cur: Value | undefined = root;
  for (const p of path.split('.')) {
    if (cur === undefined || cur === null || cur instanceof Unknown) return cur === null ? undefined : cur;
    if (Array.isArray(cur)) {
      if (isIndex(p)) {
        cur = cur[Number(p)];
        continue;
      }
      cur = cur[0];
      if (cur === undefined) return undefined;
    }
    if (cur instanceof Unknown) return cur;
    cur = isObject(cur) ? cur[p] : undefined;
  }
  return cur;
}

function allPaths(cur: Value | undefined, parts: string[], prefix: string): Array<{ value: Value; path: string }> {
  if (cur === undefined) return [];
  if (parts.length === 0) return [{ value: cur, path: prefix }];
  const [head, ...rest] = parts as [string, ...string[]];
  const join = (k: string | number) => (prefix ? `${prefix}.${k}` : String(k));
  if (Array.isArray(cur)) {
    if (/^\d+$/.test(head)) return allPaths(cur[Number(head)], rest, join(head));
    return cur.flatMap((item, i) => allPaths(item, parts, join(i)));
  }
  if (cur instanceof Unknown) return [{ value: cur, path: prefix }];
  if (!isObject(cur)) return [];
  return allPaths(cur[head], rest, join(head));
}
