import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { AegisError, errorMessage } from '../../platform/errors.js';
import { silentLogger, type Logger } from '../../platform/logger.js';
import { parse as parseYaml } from 'yaml';
import { reviewAccess } from './access.js';
import { aggregatedDiscovery, apiGroup, apiGroupList, apiResourceList, resourceGroup, resourceInfo, REVIEW_GROUP, VERSION_INFO, type ApiGroup, type ResourceInfo } from './discovery.js';
import { applyDefaults } from './defaults.js';
import { ApplyConflictError, defaultManager, recordUpdate, serverSideApply } from './managedfields.js';
import { openapiDocument } from './openapi.js';
import { decodeKubeProtobuf, isKubeProtobuf, ProtoDecodeError } from './proto.js';
import { continueToken, queryBool, readContinue } from './query.js';
import { exposition } from './exposition.js';
import { LeaseDecodeError, normaliseLease } from './leases.js';
import { isoSeconds, RESOURCE_NAMES, type KubeObject, type ObjectMeta, type ResourceName } from './objects.js';
import { applyPatch, PatchError } from './patch.js';
import { DEFAULT_BINDINGS, impersonated, rulesOf, type SimBindings } from './impersonation.js';
import { allowed, DEFAULT_ROLES, type Rule, type SimUser } from './rbac.js';
import { parseFieldSelector, parseLabelSelector, SelectorError } from './selectors.js';
import type { Simulator } from './simulator.js';
import { toTable } from './table.js';
import type { SimTls } from './tls.js';
import { validateCreate, validateWrite } from './validate.js';

export interface SimServerOptions {
  sim: Simulator;
  users: SimUser[];
  /** Serve HTTPS with this certificate (kubectl sends tokens only over TLS); plain HTTP without. */
  tls?: SimTls;
  roles?: Record<string, Rule[]>;
  /** Role bindings for impersonated identities (`user:<name>` / `group:<name>` → role). */
  bindings?: SimBindings;
  host?: string;
  port?: number;
  logger?: Logger;
  /** The server ends watches after this long, as a real API server does (clients re-watch). */
  watchTimeoutMs?: number;
  bookmarkIntervalMs?: number;
  /** Extra routes for the simulator's own controls (inject, status); answered before the Kubernetes API. */
  control?: (req: http.IncomingMessage, res: http.ServerResponse, user: SimUser | undefined, body: () => Promise<string>) => Promise<boolean>;
}

export interface SimServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** An API error in the shape Kubernetes answers: a `Status` object. */
export class KubeStatusError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export function statusBody(code: number, reason: string, message: string, details?: Record<string, unknown>) {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code };
}

interface Target {
  info: ResourceInfo;
  namespace?: string;
  name?: string;
  subresource?: string;
}

const MAX_BODY = 3 * 1024 * 1024;

/**
 * The subset of the Kubernetes REST API Aegis uses, on a loopback port: discovery, list/get/watch with
 * selectors and resourceVersion semantics, Table output for kubectl, the three PATCH dialects, PUT with
 * optimistic concurrency, dryRun, the scale and log subresources, and a token-to-role RBAC.
 */
