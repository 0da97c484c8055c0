import { CoordinationV1Api, Watch, type V1Lease } from '@kubernetes/client-node';
import { mkdtemp, rm } from 'node:fs/promises';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createManualClock } from '../../platform/clock.js';
import { loadKubeConfig } from '../kubernetes/kubeconfig.js';
import { startSimulatedCluster, type SimulatedCluster } from './index.js';
import { microTime } from './leases.js';
import { createSimulator } from './simulator.js';

const ns = 'boutique';
let home: string;
let cluster: SimulatedCluster;
let admin: CoordinationV1Api;
let aegis: CoordinationV1Api;
let viewer: CoordinationV1Api;

const api = (context: string | undefined) => loadKubeConfig({ text: cluster.kubeconfig, context }).makeApiClient(CoordinationV1Api);
const lease = (name: string, spec: V1Lease['spec'] = {}): V1Lease => ({ metadata: { name }, spec });

/** client-node throws ApiException: the HTTP code and the API server's Status body (a JSON string). */
async function failure(p: Promise<unknown>): Promise<{ code: number; status: { kind: string; reason: string; message: string; details?: Record<string, unknown>; code: number } }> {
  try {
    await p;
  } catch (err) {
    const e = err as { code: number; body: string };
    return { code: e.code, status: JSON.parse(e.body) };
  }
  throw new Error('expected the API server to refuse the request');
}

