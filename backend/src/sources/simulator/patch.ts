/** The three PATCH dialects of the Kubernetes API, applied to plain JSON. */

export class PatchError extends Error {
  constructor(
    message: string,
    /** 400: the patch itself is malformed; 422: it does not apply to this object. */
    readonly status: 400 | 415 | 422,
  ) {
    super(message);
  }
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const isObject = (v: unknown): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** Lists merged by key under strategic merge patch (the fields of the types this API serves). */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  imagePullSecrets: 'name',
  ports: 'containerPort',
  tolerations: 'key',
  hostAliases: 'ip',
  conditions: 'type',
  ownerReferences: 'uid',
};

/** Kubernetes strategic merge patch for the fields above, with the `$patch` and `$setElementOrder` directives. */
export function strategicMergePatch(target: unknown, patch: unknown, field = ''): unknown {
  if (!isObject(patch)) return structuredClone(patch);
  if (patch.$patch === 'replace') {
    const rest = { ...patch };
    delete rest.$patch;
    return rest;
  }
  if (patch.$patch === 'delete') return undefined;
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$setElementOrder/') || k === '$retainKeys' || k.startsWith('$deleteFromPrimitiveList/')) continue;
    if (k.startsWith('$')) throw new PatchError(`unknown strategic merge patch directive ${k} in ${field || 'patch'}`, 400);
    if (v === null) {
      delete out[k];
      continue;
    }
    const mergeKey = MERGE_KEYS[k];
    if (Array.isArray(v) && mergeKey && (Array.isArray(out[k]) || out[k] === undefined)) {
      out[k] = mergeList((out[k] as unknown[] | undefined) ?? [], v, mergeKey, k);
    } else if (isObject(v)) {
      const merged = strategicMergePatch(out[k], v, k);
      if (merged === undefined) delete out[k];
      else out[k] = merged;
    } else out[k] = structuredClone(v);
  }
  return out;
}

function mergeList(current: unknown[], patch: Json[], mergeKey: string, field: string): unknown[] {
  const out = current.map((x) => structuredClone(x));
  for (const item of patch) {
    if (!isObject(item)) throw new PatchError(`${field}: list items must be objects with "${mergeKey}"`, 400);
    const id = item[mergeKey];
    if (id === undefined) throw new PatchError(`${field}: every item needs its merge key "${mergeKey}"`, 400);
    const at = out.findIndex((x) => isObject(x) && x[mergeKey] === id);
    if (item.$patch === 'delete') {
      if (at >= 0) out.splice(at, 1);
      continue;
    }
    if (at >= 0) out[at] = strategicMergePatch(out[at], item, field);
    else out.push(strategicMergePatch({}, item, field));
  }
  return out;
}

interface Operation {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  from?: string;
  value?: unknown;
}

/** Validates the shape of an RFC 6902 document (400 when malformed). */
export function parseJsonPatch(body: unknown): Operation[] {
  if (!Array.isArray(body)) throw new PatchError('json patch must be an array of operations', 400);
  return body.map((op, i) => {
    if (!isObject(op)) throw new PatchError(`json patch operation ${i} is not an object`, 400);
    if (!['add', 'remove', 'replace', 'move', 'copy', 'test'].includes(String(op.op))) {
      throw new PatchError(`json patch operation ${i}: unexpected op "${String(op.op)}"`, 400);
    }
    if (typeof op.path !== 'string' || (op.path !== '' && !op.path.startsWith('/'))) {
      throw new PatchError(`json patch operation ${i}: "path" must be a JSON pointer`, 400);
    }
    if ((op.op === 'move' || op.op === 'copy') && typeof op.from !== 'string') {
      throw new PatchError(`json patch operation ${i}: "${op.op}" needs "from"`, 400);
    }
    if (['add', 'replace', 'test'].includes(op.op as string) && !('value' in op)) {
      throw new PatchError(`json patch operation ${i}: "${String(op.op)}" needs "value"`, 400);
    }
    return { op: op.op as Operation['op'], path: op.path, from: op.from as string | undefined, value: op.value };
  });
}