export async function startSimServer(opts: SimServerOptions): Promise<SimServer> {
  const { sim } = opts;
  const logger = opts.logger ?? silentLogger;
  const roles = opts.roles ?? DEFAULT_ROLES;
  const bindings = opts.bindings ?? DEFAULT_BINDINGS;
  const watchTimeoutMs = opts.watchTimeoutMs ?? 30 * 60_000;
  const bookmarkMs = opts.bookmarkIntervalMs ?? 10_000;
  const byToken = new Map(opts.users.map((u) => [u.token, u]));
  const open = new Set<http.ServerResponse>();

  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
    handle(req, res).catch((err: unknown) => {
      const e = toStatusError(err);
      if (e.code >= 500) logger.error('simulated API request failed', { method: req.method, url: req.url, err });
      if (!res.headersSent) sendJson(res, e.code, statusBody(e.code, e.reason, e.message, e.details));
      else res.end();
    });
  };
  const server = opts.tls ? https.createServer({ key: opts.tls.key, cert: opts.tls.cert }, onRequest) : http.createServer(onRequest);
  server.keepAliveTimeout = 65_000;

  async function handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    if (['/healthz', '/livez', '/readyz'].includes(path)) return sendText(res, 200, 'ok');
    if (path === '/metrics' && req.method === 'GET') {
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
      res.end(exposition(sim));
      return;
    }
    const caller = authenticate(req);
    const body = async () => (await readBody(req)).toString('utf8');
    if (opts.control && path.startsWith('/sim/') && (await opts.control(req, res, caller, body))) return;
    if (!caller) throw new KubeStatusError(401, 'Unauthorized', 'Unauthorized');
    const user = impersonated(req, caller, roles, bindings);
    if (req.method === 'GET' && discovery(path, res, req)) return;
    if (req.method === 'GET' && path.startsWith('/openapi/')) return openapi(path, req, res);
    const review = new RegExp(`^/apis/${REVIEW_GROUP.replace(/\./g, '\\.')}/v1/(selfsubjectaccessreviews|selfsubjectrulesreviews)$`).exec(path);
    if (review && req.method === 'POST') return sendJson(res, 201, reviewAccess(review[1] as string, await readJson(req), user, roles));
    const target = parseTarget(path);
    if (!target) throw new KubeStatusError(404, 'NotFound', 'the server could not find the requested resource');
    const verb = verbOf(req.method ?? 'GET', target, url);
    const resourceName = target.subresource ? `${target.info.name}/${target.subresource}` : target.info.name;
    if (!allowed(rulesOf(user, roles), verb, resourceName)) {
      const where = target.namespace ? ` in the namespace "${target.namespace}"` : ' at the cluster scope';
      const group = target.info.group ? `"${target.info.group}"` : '""';
      throw new KubeStatusError(
        403,
        'Forbidden',
        `${target.info.name}${target.info.group ? `.${target.info.group}` : ''}${target.name ? ` "${target.name}"` : ''} is forbidden: User "${user.name}" cannot ${verb} resource "${resourceName}" in API group ${group}${where}`,
        { ...(target.name ? { name: target.name } : {}), group: target.info.group, kind: target.info.name },
      );
    }
    await dispatch(verb, target, url, req, res, user);
  }

  function authenticate(req: http.IncomingMessage): SimUser | undefined {
    const m = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
    return m ? byToken.get((m[1] as string).trim()) : undefined;
  }

  function discovery(path: string, res: http.ServerResponse, req: http.IncomingMessage): boolean {
    const host = req.headers.host ?? '127.0.0.1';
    if (path === '/version') return sendJson(res, 200, VERSION_INFO), true;
    // kubectl >= 1.30 asks /api and /apis for aggregated discovery first (one answer for every group).
    if ((path === '/api' || path === '/apis') && /g=apidiscovery\.k8s\.io;\s*v=v2;\s*as=APIGroupDiscoveryList/.test(req.headers.accept ?? '')) {
      return sendJson(res, 200, aggregatedDiscovery(path === '/api'), 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList'), true;
    }
    if (path === '/api') return sendJson(res, 200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: host }] }), true;
    if (path === '/apis') return sendJson(res, 200, apiGroupList()), true;
    if (path === '/api/v1') return sendJson(res, 200, apiResourceList('')), true;
    if (path === `/apis/${REVIEW_GROUP}/v1`) return sendJson(res, 200, apiResourceList(REVIEW_GROUP)), true;
    const m = /^\/apis\/([^/]+)(\/v1)?$/.exec(path);
    if (!m) return false;
    const group = resourceGroup(m[1] as string);
    if (m[2] && group) return sendJson(res, 200, apiResourceList(group)), true;
    const entry = m[2] ? undefined : apiGroup(m[1] as string);
    return entry ? (sendJson(res, 200, entry), true) : false;
  }

  /** OpenAPI v3 (JSON) and v2 (JSON only: a protobuf Accept gets 406, kubectl then relies on v3). */
  function openapi(path: string, req: http.IncomingMessage, res: http.ServerResponse) {
    const doc = openapiDocument(path);
    if (!doc) throw new KubeStatusError(404, 'NotFound', 'the server could not find the requested resource');
    const accept = req.headers.accept ?? '';
    if (path === '/openapi/v2' && accept && !/application\/json|\*\/\*/.test(accept)) {
      throw new KubeStatusError(406, 'NotAcceptable', 'only application/json is served for /openapi/v2');
    }
    sendJson(res, 200, doc);
  }

  function parseTarget(path: string): Target | undefined {
    let group: ApiGroup | undefined;
    let rest: string[];
    const grouped = /^\/apis\/([^/]+)\/v1\/(.+)$/.exec(path);
    if (path.startsWith('/api/v1/')) {
      group = '';
      rest = path.slice('/api/v1/'.length).split('/');
    } else if (grouped && (group = resourceGroup(grouped[1] as string)) !== undefined) {
      rest = (grouped[2] as string).split('/');
    } else return undefined;
    rest = rest.map(decodeURIComponent);
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      const info = resourceInfo(group, rest[2] as string);
      if (!info || !info.namespaced || rest.length > 5) return undefined;
      return { info, namespace: rest[1], name: rest[3], subresource: rest[4] };
    }
    const info = resourceInfo(group, rest[0] as string);
    if (!info || rest.length > 3) return undefined;
    if (info.namespaced && rest.length > 1) return undefined;
    return { info, name: rest[1], subresource: rest[2] };
  }

  function verbOf(method: string, t: Target, url: URL): string {
    const watch = queryBool(url, 'watch');
    if (method === 'GET') return watch ? 'watch' : t.name ? 'get' : 'list';
    return { PATCH: 'patch', PUT: 'update', DELETE: t.name ? 'delete' : 'deletecollection', POST: 'create' }[method] ?? method.toLowerCase();
  }

  async function dispatch(verb: string, t: Target, url: URL, req: http.IncomingMessage, res: http.ServerResponse, user: SimUser) {
    const sub = t.subresource;
    const allowedSub = t.info.subresources?.find((s) => s.name === sub);
    if (sub && !allowedSub) throw new KubeStatusError(404, 'NotFound', 'the server could not find the requested resource');
    const verbs = allowedSub?.verbs ?? t.info.verbs;
    if (!verbs.includes(verb)) {
      throw new KubeStatusError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`);
    }
    if (verb === 'list') return list(t, url, req, res);
    if (verb === 'watch') return watch(t, url, req, res);
    const dryRun = url.searchParams.getAll('dryRun').includes('All');
    const manager = url.searchParams.get('fieldManager') || defaultManager(req.headers['user-agent']);
    if (verb === 'create') return create(t, await readJson(req), dryRun, res, user, manager);
    if (verb === 'deletecollection') return deleteCollection(t, url, dryRun, res);
    const isApply = verb === 'patch' && /^application\/apply-patch/.test(req.headers['content-type'] ?? '');
    if (isApply && !sub) return apply(t, url, (await readBody(req)).toString('utf8'), dryRun, res, user);
    const current = getOrThrow(t);
    if (verb === 'get') {
      if (sub === 'log') return podLog(current, url, req, res);
      if (sub === 'scale') return sendJson(res, 200, scaleOf(current));
      return sendObject(res, req, url, t.info.name, current);
    }
    if (verb === 'delete') {
      const options = ((await readJson(req)) ?? {}) as DeleteBody;
      checkPreconditions(t, current, options);
      return t.info.name === 'pods' ? deletePod(current, url, options, dryRun, res) : deleteObject(t, current, dryRun, res);
    }
    if (sub === 'status') throw new KubeStatusError(405, 'MethodNotAllowed', 'the simulated cluster\'s controllers own status: status writes are not accepted');
    const body = await readJson(req);
    const view = sub === 'scale' ? scaleOf(current) : current;
    let next: unknown;
    if (verb === 'patch') {
      next = applyPatch(req.headers['content-type'] ?? '', view, body);
    } else {
      if (!body || typeof body !== 'object') throw new KubeStatusError(400, 'BadRequest', 'the request body must be an object');
      next = body;
    }
    if (!sub) next = recordUpdate(current, next as KubeObject, { manager, apiVersion: apiVersionOf(t.info), time: isoSeconds(new Date(sim.now())) });
    const written = write(t, current, next as KubeObject, dryRun, verb === 'update');
    logger.debug('simulated API write', { user: user.name, verb, resource: t.info.name, name: t.name, dryRun });
    sendJson(res, 200, sub === 'scale' ? scaleOf(written) : written);
  }

  /** A request body as JSON; kubectl's typed clients send protobuf, decoded for the kinds they create. */
  async function readJson(req: http.IncomingMessage): Promise<unknown> {
    const raw = await readBody(req);
    try {
      if (raw.length && isKubeProtobuf(req.headers['content-type'])) return decodeKubeProtobuf(raw);
      return raw.length ? JSON.parse(raw.toString('utf8')) : undefined;
    } catch (err) {
      if (err instanceof ProtoDecodeError) throw new KubeStatusError(415, 'UnsupportedMediaType', err.message);
      throw new KubeStatusError(400, 'BadRequest', `error decoding request body: ${errorMessage(err)}`);
    }
  }

  function decodeLease(o: KubeObject): KubeObject {
    try {
      return normaliseLease(o);
    } catch (err) {
      if (err instanceof LeaseDecodeError) throw new KubeStatusError(400, 'BadRequest', err.message);
      throw err;
    }
  }

  const qualified = (info: ResourceInfo) => `${info.name}${info.group ? `.${info.group}` : ''}`;
  const detailsOf = (info: ResourceInfo, name: string, extra: Record<string, unknown> = {}) => ({ name, ...(info.group ? { group: info.group } : {}), kind: info.name, ...extra });

  /** POST to a collection: 201 with the stored object (defaults filled in, controllers told); an existing name is 409 AlreadyExists. */
  function create(t: Target, body: unknown, dryRun: boolean, res: http.ServerResponse, user: SimUser, manager: string) {
    sendJson(res, 201, createObject(t, body, dryRun, user, (o) => recordUpdate(undefined, o, { manager, apiVersion: apiVersionOf(t.info), time: isoSeconds(new Date(sim.now())) }) as KubeObject));
  }

  function createObject(t: Target, body: unknown, dryRun: boolean, user: SimUser, own: (o: KubeObject) => KubeObject): KubeObject {
    if (t.name || (t.info.namespaced && !t.namespace)) throw new KubeStatusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw new KubeStatusError(400, 'BadRequest', 'the request body must be an object');
    const input = body as KubeObject;
    const expected = `${t.info.group ? `${t.info.group}/` : ''}v1`;
    if ((input.apiVersion !== undefined && input.apiVersion !== expected) || (input.kind !== undefined && input.kind !== t.info.kind)) {
      throw new KubeStatusError(400, 'BadRequest', `the API version in the data (${String(input.apiVersion)}) does not match the expected API version (${expected})`);
    }
    const meta = (input.metadata ?? {}) as Partial<ObjectMeta> & { generateName?: string };
    if (typeof meta !== 'object') throw new KubeStatusError(400, 'BadRequest', 'metadata must be an object');
    if (meta.namespace !== undefined && meta.namespace !== '' && meta.namespace !== t.namespace) {
      throw new KubeStatusError(400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request');
    }
    if (meta.resourceVersion !== undefined && meta.resourceVersion !== '') {
      // The storage layer's own refusal: the real API server answers it as an internal error.
      throw new KubeStatusError(500, 'InternalError', 'Internal error occurred: resourceVersion should not be set on objects to be created');
    }
    const name = meta.name || (meta.generateName ? `${meta.generateName}${sim.store.uid().slice(0, 5)}` : '');
    if (!name) throw new KubeStatusError(422, 'Invalid', `${t.info.kind} "" is invalid: metadata.name: Required value: name or generateName is required`, { ...detailsOf(t.info, ''), kind: t.info.kind, causes: [{ reason: 'FieldValueRequired', message: 'Required value: name or generateName is required', field: 'metadata.name' }] });
    if (t.info.namespaced && !sim.store.get('namespaces', undefined, t.namespace as string)) {
      throw new KubeStatusError(404, 'NotFound', `namespaces "${t.namespace}" not found`, { name: t.namespace, kind: 'namespaces' });
    }
    // Fields the server owns are never taken from the client.
    const { uid: _uid, creationTimestamp: _created, deletionTimestamp: _deleted, generation: _generation, resourceVersion: _rv, generateName: _gn, ...clientMeta } = meta;
    let object = { ...input, apiVersion: expected, kind: t.info.kind, metadata: { ...clientMeta, name, ...(t.info.namespaced ? { namespace: t.namespace } : {}) } } as KubeObject;
    if (t.info.name === 'leases') object = decodeLease(object);
    object = own(applyDefaults(t.info.name, object, { uid: () => sim.store.uid(), services: () => sim.store.list('services') }));
    const causes = validateCreate(t.info.name, object);
    if (causes.length) {
      throw new KubeStatusError(422, 'Invalid', `${t.info.kind} "${name}" is invalid: ${causes.map((c) => `${c.field}: ${c.message}`).join(', ')}`, {
        ...detailsOf(t.info, name),
        kind: t.info.kind,
        causes: causes.map((c) => ({ reason: 'FieldValueInvalid', message: c.message, field: c.field })),
      });
    }
    if (sim.store.get(t.info.name, t.namespace, name)) {
      throw new KubeStatusError(409, 'AlreadyExists', `${qualified(t.info)} "${name}" already exists`, detailsOf(t.info, name));
    }
    if (dryRun) return { ...object, metadata: { ...object.metadata, uid: sim.store.uid(), resourceVersion: '', creationTimestamp: isoSeconds(new Date(sim.now())) } };
    sim.store.create(t.info.name, object as Parameters<Simulator['store']['create']>[1]);
    afterWrite(t.info.name, t.namespace, name);
    logger.debug('simulated API create', { user: user.name, resource: t.info.name, name });
    return sim.store.get(t.info.name, t.namespace, name) as KubeObject;
  }

  /** What the controllers do at once after a write: roll out a Deployment, start a bare Pod, refresh Endpoints. */
  function afterWrite(resource: ResourceName, namespace: string | undefined, name: string) {
    if (resource === 'deployments') sim.cluster.reconcileDeployment(namespace ?? '', name);
    if (resource === 'pods') sim.cluster.runPod(namespace ?? '', name);
    if (resource === 'services' || resource === 'pods') sim.cluster.syncEndpoints();
  }

  /** Server-side apply (`application/apply-patch+yaml`): creates the object when it does not exist. */
  async function apply(t: Target, url: URL, raw: string, dryRun: boolean, res: http.ServerResponse, user: SimUser) {
    const manager = url.searchParams.get('fieldManager');
    if (!manager) throw new KubeStatusError(422, 'Invalid', 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
    let applied: unknown;
    try {
      applied = parseYaml(raw);
    } catch (err) {
      throw new KubeStatusError(400, 'BadRequest', `error decoding YAML: ${errorMessage(err)}`);
    }
    if (!applied || typeof applied !== 'object' || Array.isArray(applied)) throw new KubeStatusError(400, 'BadRequest', 'the apply configuration must be an object');
    const config = applied as KubeObject;
    const expected = apiVersionOf(t.info);
    if (config.apiVersion !== expected || config.kind !== t.info.kind) {
      throw new KubeStatusError(400, 'BadRequest', `the API version in the data (${String(config.apiVersion)}) and kind (${String(config.kind)}) do not match ${expected}, ${t.info.kind}`);
    }
    if (config.metadata?.name !== undefined && config.metadata.name !== t.name) {
      throw new KubeStatusError(400, 'BadRequest', `the name of the object (${String(config.metadata.name)}) does not match the name on the URL (${t.name})`);
    }
    const force = queryBool(url, 'force');
    const time = isoSeconds(new Date(sim.now()));
    const current = sim.store.get(t.info.name, t.info.namespaced ? t.namespace : undefined, t.name as string);
    const merge = (live: KubeObject | undefined) => {
      try {
        return serverSideApply(live, config, { manager, force, apiVersion: expected, time }) as KubeObject;
      } catch (err) {
        if (err instanceof ApplyConflictError) {
          throw new KubeStatusError(409, 'Conflict', err.message, {
            ...detailsOf(t.info, t.name as string),
            causes: err.conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with "${c.manager}" using ${expected}`, field: c.field })),
          });
        }
        throw err;
      }
    };
    if (!current) {
      const { managedFields: _mf, ...meta } = (config.metadata ?? {}) as ObjectMeta;
      const created = createObject({ ...t, name: undefined }, { ...config, metadata: { ...meta, name: t.name } }, dryRun, user, (o) => ({ ...o, metadata: { ...o.metadata, managedFields: (merge(undefined).metadata as ObjectMeta).managedFields } }));
      return sendJson(res, 201, created);
    }
    const next = merge(current);
    const written = write(t, current, { ...next, metadata: { ...next.metadata, resourceVersion: current.metadata.resourceVersion } }, dryRun, false);
    logger.debug('simulated API apply', { user: user.name, resource: t.info.name, name: t.name, manager, dryRun });
    sendJson(res, 200, written);
  }

  function checkPreconditions(t: Target, current: KubeObject, options: DeleteBody) {
    const pre = options.preconditions;
    const name = current.metadata.name;
    if (pre?.uid && pre.uid !== current.metadata.uid) {
      throw new KubeStatusError(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(t.info)} "${name}": Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.metadata.uid}`, detailsOf(t.info, name));
    }
    if (pre?.resourceVersion && pre.resourceVersion !== current.metadata.resourceVersion) {
      throw new KubeStatusError(
        409,
        'Conflict',
        `Operation cannot be fulfilled on ${qualified(t.info)} "${name}": Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion}`,
        detailsOf(t.info, name),
      );
    }
  }

  /** DELETE of an object that has no grace period: gone at once with what it owns (background propagation). */
  function deleteObject(t: Target, current: KubeObject, dryRun: boolean, res: http.ServerResponse) {
    const name = current.metadata.name;
    if (!dryRun) removeWithDependents(t.info.name, current);
    sendJson(res, 200, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: detailsOf(t.info, name, { uid: current.metadata.uid }) });
  }

  /** The garbage collector's part: owned objects go too; a namespace takes its contents with it. */
  function removeWithDependents(resource: ResourceName, o: KubeObject) {
    if (resource === 'pods') {
      sim.cluster.terminatePod(o.metadata.namespace ?? '', o.metadata.name, 0);
      return;
    }
    sim.store.delete(resource, o.metadata.namespace, o.metadata.name);
    const dependents: Array<[ResourceName, KubeObject]> =
      resource === 'namespaces'
        ? RESOURCE_NAMES.filter((r) => r !== 'namespaces' && r !== 'nodes').flatMap((r) => sim.store.list(r, o.metadata.name).map((x) => [r, x] as [ResourceName, KubeObject]))
        : RESOURCE_NAMES.flatMap((r) => sim.store.list(r, o.metadata.namespace).filter((x) => x.metadata.ownerReferences?.some((ref) => ref.uid === o.metadata.uid)).map((x) => [r, x] as [ResourceName, KubeObject]));
    if (resource === 'services') {
      for (const r of ['endpoints', 'endpointslices'] as const) {
        for (const x of sim.store.list(r, o.metadata.namespace)) if (x.metadata.name === o.metadata.name) dependents.push([r, x]);
      }
    }
    for (const [r, x] of dependents) {
      if (r === 'pods' && resource !== 'namespaces') sim.cluster.terminatePod(x.metadata.namespace ?? '', x.metadata.name, podGrace(x));
      else if (sim.store.get(r, x.metadata.namespace, x.metadata.name)) removeWithDependents(r, x);
    }
  }

  /** DELETE of a collection: every object the selectors match goes; the answer lists them. */
  function deleteCollection(t: Target, url: URL, dryRun: boolean, res: http.ServerResponse) {
    const gone = listObjects(t, url).map((o) => {
      if (!dryRun) removeWithDependents(t.info.name, o);
      return o;
    });
    sendJson(res, 200, {
      kind: `${t.info.kind}List`,
      apiVersion: t.info.group ? `${t.info.group}/v1` : 'v1',
      metadata: { resourceVersion: String(sim.store.resourceVersion) },
      items: gone.map((o) => stripUndefined({ ...o, kind: undefined, apiVersion: undefined })),
    });
  }

  function getOrThrow(t: Target): KubeObject {
    const o = sim.store.get(t.info.name, t.info.namespaced ? t.namespace : undefined, t.name as string);
    if (!o) {
      throw new KubeStatusError(404, 'NotFound', `${t.info.name}${t.info.group ? `.${t.info.group}` : ''} "${t.name}" not found`, {
        name: t.name,
        ...(t.info.group ? { group: t.info.group } : {}),
        kind: t.info.name,
      });
    }
    return o;
  }

  function write(t: Target, current: KubeObject, next: KubeObject, dryRun: boolean, isUpdate: boolean): KubeObject {
    const name = t.name as string;
    const kindLabel = `${t.info.name}${t.info.group ? `.${t.info.group}` : ''}`;
    const givenRv = next?.metadata?.resourceVersion;
    if (givenRv !== undefined && givenRv !== '' && String(givenRv) !== current.metadata.resourceVersion) {
      throw new KubeStatusError(
        409,
        'Conflict',
        `Operation cannot be fulfilled on ${kindLabel} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
        { name, ...(t.info.group ? { group: t.info.group } : {}), kind: t.info.name },
      );
    }
    let object: KubeObject;
    if (t.subresource === 'scale') {
      const replicas = (next as { spec?: { replicas?: unknown } }).spec?.replicas;
      object = { ...current, spec: { ...(current.spec as object), replicas } };
    } else object = { ...next, metadata: { ...next.metadata } } as KubeObject;
    if (t.info.name === 'leases') object = decodeLease(object);
    if (isUpdate && object.metadata?.name !== undefined && object.metadata.name !== name) {
      throw new KubeStatusError(400, 'BadRequest', `the name of the object (${object.metadata.name}) does not match the name on the URL (${name})`);
    }
    const causes = validateWrite(t.info.name, current, object);
    if (causes.length) {
      throw new KubeStatusError(422, 'Invalid', `${t.info.kind} "${name}" is invalid: ${causes.map((c) => `${c.field}: ${c.message}`).join(', ')}`, {
        name,
        ...(t.info.group ? { group: t.info.group } : {}),
        kind: t.info.kind,
        causes: causes.map((c) => ({ reason: 'FieldValueInvalid', message: c.message, field: c.field })),
      });
    }
    object.metadata = { ...current.metadata, ...object.metadata, name, namespace: current.metadata.namespace };
    const written = sim.write(t.info.name, object, { dryRun });
    if (!dryRun && t.info.name === 'services') sim.cluster.syncEndpoints();
    return written;
  }

  /** Graceful pod deletion: Terminating for the grace period (query, body, or the pod's own), replaced at once by its ReplicaSet. */
  function deletePod(current: KubeObject, url: URL, options: DeleteBody, dryRun: boolean, res: http.ServerResponse) {
    const asked = url.searchParams.get('gracePeriodSeconds') ?? options.gracePeriodSeconds;
    const grace = asked !== undefined && asked !== null && Number.isFinite(Number(asked)) ? Math.max(0, Number(asked)) : podGrace(current);
    if (dryRun) return sendJson(res, 200, { ...current, metadata: { ...current.metadata, deletionTimestamp: isoSeconds(new Date(sim.now() + grace * 1000)), deletionGracePeriodSeconds: grace } });
    const gone = current.metadata.deletionTimestamp ? current : sim.cluster.terminatePod(current.metadata.namespace ?? '', current.metadata.name, grace);
    sendJson(res, 200, gone ?? current);
  }

  function scaleOf(dep: KubeObject) {
    const spec = dep.spec as { replicas?: number; selector?: { matchLabels?: Record<string, string> } };
    const status = (dep.status ?? {}) as { replicas?: number };
    return {
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: { name: dep.metadata.name, namespace: dep.metadata.namespace, uid: dep.metadata.uid, resourceVersion: dep.metadata.resourceVersion, creationTimestamp: dep.metadata.creationTimestamp },
      spec: { replicas: spec.replicas ?? 0 },
      status: { replicas: status.replicas ?? 0, selector: Object.entries(spec.selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(',') },
    };
  }

  function filterOf(url: URL): (o: KubeObject) => boolean {
    try {
      const labels = parseLabelSelector(url.searchParams.get('labelSelector') ?? undefined);
      const fields = parseFieldSelector(url.searchParams.get('fieldSelector') ?? undefined);
      return (o) => labels(o.metadata.labels ?? {}) && fields(o);
    } catch (err) {
      if (err instanceof SelectorError) throw new KubeStatusError(400, 'BadRequest', err.message);
      throw err;
    }
  }

  function wantsTable(req: http.IncomingMessage): boolean {
    return /as=Table/.test(req.headers.accept ?? '');
  }

  function listObjects(t: Target, url: URL): KubeObject[] {
    const filter = filterOf(url);
    return sim.store
      .list(t.info.name, t.info.namespaced ? t.namespace : undefined)
      .filter(filter)
      .sort((a, b) => (a.metadata.namespace ?? '').localeCompare(b.metadata.namespace ?? '') || a.metadata.name.localeCompare(b.metadata.name));
  }

  /** A list, in pages when `limit` is given: `continue` names where the next page starts, as an opaque token. */
  function list(t: Target, url: URL, req: http.IncomingMessage, res: http.ServerResponse) {
    const all = listObjects(t, url);
    const token = url.searchParams.get('continue');
    let rv = String(sim.store.resourceVersion);
    let start = 0;
    if (token) {
      const after = readContinue(token);
      if (!after) throw new KubeStatusError(400, 'BadRequest', 'continue key is not valid: the token was not issued by this server');
      rv = after.rv;
      start = all.findIndex((o) => `${o.metadata.namespace ?? ''}/${o.metadata.name}` > after.key);
      if (start < 0) start = all.length;
    }
    const limit = Number(url.searchParams.get('limit') ?? 0);
    const page = Number.isInteger(limit) && limit > 0 ? all.slice(start, start + limit) : all.slice(start);
    const more = start + page.length < all.length;
    const last = page[page.length - 1];
    const meta = {
      resourceVersion: rv,
      ...(more && last ? { continue: continueToken(rv, `${last.metadata.namespace ?? ''}/${last.metadata.name}`), remainingItemCount: all.length - start - page.length } : {}),
    };
    if (wantsTable(req)) return sendJson(res, 200, { ...toTable(t.info.name, page, { now: sim.now(), resourceVersion: rv, includeObject: url.searchParams.get('includeObject') ?? undefined }), metadata: meta });
    sendJson(res, 200, {
      kind: `${t.info.kind}List`,
      apiVersion: apiVersionOf(t.info),
      metadata: meta,
      items: page.map((o) => ({ ...o, kind: undefined, apiVersion: undefined })).map(stripUndefined),
    });
  }

  function sendObject(res: http.ServerResponse, req: http.IncomingMessage, url: URL, resource: ResourceName, o: KubeObject) {
    if (wantsTable(req)) return sendJson(res, 200, toTable(resource, [o], { now: sim.now(), resourceVersion: o.metadata.resourceVersion, includeObject: url.searchParams.get('includeObject') ?? undefined }));
    sendJson(res, 200, o);
  }

  function watch(t: Target, url: URL, req: http.IncomingMessage, res: http.ServerResponse) {
    const filter = filterOf(url);
    const asTable = wantsTable(req);
    const namespace = t.info.namespaced ? t.namespace : undefined;
    const rvParam = url.searchParams.get('resourceVersion');
    const bookmarks = queryBool(url, 'allowWatchBookmarks');
    const initial = queryBool(url, 'sendInitialEvents');
    const timeoutSec = Number(url.searchParams.get('timeoutSeconds') ?? NaN);
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    open.add(res);
    const encode = (o: KubeObject) => (asTable ? toTable(t.info.name, [o], { now: sim.now(), resourceVersion: o.metadata.resourceVersion }) : o);
    // The server's close() ends open watches from outside; a timer or a late change must not write after that.
    const send = (type: string, object: unknown) => {
      if (res.writableEnded || res.destroyed) return;
      res.write(JSON.stringify({ type, object }) + '\n');
    };
    const matches = (o: KubeObject) => (namespace === undefined || o.metadata.namespace === namespace) && filter(o);
    const bookmark = (annotations?: Record<string, string>) =>
      send('BOOKMARK', { kind: t.info.kind, apiVersion: t.info.group ? `${t.info.group}/v1` : 'v1', metadata: { resourceVersion: String(sim.store.resourceVersion), ...(annotations ? { annotations } : {}) } });

    const since = rvParam && rvParam !== '0' ? Number(rvParam) : undefined;
    if (since !== undefined && (!Number.isFinite(since) || since < sim.store.oldestResumableVersion)) {
      send('ERROR', statusBody(410, 'Expired', `too old resource version: ${rvParam} (${sim.store.oldestResumableVersion})`));
      open.delete(res);
      res.end();
      return;
    }
    if (since === undefined || initial) for (const o of listObjects(t, url)) send('ADDED', encode(o));
    if (initial && bookmarks) bookmark({ 'k8s.io/initial-events-end': 'true' });
    if (since !== undefined && !initial) {
      for (const c of sim.store.changesSince(t.info.name, since)) if (matches(c.object)) send(c.type, encode(c.object));
    }
    const unsubscribe = sim.store.subscribe((c) => {
      if (c.resource === t.info.name && matches(c.object)) send(c.type, encode(c.object));
    });
    const bookmarkTimer = bookmarks ? setInterval(() => bookmark(), bookmarkMs) : undefined;
    const limit = Number.isFinite(timeoutSec) && timeoutSec > 0 ? Math.min(timeoutSec * 1000, watchTimeoutMs) : watchTimeoutMs;
    const endTimer = setTimeout(() => finish(), limit);
    function finish() {
      unsubscribe();
      if (bookmarkTimer) clearInterval(bookmarkTimer);
      clearTimeout(endTimer);
      open.delete(res);
      if (!res.writableEnded) res.end();
    }
    req.on('close', finish);
  }

  function podLog(pod: KubeObject, url: URL, req: http.IncomingMessage, res: http.ServerResponse) {
    const service = pod.metadata.labels?.app ?? '';
    const container = url.searchParams.get('container');
    const containers = ((pod.spec as { containers?: Array<{ name: string }> }).containers ?? []).map((c) => c.name);
    if (container && !containers.includes(container)) {
      throw new KubeStatusError(400, 'BadRequest', `container ${container} is not valid for pod ${pod.metadata.name}`);
    }
    const timestamps = queryBool(url, 'timestamps');
    const previous = queryBool(url, 'previous');
    const rt = sim.cluster.pods.get(pod.metadata.name);
    const instance = previous ? rt?.lastTerminated : undefined;
    if (previous && !instance) {
      throw new KubeStatusError(400, 'BadRequest', `previous terminated container "${container ?? containers[0] ?? ''}" in pod "${pod.metadata.name}" not found`);
    }
    const tail = Number(url.searchParams.get('tailLines') ?? NaN);
    const sinceSeconds = Number(url.searchParams.get('sinceSeconds') ?? NaN);
    const sinceTime = Date.parse(url.searchParams.get('sinceTime') ?? '');
    const from = Number.isFinite(sinceSeconds) ? sim.now() - sinceSeconds * 1000 : Number.isFinite(sinceTime) ? sinceTime : -Infinity;
    const format = (l: { t: number; level: 'debug' | 'info' | 'warn' | 'error'; message: string }) => (timestamps ? `${new Date(l.t).toISOString()} ` : '') + sim.formatLog(l, service) + '\n';
    // A container instance's own log: --previous reads the one that last terminated, otherwise the running one.
    const [first, end] = instance ? [instance.startedAt, instance.finishedAt] : [rt?.containerStartedAt ?? -Infinity, Infinity];
    let lines = (sim.podLog(pod.metadata.namespace ?? '', pod.metadata.name) ?? []).filter((l) => l.t >= from && l.t >= first && l.t <= end);
    if (Number.isFinite(tail) && tail >= 0) lines = lines.slice(Math.max(0, lines.length - tail));
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' });
    for (const l of lines) res.write(format(l));
    if (!queryBool(url, 'follow') || instance) return void res.end();
    open.add(res);
    let sent = lines[lines.length - 1]?.t ?? from;
    const stop = sim.onTick(() => {
      const all = sim.podLog(pod.metadata.namespace ?? '', pod.metadata.name);
      if (!all) return finish();
      for (const l of all) if (l.t > sent) res.write(format(l));
      sent = all[all.length - 1]?.t ?? sent;
    });
    function finish() {
      stop();
      open.delete(res);
      if (!res.writableEnded) res.end();
    }
    req.on('close', finish);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = (opts.host ?? '127.0.0.1').includes(':') ? `[${opts.host}]` : (opts.host ?? '127.0.0.1');
  return {
    url: `${opts.tls ? 'https' : 'http'}://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of open) res.end();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function toStatusError(err: unknown): KubeStatusError {
  if (err instanceof KubeStatusError) return err;
  if (err instanceof PatchError) {
    const reason = err.status === 415 ? 'UnsupportedMediaType' : err.status === 422 ? 'Invalid' : 'BadRequest';
    return new KubeStatusError(err.status, reason, err.message);
  }
  if (err instanceof AegisError) {
    const reason = { 400: 'BadRequest', 403: 'Forbidden', 404: 'NotFound', 409: 'Conflict' }[err.status] ?? 'InternalError';
    return new KubeStatusError(err.status, reason, err.message);
  }
  return new KubeStatusError(500, 'InternalError', 'Internal error occurred');
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

interface DeleteBody {
  gracePeriodSeconds?: number | null;
  preconditions?: { uid?: string; resourceVersion?: string };
  propagationPolicy?: string;
}

const apiVersionOf = (info: ResourceInfo) => (info.group ? `${info.group}/v1` : 'v1');

/** The pod's own grace period (spec.terminationGracePeriodSeconds, default 30 s as in Kubernetes). */
function podGrace(pod: KubeObject): number {
  const g = (pod.spec as { terminationGracePeriodSeconds?: number } | undefined)?.terminationGracePeriodSeconds;
  return typeof g === 'number' && g >= 0 ? g : 30;
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, contentType = 'application/json') {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function sendText(res: http.ServerResponse, status: number, text: string) {
  res.writeHead(status, { 'Content-Type': 'text/plain' });
  res.end(text);
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new KubeStatusError(413, 'RequestEntityTooLarge', 'request body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
