import { createHash } from 'node:crypto';
import { RESOURCES, REVIEW_GROUP, REVIEWS, type ResourceInfo } from './discovery.js';
import schemaFile from './openapi-schemas.json' with { type: 'json' };

/**
 * OpenAPI documents for the simulated API server, built from `openapi-schemas.json` (generated from the
 * official Python client's models by scripts/gen-sim-openapi.py).
 *
 * What kubectl 1.32 reads: `/openapi/v3` (the root listing one document per group-version) and the
 * group-version documents. `apply`, `create -f`, `edit` and `replace` validate by asking the v3 document
 * whether the PATCH operation of the kind takes the `fieldValidation` query parameter; when it does,
 * kubectl leaves validation to the server (and sends `fieldValidation=Strict`). `explain` renders the v3
 * schemas. `/openapi/v2` is only kubectl's fallback and it wants protobuf there, which is not served
 * (406, as an API server answers an unknown media type); the JSON v2 document is for other clients.
 */

type Schema = Record<string, unknown>;
const DEFINITIONS = (schemaFile as { definitions: Record<string, Schema> }).definitions;
const VERSION = 'v1.32.4';

interface GroupVersion {
  /** `api/v1` or `apis/<group>/v1`: the key in the v3 root and the URL prefix. */
  path: string;
  group: string;
}

function groupVersions(): GroupVersion[] {
  const groups = [...new Set([...RESOURCES.map((r) => r.group), REVIEW_GROUP])];
  return groups.map((g) => ({ group: g, path: g ? `apis/${g}/v1` : 'api/v1' }));
}

const definitionOf = (group: string, kind: string) =>
  Object.keys(DEFINITIONS).find((k) => {
    const gvk = (DEFINITIONS[k] as { 'x-kubernetes-group-version-kind'?: Array<{ group: string; kind: string }> })['x-kubernetes-group-version-kind'];
    return gvk?.some((x) => x.group === group && x.kind === kind);
  });

/** Operation parameters every write takes; `fieldValidation` on PATCH is what kubectl looks for. */
const WRITE_PARAMS = ['dryRun', 'fieldManager', 'fieldValidation'].map((name) => ({ name, in: 'query', schema: { type: 'string', uniqueItems: true }, description: `${name} query parameter` }));
const APPLY_PARAMS = [...WRITE_PARAMS, { name: 'force', in: 'query', schema: { type: 'boolean', uniqueItems: true }, description: 'Force is going to "force" Apply requests.' }];

function pathsFor(gv: GroupVersion, ref: (name: string) => string, v3: boolean): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  const body = (schema: string) => (v3 ? { requestBody: { content: { '*/*': { schema: { $ref: ref(schema) } } } } } : { parameters: [{ name: 'body', in: 'body', required: true, schema: { $ref: ref(schema) } }] });
  const responses = (schema: string) => ({ '200': v3 ? { description: 'OK', content: { 'application/json': { schema: { $ref: ref(schema) } } } } : { description: 'OK', schema: { $ref: ref(schema) } } });
  const params = (list: unknown[]) => (v3 ? list : list.map((p) => ({ ...(p as object), type: ((p as { schema: { type: string } }).schema).type, schema: undefined })));
  for (const r of RESOURCES.filter((x) => x.group === gv.group)) {
    const def = definitionOf(r.group, r.kind);
    if (!def) continue;
    const gvk = { group: r.group, version: 'v1', kind: r.kind };
    const op = (action: string, extra: Record<string, unknown> = {}) => ({
      operationId: `${action}${r.kind}`,
      tags: [gv.path],
      'x-kubernetes-action': action,
      'x-kubernetes-group-version-kind': gvk,
      responses: responses(def),
      ...extra,
    });
    const base = `/${gv.path}${r.namespaced ? '/namespaces/{namespace}' : ''}/${r.name}`;
    paths[base] = { get: op('list', { responses: responses(`${def}List`) }), post: op('post', { ...body(def), parameters: params(WRITE_PARAMS) }) };
    paths[`${base}/{name}`] = {
      get: op('get'),
      put: op('put', { ...body(def), parameters: params(WRITE_PARAMS) }),
      patch: op('patch', { parameters: params(APPLY_PARAMS) }),
      delete: op('delete'),
    };
    for (const s of r.subresources ?? []) paths[`${base}/{name}/${s.name}`] = { get: op('get', { operationId: `read${r.kind}${cap(s.name)}` }) };
  }
  if (gv.group === REVIEW_GROUP) {
    for (const r of REVIEWS) paths[`/${gv.path}/${r.name}`] = { post: { operationId: `create${r.kind}`, 'x-kubernetes-action': 'post', 'x-kubernetes-group-version-kind': { group: REVIEW_GROUP, version: 'v1', kind: r.kind }, responses: responses(definitionOf(REVIEW_GROUP, r.kind) as string) } };
  }
  return paths;
}

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** Rewrites `#/definitions/X` refs for OpenAPI 3, wrapping a described ref in `allOf` as Kubernetes does. */
function toV3(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toV3);
  if (!schema || typeof schema !== 'object') return schema;
  const s = schema as Record<string, unknown>;
  if (typeof s.$ref === 'string') {
    const ref = { $ref: s.$ref.replace('#/definitions/', '#/components/schemas/') };
    const { $ref: _ref, ...rest } = s;
    return Object.keys(rest).length ? { ...rest, allOf: [ref] } : ref;
  }
  return Object.fromEntries(Object.entries(s).map(([k, v]) => [k, toV3(v)]));
}

let cache: { root: Record<string, unknown>; docs: Map<string, Record<string, unknown>>; v2: Record<string, unknown> } | undefined;

function build() {
  if (cache) return cache;
  const schemas = toV3(DEFINITIONS) as Record<string, unknown>;
  const docs = new Map<string, Record<string, unknown>>();
  const root: Record<string, { serverRelativeURL: string }> = {};
  for (const gv of groupVersions()) {
    const doc = {
      openapi: '3.0.0',
      info: { title: 'Kubernetes', version: VERSION },
      paths: pathsFor(gv, (n) => `#/components/schemas/${n}`, true),
      components: { schemas },
    };
    docs.set(gv.path, doc);
    const hash = createHash('sha512').update(JSON.stringify(doc)).digest('hex').slice(0, 128).toUpperCase();
    root[gv.path] = { serverRelativeURL: `/openapi/v3/${gv.path}?hash=${hash}` };
  }
  const v2Paths = Object.assign({}, ...groupVersions().map((gv) => pathsFor(gv, (n) => `#/definitions/${n}`, false))) as Record<string, unknown>;
  const v2 = { swagger: '2.0', info: { title: 'Kubernetes', version: VERSION }, paths: JSON.parse(JSON.stringify(v2Paths)) as unknown, definitions: DEFINITIONS };
  cache = { root: { paths: root }, docs, v2 };
  return cache;
}

/** The document for a request path under /openapi, or undefined (404). */
export function openapiDocument(path: string): Record<string, unknown> | undefined {
  const c = build();
  if (path === '/openapi/v3') return c.root;
  if (path === '/openapi/v2') return c.v2;
  const m = /^\/openapi\/v3\/(.+)$/.exec(path);
  return m ? c.docs.get(m[1] as string) : undefined;
}

/** The schema of a served kind (for field checks), by group and kind. */
export function kindSchema(info: Pick<ResourceInfo, 'group' | 'kind'>): Schema | undefined {
  const name = definitionOf(info.group, info.kind);
  return name ? DEFINITIONS[name] : undefined;
}
