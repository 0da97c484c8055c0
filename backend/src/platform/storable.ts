import { InputError } from './errors.js';

// PostgreSQL stores no NUL in text or jsonb, and jsonb refuses the \u escape of an unpaired UTF-16 surrogate.
// eslint-disable-next-line no-control-regex -- the NUL is what this looks for
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * The path of the first string (value or key) in `value` that PostgreSQL cannot store, or undefined. Walks
 * iteratively: a request body may nest deeper than the call stack.
 */
export function unstorablePath(value: unknown): string | undefined {
  const stack: Array<[unknown, string]> = [[value, '']];
  while (stack.length) {
    const [v, path] = stack.pop() as [unknown, string];
    if (typeof v === 'string') {
      if (UNSTORABLE.test(v)) return path || '(root)';
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], `${path}[${i}]`]);
    } else if (v !== null && typeof v === 'object' && !(v instanceof Date) && !Buffer.isBuffer(v)) {
      for (const [k, x] of Object.entries(v)) {
        const at = path ? `${path}.${k}` : k;
        if (UNSTORABLE.test(k)) return `${path || '(root)'} key`;
        stack.push([x, at]);
      }
    }
  }
  return undefined;
}

/** Refuses input holding text the store cannot keep, with where it is, before it can fail a write (or a batch of them). */
export function assertStorable(value: unknown, what: string): void {
  const path = unstorablePath(value);
  if (path !== undefined)
    throw new InputError(`${what}: ${path.slice(0, 200)} holds a NUL character or an unpaired UTF-16 surrogate, which cannot be stored`);
}

const UNSTORABLE_ALL = new RegExp(UNSTORABLE.source, 'g');

/** Text made storable: each NUL and unpaired surrogate becomes U+FFFD (for text we keep rather than refuse, e.g. scan findings). */
export function storableText(s: string): string {
  return UNSTORABLE.test(s) ? s.replace(UNSTORABLE_ALL, '\uFFFD') : s;
}

/** storableText over every string (and key) of a JSON value. */
export function storableValue<T>(value: T): T {
  if (typeof value === 'string') return storableText(value) as T;
  if (Array.isArray(value)) return value.map(storableValue) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) Object.defineProperty(out, storableText(k), { value: storableValue(v), enumerable: true, writable: true, configurable: true });
    return out as T;
  }
  return value;
}

/** The first `n` UTF-16 units of `s`, one fewer when the cut would split a surrogate pair (half a pair cannot be stored). */
export function clip(s: string, n: number): string {
  if (s.length <= n) return s;
  const code = s.charCodeAt(n - 1);
  return s.slice(0, code >= 0xd800 && code <= 0xdbff ? n - 1 : n);
}
