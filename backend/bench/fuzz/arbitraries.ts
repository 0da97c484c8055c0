import fc from 'fast-check';

/** Keys that poison a naive object merge or lookup. */
export const POLLUTION_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf'];

/** Strings an attacker would send: unicode of every plane, control and NUL bytes, huge, numeric-looking, pollution keys. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 30 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.constantFrom(...POLLUTION_KEYS) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('', ' ', '\u0000', '\uD800', '\uFFFF', '\u202E', 'NaN', '-0', '1e309', '0x1F', '9'.repeat(30), '%00', '../../etc/passwd', '${jndi:x}', '{{7*7}}'),
  },
  { weight: 1, arbitrary: fc.tuple(fc.string({ minLength: 1, maxLength: 3 }), fc.integer({ min: 1000, max: 120_000 })).map(([s, n]) => s.repeat(Math.ceil(n / s.length)).slice(0, n)) },
);

/** A key for a JSON object: mostly ordinary, sometimes a pollution key. */
export const hostileKey: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 2, arbitrary: fc.constantFrom(...POLLUTION_KEYS) },
  { weight: 1, arbitrary: hostileString },
);

/** Any JSON value, with hostile strings and keys; objects are built with own `__proto__` keys as JSON.parse would. */
export const hostileJson: fc.Arbitrary<unknown> = fc
  .letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.constantFrom(null, true, false, 0, -1, 1.5, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2),
      fc.double(),
      hostileString,
      fc.array(tie('value'), { maxLength: 5 }),
      fc.array(fc.tuple(hostileKey, tie('value')), { maxLength: 5 }).map(entriesToObject),
    ),
  }))
  .value.map((v) => (Number.isNaN(v) || v === Infinity || v === -Infinity ? null : v));

/** Objects as JSON.parse builds them: `__proto__` becomes an own property, not the prototype. */
export function entriesToObject(entries: Array<[string, unknown]>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of entries) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  return out;
}

/** Nesting far deeper than any real payload: `[[[...]]]` or `{"a":{"a":...}}`. */
export const deepJsonText: fc.Arbitrary<string> = fc
  .tuple(fc.integer({ min: 100, max: 50_000 }), fc.boolean())
  .map(([depth, arr]) => (arr ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)));

/** A deeply nested JS value (as if parsed from deepJsonText); it prints itself briefly, as fast-check's printer would overflow. */
export const deepJson: fc.Arbitrary<unknown> = deepJsonText.map((t) => {
  const value = JSON.parse(t) as object;
  Object.defineProperty(value, fc.toStringMethod, { value: () => `JSON.parse(${JSON.stringify(t.slice(0, 12))}… ${t.length} chars)`, enumerable: false });
  return value;
});

/** Replaces some values of a valid-ish record with hostile ones, drops keys, or adds pollution keys. */
export function corrupt<T extends Record<string, unknown>>(valid: fc.Arbitrary<T>): fc.Arbitrary<unknown> {
  return fc
    .tuple(valid, fc.array(fc.tuple(fc.nat(), fc.oneof(hostileJson, fc.constant(undefined))), { maxLength: 3 }), fc.array(fc.tuple(hostileKey, hostileJson), { maxLength: 2 }))
    .map(([v, edits, extra]) => {
      const entries: Array<[string, unknown]> = Object.entries(v);
      for (const [i, value] of edits) {
        if (!entries.length) break;
        const at = i % entries.length;
        entries[at] = [entries[at]![0], value];
      }
      return entriesToObject([...entries.filter(([, x]) => x !== undefined), ...extra]);
    });
}

/** Byte-level edits of a seed text: insert, delete, duplicate, swap lines, splice hostile text. */
export function mutatedText(seeds: string[]): fc.Arbitrary<string> {
  const edit = fc.oneof(
    fc.record({ op: fc.constant('insert' as const), at: fc.nat(), text: fc.oneof(hostileString, fc.constantFrom('{', '}', '[', ']', '"', "'", ':', '\n', '\t', '  ', '- ', '&a ', '*a', '!Ref ', '${', '%{', '<<: *a', '---\n', '#', '=', ',', '\\', '\u0000')) }),
    fc.record({ op: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 40 }) }),
    fc.record({ op: fc.constant('dup' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 200 }), times: fc.integer({ min: 2, max: 50 }) }),
    fc.record({ op: fc.constant('swap' as const), a: fc.nat(), b: fc.nat() }),
  );
  return fc.tuple(fc.constantFrom(...seeds), fc.array(edit, { minLength: 1, maxLength: 6 })).map(([seed, edits]) => {
    let s = seed;
    for (const e of edits) {
      const at = s.length ? ('at' in e ? e.at % (s.length + 1) : 0) : 0;
      if (e.op === 'insert') s = s.slice(0, at) + e.text + s.slice(at);
      else if (e.op === 'delete') s = s.slice(0, at) + s.slice(at + e.len);
      else if (e.op === 'dup') s = s.slice(0, at) + s.slice(at, at + e.len).repeat(e.times) + s.slice(at);
      else {
        const lines = s.split('\n');
        const [i, j] = [e.a % lines.length, e.b % lines.length];
        [lines[i], lines[j]] = [lines[j]!, lines[i]!];
        s = lines.join('\n');
      }
    }
    return s;
  });
}

/** Random text of the characters a parser cares about. */
export const syntaxSoup: fc.Arbitrary<string> = fc
  .array(fc.oneof(fc.constantFrom('{', '}', '[', ']', '(', ')', '"', "'", ':', '\n', ' ', '  ', '-', '&', '*', '!', '$', '%', '#', '=', ',', '.', '\\', '|', '>', '<<', '?', 'a', 'b', '1', 'true', 'null', '${', '}}'), fc.string({ maxLength: 4 })), { maxLength: 120 })
  .map((parts) => parts.join(''));

/** The value type an arbitrary generates. */
export type ValueOf<A> = A extends fc.Arbitrary<infer T> ? T : never;

/** Lower-case hex of a length in [min, max]. */
export const hex = (min: number, max = min): fc.Arbitrary<string> => fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: min, maxLength: max });
