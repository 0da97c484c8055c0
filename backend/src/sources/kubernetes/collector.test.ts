import { ApiException, AppsV1Api, PatchStrategy, setHeaderOptions, Watch, type KubeConfig } from '@kubernetes/client-node';
import { mkdtemp, rm } from 'node:fs/promises';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createManualClock } from '../../platform/clock.js';
import { createPodLogSource } from '../logs/index.js';
import { startSimulatedCluster, type SimulatedCluster } from '../simulator/index.js';
import { createKubernetesCollector, loadKubeConfig, type ClusterEvent } from './index.js';

const clock = createManualClock(Date.UTC(2026, 10, 18, 13, 0));
let home: string;
let cluster: SimulatedCluster;
let admin: KubeConfig;

const statusBody = (err: unknown) => {
  expect(err).toBeInstanceOf(ApiException);
  const e = err as ApiException<string>;
  return { code: e.code, body: JSON.parse(e.body) as { kind: string; reason: string; code: number; message: string } };
};

async function failure(p: Promise<unknown>) {
  try {
    await p;
  } catch (err) {
    return statusBody(err);
  }
  throw new Error('expected the request to fail');
}

const waitFor = async (cond: () => boolean, ms = 5_000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
};

beforeAll(async () => {
  home = await mkdtemp(path.join(tmpdir(), 'aegis-k8s-'));
  cluster = await startSimulatedCluster({ home, clock, seed: 11, watchTimeoutMs: 300 });
  cluster.sim.advance(60_000);
  admin = loadKubeConfig({ file: cluster.kubeconfigPath });
});

afterAll(async () => {
  await cluster?.close();
  await rm(home, { recursive: true, force: true });
});

