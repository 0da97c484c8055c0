import { InvariantError } from './target.js';

// PostgreSQL refuses NUL in text and jsonb, and jsonb refuses an unpaired surrogate's \u escape.
// eslint-disable-next-line no-control-regex -- the NUL is what this looks for
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Throws InvariantError when `value` holds something the store cannot write (a NUL, an unpaired surrogate, an
 * invalid Date, a non-finite number in JSON): an accepted input must be storable, or the request ends in a 500.
 */
export function assertStorable(value: unknown, where: string, seen = new Set<unknown>()): void {
  if (typeof value === 'string') {
    if (UNSTORABLE.test(value)) throw new InvariantError(`${where}: a string PostgreSQL cannot store (${JSON.stringify(value.slice(0, 40))})`);
    return;
  }
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new InvariantError(`${where}: an invalid Date`);
    return;
  }
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if (Array.isArray(value)) {
    value.forEach((v, i) => assertStorable(v, `${where}[${i}]`, seen));
    return;
  }
  for (const [k, v] of Object.entries(value)) {
    assertStorable(k, `${where} key`, seen);
    assertStorable(v, `${where}.${k.slice(0, 20)}`, seen);
  }
}