/** A raw request with the admin token (what kubectl sends; client-node cannot ask for a Table). */
function raw(method: string, p: string, init: { accept?: string; body?: unknown } = {}): Promise<{ status: number; body: Record<string, any> }> {
  const token = cluster.users.find((u) => u.role === 'cluster-admin')?.token ?? '';
  const payload = init.body === undefined ? undefined : JSON.stringify(init.body);
  const contentType = method === 'PATCH' ? 'application/merge-patch+json' : 'application/json';
  return new Promise((resolve, reject) => {
    const req = https.request(
      `${cluster.url}${p}`,
      { method, ca: cluster.caPem, headers: { authorization: `Bearer ${token}`, accept: init.accept ?? 'application/json', ...(payload ? { 'content-type': contentType, 'content-length': Buffer.byteLength(payload) } : {}) } },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text || '{}') }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

beforeAll(async () => {
  home = await mkdtemp(path.join(tmpdir(), 'aegis-sim-leases-'));
  cluster = await startSimulatedCluster({ home, clock: createManualClock(Date.UTC(2026, 10, 20, 12)), seed: 3 });
  admin = api(cluster.contexts['cluster-admin']);
  aegis = api(cluster.contexts.aegis);
  viewer = api(cluster.contexts.view);
}, 60_000);

afterAll(async () => {
  await cluster?.close();
  await rm(home, { recursive: true, force: true });
});

describe('coordination.k8s.io/v1 Leases on the simulated API server', () => {
  it('are in discovery: the group, its version and the resource with its verbs', async () => {
    const groups = await raw('GET', '/apis');
    expect(groups.body.groups.map((g: { name: string }) => g.name)).toContain('coordination.k8s.io');
    const group = await raw('GET', '/apis/coordination.k8s.io');
    expect(group.body).toMatchObject({ kind: 'APIGroup', name: 'coordination.k8s.io', preferredVersion: { groupVersion: 'coordination.k8s.io/v1' } });
    const resources = await raw('GET', '/apis/coordination.k8s.io/v1');
    expect(resources.body).toMatchObject({ kind: 'APIResourceList', groupVersion: 'coordination.k8s.io/v1' });
    expect(resources.body.resources).toEqual([
      expect.objectContaining({ name: 'leases', kind: 'Lease', namespaced: true, verbs: expect.arrayContaining(['create', 'update', 'patch', 'delete', 'watch']) }),
    ]);
    expect((await raw('GET', '/apis/nosuch.k8s.io/v1')).status).toBe(404);
  });

  it('create, get, list, replace: server fields set, MicroTime with six digits, unknown fields dropped', async () => {
    const created = await aegis.createNamespacedLease({
      namespace: ns,
      body: { ...lease('crud', { holderIdentity: 'a', leaseDurationSeconds: 15, renewTime: new Date('2026-11-20T12:00:01.250Z'), leaseTransitions: 0 }), metadata: { name: 'crud', uid: 'mine', resourceVersion: '' } },
    });
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.metadata?.namespace).toBe(ns);
    expect(created.metadata?.resourceVersion).toMatch(/^\d+$/);
    expect(created.spec?.renewTime as unknown).toBe('2026-11-20T12:00:01.250000Z');
    const got = await viewer.readNamespacedLease({ name: 'crud', namespace: ns });
    expect(got.metadata?.resourceVersion).toBe(created.metadata?.resourceVersion);
    const listed = await viewer.listNamespacedLease({ namespace: ns });
    expect(listed.items.map((l) => l.metadata?.name)).toContain('crud');
    expect((await viewer.listLeaseForAllNamespaces()).items.map((l) => l.metadata?.name)).toContain('crud');

    const replaced = await aegis.replaceNamespacedLease({ name: 'crud', namespace: ns, body: { ...got, spec: { ...got.spec, holderIdentity: 'b', leaseTransitions: 1 } } });
    expect(replaced.spec).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
    expect(Number(replaced.metadata?.resourceVersion)).toBeGreaterThan(Number(got.metadata?.resourceVersion));
    expect(replaced.metadata?.uid).toBe(created.metadata?.uid);
  });

  it('a stale resourceVersion on PUT is 409 Conflict with a Status body, and changes nothing', async () => {
    const first = await aegis.createNamespacedLease({ namespace: ns, body: lease('stale', { holderIdentity: 'a', leaseDurationSeconds: 10 }) });
    await aegis.replaceNamespacedLease({ name: 'stale', namespace: ns, body: { ...first, spec: { ...first.spec, holderIdentity: 'b' } } });
    const lost = await failure(aegis.replaceNamespacedLease({ name: 'stale', namespace: ns, body: { ...first, spec: { ...first.spec, holderIdentity: 'c' } } }));
    expect(lost.code).toBe(409);
    expect(lost.status).toMatchObject({
      kind: 'Status',
      reason: 'Conflict',
      code: 409,
      message: 'Operation cannot be fulfilled on leases.coordination.k8s.io "stale": the object has been modified; please apply your changes to the latest version and try again',
      details: { name: 'stale', group: 'coordination.k8s.io', kind: 'leases' },
    });
    expect((await admin.readNamespacedLease({ name: 'stale', namespace: ns })).spec?.holderIdentity).toBe('b');
  });

  it('POST of an existing name is 409 AlreadyExists; PUT of a missing one is 404', async () => {
    await aegis.createNamespacedLease({ namespace: ns, body: lease('twice', { holderIdentity: 'a' }) });
    const again = await failure(aegis.createNamespacedLease({ namespace: ns, body: lease('twice', { holderIdentity: 'b' }) }));
    expect(again.code).toBe(409);
    expect(again.status).toMatchObject({ reason: 'AlreadyExists', message: 'leases.coordination.k8s.io "twice" already exists', details: { name: 'twice', group: 'coordination.k8s.io', kind: 'leases' } });
    const missing = await failure(aegis.replaceNamespacedLease({ name: 'nobody', namespace: ns, body: lease('nobody') }));
    expect(missing).toMatchObject({ code: 404, status: { reason: 'NotFound', message: 'leases.coordination.k8s.io "nobody" not found' } });
    const noNamespace = await failure(aegis.createNamespacedLease({ namespace: 'nowhere', body: lease('x') }));
    expect(noNamespace).toMatchObject({ code: 404, status: { message: 'namespaces "nowhere" not found' } });
  });

  it('validates as the registry does: 422 for bad bounds or names, 400 for wrong types', async () => {
    const zero = await failure(aegis.createNamespacedLease({ namespace: ns, body: lease('zero', { leaseDurationSeconds: 0 }) }));
    expect(zero).toMatchObject({ code: 422, status: { reason: 'Invalid', message: expect.stringContaining('spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0') } });
    const badName = await failure(aegis.createNamespacedLease({ namespace: ns, body: lease('Not_A_Name') }));
    expect(badName).toMatchObject({ code: 422, status: { message: expect.stringContaining('metadata.name: Invalid value') } });
    const typed = await raw('POST', `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases`, { body: { metadata: { name: 'typed' }, spec: { leaseDurationSeconds: 'ten' } } });
    expect(typed.status).toBe(400);
    expect(typed.body).toMatchObject({ kind: 'Status', reason: 'BadRequest' });
    const wrongKind = await raw('POST', `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases`, { body: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'pod' } } });
    expect(wrongKind.status).toBe(400);
  });

  it('merge PATCH sets and clears fields; a patch carrying a stale resourceVersion conflicts', async () => {
    const created = await aegis.createNamespacedLease({ namespace: ns, body: lease('patched', { holderIdentity: 'a', leaseDurationSeconds: 10 }) });
    const patched = await raw('PATCH', `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/patched`, { body: { spec: { holderIdentity: null, leaseDurationSeconds: 1 } } });
    expect(patched.status).toBe(200);
    expect(patched.body.spec).toEqual({ leaseDurationSeconds: 1 });
    const stale = await raw('PATCH', `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/patched`, { body: { metadata: { resourceVersion: created.metadata?.resourceVersion }, spec: { holderIdentity: 'z' } } });
    expect(stale.status).toBe(409);
  });

  it('DELETE answers a Success Status, honours preconditions, and the object is gone; a collection DELETE takes what the selector matches', async () => {
    const created = await aegis.createNamespacedLease({ namespace: ns, body: lease('gone', { holderIdentity: 'a' }) });
    const pre = await raw('DELETE', `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/gone`, { body: { preconditions: { resourceVersion: '1' } } });
    expect(pre.status).toBe(409);
    const del = await raw('DELETE', `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/gone`);
    expect(del.body).toMatchObject({ kind: 'Status', status: 'Success', details: { name: 'gone', group: 'coordination.k8s.io', kind: 'leases', uid: created.metadata?.uid } });
    expect((await failure(admin.readNamespacedLease({ name: 'gone', namespace: ns }))).code).toBe(404);

    for (const name of ['batch-1', 'batch-2']) await aegis.createNamespacedLease({ namespace: ns, body: { metadata: { name, labels: { batch: 'yes' } }, spec: {} } });
    const all = await raw('DELETE', `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases?labelSelector=batch%3Dyes`);
    expect(all.body).toMatchObject({ kind: 'LeaseList' });
    expect(all.body.items.map((l: { metadata: { name: string } }) => l.metadata.name)).toEqual(['batch-1', 'batch-2']);
    expect((await admin.listNamespacedLease({ namespace: ns, labelSelector: 'batch=yes' })).items).toEqual([]);
  });

  it('RBAC: the viewer may read but not write; the Table kubectl asks for has Name, Holder, Age', async () => {
    const denied = await failure(viewer.createNamespacedLease({ namespace: ns, body: lease('viewer') }));
    expect(denied).toMatchObject({ code: 403, status: { reason: 'Forbidden', message: expect.stringContaining('User "sim-viewer" cannot create resource "leases" in API group "coordination.k8s.io" in the namespace "boutique"') } });
    await aegis.createNamespacedLease({ namespace: ns, body: lease('shown', { holderIdentity: 'replica-1' }) });
    const table = await raw('GET', `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases`, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' });
    expect(table.body.columnDefinitions.map((c: { name: string }) => c.name)).toEqual(['Name', 'Holder', 'Age']);
    expect(table.body.rows.map((r: { cells: unknown[] }) => r.cells.slice(0, 2))).toContainEqual(['shown', 'replica-1']);
  });

  it('a watch (client-node Watch, as the aegis account) sees Lease changes, and Leases persist with the rest of the state', async () => {
    const events: string[] = [];
    const kc = loadKubeConfig({ text: cluster.kubeconfig, context: cluster.contexts.aegis });
    const rv = (await aegis.listNamespacedLease({ namespace: ns })).metadata?.resourceVersion;
    const req = await new Watch(kc).watch(`/apis/coordination.k8s.io/v1/namespaces/${ns}/leases`, { resourceVersion: rv }, (type: string, o: V1Lease) => events.push(`${type} ${o.metadata?.name} ${o.spec?.holderIdentity ?? '-'}`), () => {});
    try {
      const made = await aegis.createNamespacedLease({ namespace: ns, body: lease('watched', { holderIdentity: 'w' }) });
      await aegis.replaceNamespacedLease({ name: 'watched', namespace: ns, body: { ...made, spec: { ...made.spec, holderIdentity: 'v' } } });
      const end = Date.now() + 5_000;
      while (events.length < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
      expect(events).toEqual(['ADDED watched w', 'MODIFIED watched v']);
    } finally {
      req.abort();
    }
    const restored = createSimulator({ clock: createManualClock(cluster.sim.now()), state: JSON.parse(JSON.stringify(cluster.sim.snapshot())) });
    expect(restored.store.get('leases', ns, 'watched')?.spec).toEqual({ holderIdentity: 'v' });
  });
});

describe('microTime', () => {
  it('re-encodes RFC 3339 with six fractional digits in UTC, and refuses other text', () => {
    expect(microTime('2026-01-02T03:04:05Z')).toBe('2026-01-02T03:04:05.000000Z');
    expect(microTime('2026-01-02T03:04:05.1234567Z')).toBe('2026-01-02T03:04:05.123456Z');
    expect(microTime('2026-01-02T05:04:05.5+02:00')).toBe('2026-01-02T03:04:05.500000Z');
    expect(microTime('yesterday')).toBeUndefined();
  });
});
