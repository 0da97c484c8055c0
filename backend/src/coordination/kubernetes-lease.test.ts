import { CoordinationV1Api, KubeConfig } from '@kubernetes/client-node';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createManualClock } from '../platform/clock.js';
import { silentLogger } from '../platform/logger.js';
import { loadKubeConfig } from '../sources/kubernetes/kubeconfig.js';
import { startSimulatedCluster, type SimulatedCluster } from '../sources/simulator/index.js';
import { kubeConfigNamespace, kubernetesLeaseBackend, leaseObjectName, LeaseTimeoutError } from './kubernetes-lease.js';
import { createLeases, type LeaseBackend, type Leases } from './lease.js';

const ns = 'boutique';
const TTL = 10_000;
const clock = createManualClock(Date.UTC(2026, 10, 20, 9));
let home: string;
let cluster: SimulatedCluster;
let kubeConfig: KubeConfig;
let coordination: CoordinationV1Api;

/** A backend as a replica would build it: Aegis's own least-privilege account, the shared injected clock. */
// A generous call timeout: on this shared 2-core machine a TLS round trip can take longer than a third of a 1 s ttl.
const backend = () =>
  kubernetesLeaseBackend({ kubeConfig, namespace: ns, now: () => clock.now(), requestTimeoutMs: 5_000 });
const readLease = (name: string) => coordination.readNamespacedLease({ name: leaseObjectName(name), namespace: ns });

