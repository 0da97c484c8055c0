/**
 * Field ownership as the API server tracks it in `metadata.managedFields` (FieldsV1), and server-side
 * apply on top of it: an applier owns the fields of its configuration, conflicts with another manager's
 * differing value unless forced, and its fields that leave its configuration are removed when nobody
 * else owns them. Lists of objects merge by their key (containers by name, ports by port number…);
 * other lists are atomic.
 */

type Any = Record<string, unknown>;
type Segment = string; // `f:<field>` or `k:<json key object>`
type Path = Segment[];

export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: Any;
  subresource?: string;
}

export interface FieldConflict {
  manager: string;
  field: string;
}

export class ApplyConflictError extends Error {
  constructor(readonly conflicts: FieldConflict[]) {
    super(`Apply failed with ${conflicts.length} conflict${conflicts.length === 1 ? '' : 's'}: ${conflicts.map((c) => `conflict with "${c.manager}": ${c.field}`).join('\n')}`);
  }
}

const isObject = (v: unknown): v is Any => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The key fields of list items, by what the items carry (the simulator's kinds only need these). */
function keyOf(item: unknown): Any | undefined {
  if (!isObject(item)) return undefined;
  if (typeof item.containerPort === 'number') return { containerPort: item.containerPort, ...(item.protocol ? { protocol: item.protocol } : {}) };
  if (typeof item.port === 'number') return { port: item.port, ...(item.protocol ? { protocol: item.protocol } : {}) };
  if (typeof item.mountPath === 'string') return { mountPath: item.mountPath };
  if (typeof item.name === 'string') return { name: item.name };
  if (typeof item.type === 'string' && 'status' in item) return { type: item.type };
  if (typeof item.ip === 'string') return { ip: item.ip };
  return undefined;
}

const keyed = (list: unknown[]) => list.length > 0 && list.every((i) => keyOf(i) !== undefined);
const keySegment = (item: unknown) => `k:${JSON.stringify(keyOf(item))}`;
const matches = (item: unknown, seg: Segment) => keySegment(item) === seg;

/** Leaf paths of a configuration, skipping identity fields the applier cannot own. */
export function fieldPaths(obj: unknown): Path[] {
  const out: Path[] = [];
  const walk = (v: unknown, at: Path) => {
    if (isObject(v) && Object.keys(v).length > 0) {
      for (const [k, child] of Object.entries(v)) {
        if (at.length === 0 && (k === 'apiVersion' || k === 'kind' || k === 'status')) continue;
        if (at.length === 1 && at[0] === 'f:metadata' && ['name', 'namespace', 'uid', 'resourceVersion', 'creationTimestamp', 'generation', 'managedFields'].includes(k)) continue;
        walk(child, [...at, `f:${k}`]);
      }
    } else if (Array.isArray(v) && keyed(v)) {
      for (const item of v) {
        const seg = keySegment(item);
        out.push([...at, seg, '.']);
        walk(item, [...at, seg]);
      }
    } else if (at.length) out.push(at);
  };
  walk(obj, []);
  return out;
}

export function toFieldsV1(paths: Path[]): Any {
  const root: Any = {};
  for (const p of paths) {
    let node = root;
    for (const seg of p) node = (node[seg] ??= {}) as Any;
  }
  return root;
}

export function fromFieldsV1(fields: unknown): Path[] {
  const out: Path[] = [];
  const walk = (node: unknown, at: Path) => {
    if (!isObject(node) || Object.keys(node).length === 0) {
      if (at.length) out.push(at);
      return;
    }
    for (const [k, v] of Object.entries(node)) walk(v, [...at, k]);
  };
  walk(fields, []);
  return out;
}

const pathKey = (p: Path) => p.join('\u0000');
const pathText = (p: Path) => p.filter((s) => s !== '.').map((s) => (s.startsWith('f:') ? `.${s.slice(2)}` : `[${s.slice(2)}]`)).join('');

function valueAt(obj: unknown, path: Path): unknown {
  let v: unknown = obj;
  for (const seg of path) {
    if (seg === '.') return v;
    if (seg.startsWith('f:')) v = isObject(v) ? v[seg.slice(2)] : undefined;
    else v = Array.isArray(v) ? v.find((i) => matches(i, seg)) : undefined;
    if (v === undefined) return undefined;
  }
  return v;
}

function removeAt(obj: Any, path: Path): void {
  const parentPath = path[path.length - 1] === '.' ? path.slice(0, -2) : path.slice(0, -1);
  const last = path[path.length - 1] === '.' ? (path[path.length - 2] as Segment) : (path[path.length - 1] as Segment);
  const parent = parentPath.length ? valueAt(obj, parentPath) : obj;
  if (last.startsWith('f:') && isObject(parent)) delete parent[last.slice(2)];
  else if (Array.isArray(parent)) {
    const i = parent.findIndex((item) => matches(item, last));
    if (i >= 0) parent.splice(i, 1);
  }
}

/** The applied configuration merged into the live object: maps recursively, keyed lists by key, the rest replaced. */
function merge(live: unknown, applied: unknown): unknown {
  if (isObject(applied)) {
    const out: Any = isObject(live) ? { ...live } : {};
    for (const [k, v] of Object.entries(applied)) out[k] = merge(out[k], v);
    return out;
  }
  if (Array.isArray(applied) && keyed(applied) && Array.isArray(live) && live.every((i) => keyOf(i) !== undefined)) {
    const out = live.map((item) => {
      const next = applied.find((a) => keySegment(a) === keySegment(item));
      return next === undefined ? item : merge(item, next);
    });
    for (const a of applied) if (!live.some((item) => keySegment(item) === keySegment(a))) out.push(structuredClone(a));
    return out;
  }
  return structuredClone(applied);
}

const sameValue = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function entriesOf(obj: Any | undefined): ManagedFieldsEntry[] {
  const mf = (obj?.metadata as Any | undefined)?.managedFields;
  return Array.isArray(mf) ? (mf as ManagedFieldsEntry[]) : [];
}

/**
 * Server-side apply of `applied` by `manager` onto `live` (undefined: the object is being created).
 * Returns the merged object with its new managedFields; throws ApplyConflictError unless `force`.
 */
export function serverSideApply(live: Any | undefined, applied: Any, o: { manager: string; force: boolean; apiVersion: string; time: string }): Any {
  const mine = fieldPaths(applied);
  const mineKeys = new Set(mine.map(pathKey));
  const entries = entriesOf(live).map((e) => ({ ...e, paths: fromFieldsV1(e.fieldsV1) }));
  const isMe = (e: ManagedFieldsEntry) => e.manager === o.manager && e.operation === 'Apply';
  const conflicts: FieldConflict[] = [];
  for (const e of entries.filter((x) => !isMe(x))) {
    for (const p of e.paths) {
      if (!mineKeys.has(pathKey(p)) || p[p.length - 1] === '.') continue;
      if (!sameValue(valueAt(live, p), valueAt(applied, p))) conflicts.push({ manager: e.manager, field: pathText(p) });
    }
  }
  if (conflicts.length && !o.force) throw new ApplyConflictError(conflicts);
  const lost = new Set(conflicts.map((c) => `${c.manager}\u0000${c.field}`));
  const others = entries
    .filter((x) => !isMe(x))
    .map((e) => ({ ...e, paths: e.paths.filter((p) => !lost.has(`${e.manager}\u0000${pathText(p)}`)) }))
    .filter((e) => e.paths.length > 0);
  const merged = merge(live ?? {}, applied) as Any;
  const previous = entries.find(isMe)?.paths ?? [];
  const ownedByOthers = new Set(others.flatMap((e) => e.paths.map(pathKey)));
  // Deepest first, so a removed list item goes before its parent is looked at.
  for (const p of [...previous].sort((a, b) => b.length - a.length)) {
    if (!mineKeys.has(pathKey(p)) && !ownedByOthers.has(pathKey(p))) removeAt(merged, p);
  }
  const entry: ManagedFieldsEntry = { manager: o.manager, operation: 'Apply', apiVersion: o.apiVersion, time: o.time, fieldsType: 'FieldsV1', fieldsV1: toFieldsV1(mine) };
  const managedFields = [...others.map(({ paths, ...e }) => ({ ...e, fieldsV1: toFieldsV1(paths) })), entry];
  return { ...merged, metadata: { ...(merged.metadata as Any), managedFields } };
}

/**
 * Ownership after an ordinary write (create, update, patch): the fields it set or changed move to
 * `manager` (operation Update); managers left with nothing are dropped.
 */
export function recordUpdate(before: Any | undefined, after: Any, o: { manager: string; apiVersion: string; time: string; subresource?: string }): Any {
  const changed = fieldPaths(after).filter((p) => before === undefined || !sameValue(valueAt(before, p), valueAt(after, p)));
  const entries = entriesOf(before).map((e) => ({ ...e, paths: fromFieldsV1(e.fieldsV1) }));
  if (changed.length === 0) return { ...after, metadata: { ...(after.metadata as Any), managedFields: entriesOf(before) } };
  const taken = new Set(changed.map(pathKey));
  const isMe = (e: ManagedFieldsEntry) => e.manager === o.manager && e.operation === 'Update' && e.subresource === o.subresource;
  const mine = entries.find(isMe)?.paths ?? [];
  const stillThere = (p: Path) => valueAt(after, p) !== undefined;
  const others = entries
    .filter((e) => !isMe(e))
    .map((e) => ({ ...e, paths: e.paths.filter((p) => !taken.has(pathKey(p)) && stillThere(p)) }))
    .filter((e) => e.paths.length > 0);
  const ownPaths = [...new Map([...mine.filter(stillThere), ...changed].map((p) => [pathKey(p), p])).values()];
  const entry: ManagedFieldsEntry = { manager: o.manager, operation: 'Update', apiVersion: o.apiVersion, time: o.time, fieldsType: 'FieldsV1', fieldsV1: toFieldsV1(ownPaths), ...(o.subresource ? { subresource: o.subresource } : {}) };
  const managedFields = [...others.map(({ paths, ...e }) => ({ ...e, fieldsV1: toFieldsV1(paths) })), entry];
  return { ...after, metadata: { ...(after.metadata as Any), managedFields } };
}

/** The manager name the API server uses when a write names none: the client's User-Agent program name. */
export function defaultManager(userAgent: string | undefined): string {
  const name = (userAgent ?? '').split('/')[0]?.trim();
  return name ? name.slice(0, 128) : 'unknown';
}
