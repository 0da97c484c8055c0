import { isObject, Unknown, type Value, type ValueMap } from '../model.js';

/**
 * `Fn::ForEach` of the AWS::LanguageExtensions transform, expanded before the template is evaluated:
 * `'Fn::ForEach::Name': [Identifier, Collection, {OutputKey: OutputValue, ...}]` makes one copy of every
 * OutputKey/OutputValue per collection item. `${Identifier}` in an OutputKey becomes the item and `&{Identifier}`
 * the item without its non-alphanumeric characters; in an OutputValue, `Ref: Identifier` becomes the item and
 * `${Identifier}` in an `Fn::Sub` string too. A fragment may hold further loops (nested loops).
 */

export const FOR_EACH_PREFIX = 'Fn::ForEach::';

/** One section entry after expansion: the key it ends up under and where its value sits in the source. */
export interface ExpandedEntry {
  key: string;
  value: Value;
  /** Dotted path of the value in the document, through the loop(s) that made it (`Resources.Fn::ForEach::X.2.${N}Bucket`). */
  rawPath: string;
}

export interface ForEachProblem {
  /** Dotted path of the offending loop. */
  rawPath: string;
  message: string;
}

/** Resolves a loop's collection to its items, or Unknown when it depends on something not known before deployment. */
export type CollectionResolver = (collection: Value, rawPath: string) => string[] | Unknown;

/** Copies made from loops in one section, past which the expansion stops: nested loops multiply. */
export const MAX_FOR_EACH_ENTRIES = 10_000;

/** Identifier → item bindings of the loops an entry sits in, outermost first. */
type Bindings = ReadonlyArray<readonly [identifier: string, item: string]>;

interface Pending {
  key: string;
  value: Value;
  rawPath: string;
  bindings: Bindings;
}

/** Expands every `Fn::ForEach::*` key of `section` (a Resources, Conditions or Outputs map). */
export function expandForEach(section: ValueMap, sectionPath: string, items: CollectionResolver): { entries: ExpandedEntry[]; problems: ForEachProblem[] } {
  const entries: ExpandedEntry[] = [];
  const problems: ForEachProblem[] = [];
  const pending: Pending[] = Object.entries(section).map(([key, value]) => ({ key, value, rawPath: `${sectionPath}.${key}`, bindings: [] }));
  // A work list, not recursion: loop bodies may nest loops to any depth. Keys and values stay raw until an entry is
  // final, so every generated entry still knows the source path of the fragment it came from.
  while (pending.length > 0) {
    const entry = pending.shift();
    if (!entry) break;
    if (!entry.key.startsWith(FOR_EACH_PREFIX)) {
      entries.push({ key: bindAll(entry.key, entry.bindings, substituteKey), value: bindAll(entry.value, entry.bindings, substituteValue), rawPath: entry.rawPath });
      continue;
    }
    const copies = expandLoop(entry, items, problems);
    if (entries.length + pending.length + copies.length > MAX_FOR_EACH_ENTRIES) {
      problems.push({ rawPath: entry.rawPath, message: `${entry.key}: expands to more than ${MAX_FOR_EACH_ENTRIES} entries; the rest of the loop is not evaluated` });
      continue;
    }
    pending.unshift(...copies);
  }
  return { entries, problems };
}

function bindAll<T>(x: T, bindings: Bindings, sub: (x: T, identifier: string, item: string) => T): T {
  return bindings.reduce((acc, [identifier, item]) => sub(acc, identifier, item), x);
}

function expandLoop(loop: Pending, items: CollectionResolver, problems: ForEachProblem[]): Pending[] {
  const def = loop.value;
  if (!Array.isArray(def) || def.length !== 3 || typeof def[0] !== 'string' || !isObject(def[2])) {
    problems.push({ rawPath: loop.rawPath, message: `${loop.key}: expected [Identifier, Collection, {OutputKey: OutputValue}]` });
    return [];
  }
  const [identifier, collection, fragment] = def as [string, Value, ValueMap];
  const fragmentPath = `${loop.rawPath}.2`;
  // An inner loop's collection may name an outer loop's identifier.
  const values = items(bindAll(collection, loop.bindings, substituteValue), `${loop.rawPath}.1`);
  const copies = (bindings: Bindings) => Object.entries(fragment).map(([key, value]) => ({ key, value, rawPath: `${fragmentPath}.${key}`, bindings }));
  // An unknown collection still gets its body checked once, with the identifier left unresolved.
  if (values instanceof Unknown) return copies(loop.bindings);
  return values.flatMap((item) => copies([...loop.bindings, [identifier, item] as const]));
}

/** `${Id}` → the item; `&{Id}` → the item with only its letters and digits (logical ids allow nothing else). */
function substituteKey(key: string, identifier: string, item: string): string {
  return key.split(`\${${identifier}}`).join(item).split(`&{${identifier}}`).join(item.replace(/[^A-Za-z0-9]/g, ''));
}

/** Replaces the identifier in an OutputValue: `Ref: Id`, `${Id}` inside `Fn::Sub`, and keys of nested fragments. */
function substituteValue(value: Value, identifier: string, item: string): Value {
  if (Array.isArray(value)) return value.map((v) => substituteValue(v, identifier, item));
  if (!isObject(value)) return value;
  const keys = Object.keys(value);
  if (keys.length === 1 && keys[0] === 'Ref' && value.Ref === identifier) return item;
  if (keys.length === 1 && keys[0] === 'Fn::Sub') return { 'Fn::Sub': substituteSub(value['Fn::Sub'] ?? null, identifier, item) };
  const out: ValueMap = {};
  for (const k of keys) out[substituteKey(k, identifier, item)] = substituteValue(value[k] ?? null, identifier, item);
  return out;
}

function substituteSub(arg: Value, identifier: string, item: string): Value {
  const text = (s: Value) => (typeof s === 'string' ? substituteKey(s, identifier, item) : s);
  if (typeof arg === 'string') return text(arg);
  // `[text, {var: value}]`: a variable of the same name shadows the identifier, as in Fn::Sub itself.
  if (Array.isArray(arg) && isObject(arg[1]) && identifier in arg[1]) return arg;
  if (Array.isArray(arg)) return [text(arg[0] ?? null), substituteValue(arg[1] ?? null, identifier, item)];
  return arg;
}