describe('Kubernetes collector against the simulated API server (client-node 1.4)', () => {
  it('takes an inventory and the rollout history', async () => {
    const kc = loadKubeConfig({ file: cluster.kubeconfigPath, context: cluster.contexts.aegis });
    const collector = createKubernetesCollector({ kubeConfig: kc, clock });
    const inv = await collector.inventory({ namespace: 'boutique' });
    expect(inv.errors).toEqual([]);
    const kinds = (k: string) => inv.results.filter((r) => r.kind === k);
    expect(kinds('Deployment')).toHaveLength(11);
    expect(kinds('Service')).toHaveLength(11);
    expect(kinds('Pod')).toHaveLength(20);
    expect(kinds('Pod').every((p) => p.kind === 'Pod' && p.ready && p.service)).toBe(true);
    const history = await collector.rolloutHistory('boutique', 'cartservice');
    expect(history.results.map((r) => r.revision)).toEqual([1, 2, 3]);
    expect(history.results.find((r) => r.current)?.images[0]).toMatch(/cartservice:v0\.10\.2$/);
  });

  it('keeps watching events after the server closes the stream, without duplicates', async () => {
    const collector = createKubernetesCollector({ kubeConfig: admin, clock });
    const seen: ClusterEvent[] = [];
    const watch = collector.watchEvents({ namespace: 'boutique', onEvent: (e) => seen.push(e) });
    try {
      // The server ends every watch after 300 ms; the collector must re-watch from its resourceVersion.
      await waitFor(() => watch.reconnects >= 3, 8_000);
      cluster.sim.actions.restart('cartservice');
      await waitFor(() => seen.some((e) => e.reason === 'ScalingReplicaSet' && e.object.name === 'cartservice'));
      cluster.sim.advance(10_000);
      await waitFor(() => seen.some((e) => e.reason === 'Started'));
      await waitFor(() => watch.reconnects >= 5, 8_000);
      const keys = seen.map((e) => `${e.uid}@${e.resourceVersion}`);
      expect(new Set(keys).size).toBe(keys.length);
    } finally {
      watch.stop();
    }
  });

  it('answers a watch from a too-old resourceVersion with an ERROR event carrying 410 Gone', async () => {
    const events: Array<{ type: string; code?: number }> = [];
    const ac = await new Watch(admin).watch('/api/v1/namespaces/boutique/events', { resourceVersion: '1' }, (type, obj) => events.push({ type, code: (obj as { code?: number }).code }), () => {});
    await waitFor(() => events.length > 0);
    ac.abort();
    expect(events[0]).toEqual({ type: 'ERROR', code: 410 });
  });

  it('resumes from an expired resourceVersion by re-listing, and delivers what it missed', async () => {
    cluster.sim.actions.restart('paymentservice');
    const collector = createKubernetesCollector({ kubeConfig: admin, clock });
    const seen: ClusterEvent[] = [];
    const watch = collector.watchEvents({ namespace: 'boutique', resourceVersion: '1', onEvent: (e) => seen.push(e) });
    try {
      await waitFor(() => seen.length > 0);
      expect(seen.some((e) => e.reason === 'ScalingReplicaSet' && e.object.name === 'paymentservice')).toBe(true);
      expect(Number(watch.resourceVersion)).toBeGreaterThan(1);
    } finally {
      watch.stop();
    }
  });

  it('refuses a write with a stale resourceVersion: 409 Conflict with a Status body', async () => {
    const apps = admin.makeApiClient(AppsV1Api);
    const scale = await apps.readNamespacedDeploymentScale({ name: 'adservice', namespace: 'boutique' });
    await apps.patchNamespacedDeploymentScale({ name: 'adservice', namespace: 'boutique', body: { spec: { replicas: 3 } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    const f = await failure(
      apps.replaceNamespacedDeploymentScale({
        name: 'adservice',
        namespace: 'boutique',
        body: { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'adservice', namespace: 'boutique', resourceVersion: scale.metadata?.resourceVersion }, spec: { replicas: 5 } },
      }),
    );
    expect(f.code).toBe(409);
    expect(f.body).toMatchObject({ kind: 'Status', reason: 'Conflict', code: 409 });
    expect((await apps.readNamespacedDeployment({ name: 'adservice', namespace: 'boutique' })).spec?.replicas).toBe(3);
  });

  it('dryRun=All validates and answers the result without changing anything', async () => {
    const apps = admin.makeApiClient(AppsV1Api);
    const before = await apps.readNamespacedDeployment({ name: 'emailservice', namespace: 'boutique' });
    const rv = cluster.sim.store.resourceVersion;
    const dry = await apps.patchNamespacedDeployment(
      { name: 'emailservice', namespace: 'boutique', dryRun: 'All', body: { spec: { replicas: 4, template: { spec: { containers: [{ name: 'server', image: 'emailservice:v9' }] } } } } },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    expect(dry.spec?.replicas).toBe(4);
    expect(dry.spec?.template.spec?.containers[0]?.image).toBe('emailservice:v9');
    const after = await apps.readNamespacedDeployment({ name: 'emailservice', namespace: 'boutique' });
    expect(after).toEqual(before);
    expect(cluster.sim.store.resourceVersion).toBe(rv);
    const invalid = await failure(
      apps.patchNamespacedDeployment({ name: 'emailservice', namespace: 'boutique', dryRun: 'All', body: { spec: { replicas: -2 } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch)),
    );
    expect(invalid.code).toBe(422);
    expect(invalid.body.reason).toBe('Invalid');
  });

  it('answers 403 with a Status body for a verb the role lacks', async () => {
    const viewer = loadKubeConfig({ file: cluster.kubeconfigPath, context: cluster.contexts.view });
    const apps = viewer.makeApiClient(AppsV1Api);
    expect((await apps.listNamespacedDeployment({ namespace: 'boutique' })).items).toHaveLength(11);
    const f = await failure(apps.patchNamespacedDeployment({ name: 'frontend', namespace: 'boutique', body: { spec: { replicas: 9 } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch)));
    expect(f.code).toBe(403);
    expect(f.body).toMatchObject({ kind: 'Status', reason: 'Forbidden', code: 403 });
    expect(f.body.message).toContain('cannot patch resource "deployments"');
  });

  it('answers malformed patches with 400 and missing objects with 404, as Status bodies', async () => {
    const apps = admin.makeApiClient(AppsV1Api);
    const badOp = await failure(apps.patchNamespacedDeployment({ name: 'frontend', namespace: 'boutique', body: [{ op: 'frobnicate', path: '/spec/replicas', value: 1 }] }));
    expect(badOp.code).toBe(400);
    expect(badOp.body).toMatchObject({ kind: 'Status', reason: 'BadRequest', code: 400 });
    const notArray = await failure(apps.patchNamespacedDeployment({ name: 'frontend', namespace: 'boutique', body: { spec: { replicas: 1 } } }));
    expect(notArray.code).toBe(400);
    const failedTest = await failure(
      apps.patchNamespacedDeployment({ name: 'frontend', namespace: 'boutique', body: [{ op: 'test', path: '/spec/replicas', value: 42 }, { op: 'replace', path: '/spec/replicas', value: 1 }] }),
    );
    expect(failedTest.code).toBe(422);
    const missing = await failure(apps.readNamespacedDeployment({ name: 'nope', namespace: 'boutique' }));
    expect(missing.code).toBe(404);
    expect(missing.body).toMatchObject({ kind: 'Status', reason: 'NotFound', message: 'deployments.apps "nope" not found' });
    // Not JSON at all: straight to the server, as a broken client would send it.
    const token = cluster.users.find((u) => u.role === 'cluster-admin')?.token ?? '';
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = https.request(`${cluster.url}/apis/apps/v1/namespaces/boutique/deployments/frontend`, {
        method: 'PATCH',
        ca: cluster.caPem,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/merge-patch+json' },
      }, (r) => {
        let body = '';
        r.on('data', (c: Buffer) => (body += c));
        r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end('{"spec": {"replicas": ');
    });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ kind: 'Status', reason: 'BadRequest' });
    expect((await apps.readNamespacedDeployment({ name: 'frontend', namespace: 'boutique' })).spec?.replicas).toBe(3);
  });

  it('reads pod logs through the API as a LogSource', async () => {
    const collector = createKubernetesCollector({ kubeConfig: admin, clock });
    cluster.sim.advance(60_000);
    const logs = createPodLogSource({ collector, now: () => clock.nowMs(), defaultNamespace: 'boutique' });
    const res = await logs.queryLogs({ service: 'frontend', from: clock.nowMs() - 120_000, to: clock.nowMs() });
    expect(res.errors).toEqual([]);
    expect(res.results.length).toBeGreaterThan(0);
    expect(res.results.every((l) => l.service === 'frontend' && l.pod.startsWith('frontend-'))).toBe(true);
  });

  it('reports an unreachable cluster as errors, never throws', async () => {
    const kc = loadKubeConfig({ text: cluster.kubeconfig.replace(cluster.url, 'https://127.0.0.1:1') });
    const collector = createKubernetesCollector({ kubeConfig: kc, clock, retry: { retries: 1, backoffMs: 10, timeoutMs: 2_000 } });
    const inv = await collector.inventory();
    expect(inv.results).toEqual([]);
    expect(inv.errors.map((e) => e.target).sort()).toEqual(['deployments', 'namespaces', 'pods', 'replicasets', 'services']);
    const watchErrors: string[] = [];
    const watch = collector.watchEvents({ onEvent: () => {}, onError: (e) => watchErrors.push(e.message), backoff: { initialMs: 10, maxMs: 50 } });
    await waitFor(() => watchErrors.length >= 2, 8_000);
    watch.stop();
  });
});