async function waitFor(cond: () => boolean, what: string, ms = 10_000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeAll(async () => {
  home = await mkdtemp(path.join(tmpdir(), 'aegis-kube-lease-'));
  // The cluster's own clock stands still: only the lease holders' clock matters here.
  cluster = await startSimulatedCluster({ home, clock: createManualClock(clock.nowMs()), seed: 11 });
  kubeConfig = loadKubeConfig({ text: cluster.kubeconfig, context: cluster.contexts.aegis });
  coordination = kubeConfig.makeApiClient(CoordinationV1Api);
}, 60_000);

afterAll(async () => {
  await cluster?.close();
  await rm(home, { recursive: true, force: true });
});

describe('kubernetesLeaseBackend on the simulated API server (real client-node)', () => {
  it('names Leases aegis-<name> as DNS labels, distinct for names that differ only in punctuation', () => {
    expect(leaseObjectName('retention')).toBe('aegis-retention');
    expect(leaseObjectName('k8s.watch')).toMatch(/^aegis-k8s-watch-[0-9a-f]{8}$/);
    expect(leaseObjectName('k8s_watch')).not.toBe(leaseObjectName('k8s.watch'));
    const long = leaseObjectName('x'.repeat(200));
    expect(long.length).toBeLessThanOrEqual(63);
    expect(long).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
  });

  it("puts Leases in the kubeconfig context's namespace (in a pod: the service account's)", () => {
    expect(kubeConfigNamespace(kubeConfig)).toBe(ns);
    const bare = loadKubeConfig({ text: cluster.kubeconfig.replace(/namespace: boutique/g, '') });
    expect(kubeConfigNamespace(bare)).toBe('default');
  });

  it('two holders racing for each of 10 absent leases: exactly one holds each', async () => {
    const a = backend();
    const b = backend();
    for (let i = 0; i < 10; i++) {
      const name = `race-${i}`;
      const [gotA, gotB] = await Promise.all([
        a.tryAcquire(name, 'replica-a', TTL),
        b.tryAcquire(name, 'replica-b', TTL),
      ]);
      expect([gotA, gotB].filter(Boolean)).toHaveLength(1);
      const winner = gotA ? 'replica-a' : 'replica-b';
      expect((await readLease(name)).spec?.holderIdentity).toBe(winner);
      // Asking again changes nothing: the winner renews, the loser is still refused.
      expect(await a.tryAcquire(name, 'replica-a', TTL)).toBe(winner === 'replica-a');
      expect(await b.tryAcquire(name, 'replica-b', TTL)).toBe(winner === 'replica-b');
    }
  });

  it('the holder renews (renewTime moves, acquireTime stays); the other is refused until the term has passed', async () => {
    const a = backend();
    const b = backend();
    expect(await a.tryAcquire('renew', 'replica-a', TTL)).toBe(true);
    const first = await readLease('renew');
    expect(first.spec).toMatchObject({ holderIdentity: 'replica-a', leaseDurationSeconds: 10, leaseTransitions: 0 });

    clock.advance(6_000);
    expect(await a.tryAcquire('renew', 'replica-a', TTL)).toBe(true);
    const renewed = await readLease('renew');
    expect(Date.parse(String(renewed.spec?.renewTime))).toBe(clock.nowMs());
    expect(renewed.spec?.acquireTime).toEqual(first.spec?.acquireTime);

    // 10 s after the renewal is still inside the term (renewTime + 10 s is not before now) ...
    clock.advance(10_000);
    expect(await b.tryAcquire('renew', 'replica-b', TTL)).toBe(false);
    // ... one millisecond later it has expired, and the other takes it over as a new term.
    clock.advance(1);
    expect(await b.tryAcquire('renew', 'replica-b', TTL)).toBe(true);
    const taken = await readLease('renew');
    expect(taken.spec).toMatchObject({ holderIdentity: 'replica-b', leaseTransitions: 1 });
    expect(Date.parse(String(taken.spec?.acquireTime))).toBe(clock.nowMs());
    expect(await a.tryAcquire('renew', 'replica-a', TTL)).toBe(false);
  });

  it('a write with a stale resourceVersion loses with 409; of two replicas taking over an expired lease, one wins', async () => {
    const a = backend();
    expect(await a.tryAcquire('stale', 'replica-a', TTL)).toBe(true);
    const seen = await readLease('stale');
    expect(await a.tryAcquire('stale', 'replica-a', TTL)).toBe(true);
    // What a replica that read before the renewal would write: refused, and the holder is untouched.
    const refused = await coordination
      .replaceNamespacedLease({
        name: seen.metadata?.name ?? '',
        namespace: ns,
        body: { ...seen, spec: { ...seen.spec, holderIdentity: 'intruder' } },
      })
      .then(
        () => 0,
        (err: { code: number }) => err.code,
      );
    expect(refused).toBe(409);
    expect((await readLease('stale')).spec?.holderIdentity).toBe('replica-a');

    clock.advance(TTL + 1);
    const results = await Promise.all(
      ['replica-b', 'replica-c', 'replica-d'].map((h) => backend().tryAcquire('stale', h, TTL)),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    const holder = ['replica-b', 'replica-c', 'replica-d'][results.indexOf(true)];
    const after = await readLease('stale');
    expect(after.spec?.holderIdentity).toBe(holder);
    expect(after.spec?.leaseTransitions).toBe(1);
  });

  it('release hands the lease over at once; a non-holder releasing changes nothing', async () => {
    const a = backend();
    const b = backend();
    expect(await a.tryAcquire('release', 'replica-a', TTL)).toBe(true);
    await b.release('release', 'replica-b');
    expect((await readLease('release')).spec?.holderIdentity).toBe('replica-a');
    expect(await b.tryAcquire('release', 'replica-b', TTL)).toBe(false);

    await a.release('release', 'replica-a');
    const released = await readLease('release');
    expect(released.spec?.holderIdentity).toBeUndefined();
    expect(released.spec?.leaseDurationSeconds).toBe(1);
    expect(await b.tryAcquire('release', 'replica-b', TTL)).toBe(true);
    await a.release('never-created', 'replica-a');
  });

  it('an API server that never answers fails the check within half the ttl (so the holder stops in time)', async () => {
    const silent = http.createServer(() => {}); // accepts requests, answers none
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const kc = new KubeConfig();
      const server = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
      kc.loadFromOptions({
        clusters: [{ name: 'c', server, skipTLSVerify: true }],
        users: [{ name: 'u', token: 't' }],
        contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
        currentContext: 'x',
      });
      const hung = kubernetesLeaseBackend({ kubeConfig: kc, namespace: ns });
      const started = Date.now();
      await expect(hung.tryAcquire('hung', 'replica-h', 600)).rejects.toBeInstanceOf(LeaseTimeoutError);
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
      await expect(hung.release('hung', 'replica-h')).rejects.toBeInstanceOf(LeaseTimeoutError);
    } finally {
      silent.closeAllConnections();
      await new Promise((r) => silent.close(r));
    }
  });

  it('errors other than 404/409 are thrown (here: RBAC refuses the read-only account)', async () => {
    const viewer = kubernetesLeaseBackend({
      kubeConfig: loadKubeConfig({ text: cluster.kubeconfig, context: cluster.contexts.view }),
      namespace: ns,
      now: () => clock.now(),
    });
    await expect(viewer.tryAcquire('viewer-only', 'replica-v', TTL)).rejects.toMatchObject({ code: 403 });
  });
});

describe('createLeases over Kubernetes Leases', () => {
  const running = new Map<string, number>();
  const starts: string[] = [];
  const stops: string[] = [];
  let managers: Leases[] = [];

  /** A backend whose network can be cut: the replica can neither renew nor release, as when it hangs or is partitioned. */
  function cuttable(inner: LeaseBackend) {
    let cut = false;
    const refuse = () => Promise.reject(new Error('connect ECONNREFUSED (partitioned)'));
    const wrapped: LeaseBackend = {
      kind: inner.kind,
      tryAcquire: (n, h, ttl) => (cut ? refuse() : inner.tryAcquire(n, h, ttl)),
      release: (n, h) => (cut ? refuse() : inner.release(n, h)),
      close: () => inner.close(),
    };
    return { backend: wrapped, cut: () => (cut = true) };
  }

  function replica(holder: string, backendOf: LeaseBackend): Leases {
    const leases = createLeases({
      backend: backendOf,
      holder,
      logger: silentLogger,
      ttlMs: 1_000,
      now: () => clock.now(),
    });
    leases.singleton('watch', () => {
      starts.push(holder);
      running.set(holder, (running.get(holder) ?? 0) + 1);
      return {
        stop() {
          stops.push(holder);
          running.set(holder, (running.get(holder) ?? 0) - 1);
        },
      };
    });
    managers.push(leases);
    return leases;
  }

  const runningOn = () => [...running].filter(([, n]) => n > 0).map(([h]) => h);

  afterAll(async () => {
    for (const m of managers) await m.close();
    managers = [];
  });

  it('starts the singleton on one replica only, and moves it when the holder stops renewing', async () => {
    const a = cuttable(backend());
    const leasesA = replica('replica-a', a.backend);
    await waitFor(() => runningOn().length === 1, 'the singleton to start');
    const leasesB = replica('replica-b', backend());
    // Several renewal rounds (every third of the 1 s ttl): still only the first replica runs it.
    await new Promise((r) => setTimeout(r, 1_200));
    expect(runningOn()).toEqual(['replica-a']);
    expect(starts).toEqual(['replica-a']);
    expect(leasesA.status()).toEqual([expect.objectContaining({ name: 'watch', held: true })]);
    expect(leasesB.status()).toEqual([expect.objectContaining({ name: 'watch', held: false })]);

    // The holder is cut off: its next check fails, so it stops; the Lease still names it until the term passes.
    a.cut();
    await waitFor(() => runningOn().length === 0, 'the cut-off holder to stop');
    expect((await readLease('watch')).spec?.holderIdentity).toBe('replica-a');
    await new Promise((r) => setTimeout(r, 500));
    expect(runningOn()).toEqual([]);

    // Its term lapses (on the injected clock): the other replica takes over at its next check.
    clock.advance(1_001);
    await waitFor(() => runningOn().length === 1, 'the follower to take over');
    expect(runningOn()).toEqual(['replica-b']);
    expect(starts).toEqual(['replica-a', 'replica-b']);
    expect(stops).toEqual(['replica-a']);
    expect((await readLease('watch')).spec).toMatchObject({ holderIdentity: 'replica-b', leaseTransitions: 1 });
  });

  it('a clean shutdown releases the lease so a new replica starts the singleton without waiting for the term', async () => {
    const holderNow = runningOn()[0];
    const current = managers.find((m) => m.holder === holderNow);
    expect(current).toBeDefined();
    replica('replica-c', backend());
    await current?.close();
    managers = managers.filter((m) => m !== current);
    // No clock advance: the released Lease is free at once.
    await waitFor(() => runningOn().includes('replica-c'), 'the new replica to take the released lease');
    expect(runningOn()).toEqual(['replica-c']);
  });
});