function pointer(path: string): string[] {
  if (path === '') return [];
  return path
    .slice(1)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** RFC 6902 JSON patch; a failing `test` or a missing path is 422, as the API server answers. */
export function jsonPatch(target: unknown, body: unknown): unknown {
  const ops = parseJsonPatch(body);
  let doc = structuredClone(target);
  for (const op of ops) {
    switch (op.op) {
      case 'test':
        if (JSON.stringify(get(doc, op.path)) !== JSON.stringify(op.value)) {
          throw new PatchError(`testing value ${op.path} failed`, 422);
        }
        break;
      case 'remove':
        doc = remove(doc, op.path);
        break;
      case 'add':
        doc = add(doc, op.path, structuredClone(op.value), false);
        break;
      case 'replace':
        get(doc, op.path);
        doc = add(doc, op.path, structuredClone(op.value), true);
        break;
      case 'move': {
        const value = get(doc, op.from as string);
        doc = add(remove(doc, op.from as string), op.path, value, false);
        break;
      }
      case 'copy':
        doc = add(doc, op.path, structuredClone(get(doc, op.from as string)), false);
        break;
    }
  }
  return doc;
}

function get(doc: unknown, path: string): unknown {
  let cur: unknown = doc;
  for (const part of pointer(path)) {
    if (Array.isArray(cur)) cur = cur[Number(part)];
    else if (isObject(cur) && part in cur) cur = cur[part];
    else throw new PatchError(`path ${path} does not exist`, 422);
    if (cur === undefined) throw new PatchError(`path ${path} does not exist`, 422);
  }
  return cur;
}

function parentOf(doc: unknown, path: string): { parent: unknown; last: string } {
  const parts = pointer(path);
  const last = parts.pop();
  if (last === undefined) return { parent: undefined, last: '' };
  let cur: unknown = doc;
  for (const part of parts) {
    cur = Array.isArray(cur) ? cur[Number(part)] : isObject(cur) ? cur[part] : undefined;
    if (cur === undefined) throw new PatchError(`path ${path}: parent does not exist`, 422);
  }
  return { parent: cur, last };
}

function add(doc: unknown, path: string, value: unknown, replace: boolean): unknown {
  if (path === '') return value;
  const { parent, last } = parentOf(doc, path);
  if (Array.isArray(parent)) {
    const i = last === '-' ? parent.length : Number(last);
    if (!Number.isInteger(i) || i < 0 || i > parent.length) throw new PatchError(`path ${path}: index out of range`, 422);
    if (replace) parent[i] = value;
    else parent.splice(i, 0, value);
  } else if (isObject(parent)) (parent as Record<string, unknown>)[last] = value;
  else throw new PatchError(`path ${path}: cannot add to a non-container`, 422);
  return doc;
}

function remove(doc: unknown, path: string): unknown {
  const { parent, last } = parentOf(doc, path);
  if (Array.isArray(parent)) {
    const i = Number(last);
    if (!Number.isInteger(i) || i < 0 || i >= parent.length) throw new PatchError(`path ${path}: index out of range`, 422);
    parent.splice(i, 1);
  } else if (isObject(parent) && last in parent) delete (parent as Record<string, unknown>)[last];
  else throw new PatchError(`path ${path} does not exist`, 422);
  return doc;
}

export const PATCH_TYPES = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
} as const;

/** Applies a PATCH body by its Content-Type. */
export function applyPatch(contentType: string, target: unknown, body: unknown): unknown {
  const type = contentType.split(';')[0]?.trim().toLowerCase();
  if (type === PATCH_TYPES.json) return jsonPatch(target, body);
  if (type === PATCH_TYPES.merge || type === PATCH_TYPES.strategic) {
    if (!isObject(body)) throw new PatchError('patch body must be a JSON object', 400);
    return type === PATCH_TYPES.merge ? mergePatch(target, body) : strategicMergePatch(target, body);
  }
  // Server-side apply and anything else are not served here.
  throw new PatchError(
    `the body of the request was in an unknown format - accepted media types include: ${PATCH_TYPES.json}, ${PATCH_TYPES.merge}, ${PATCH_TYPES.strategic}`,
    415,
  );
}
