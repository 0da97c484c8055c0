import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it as test } from 'vitest';
import { createInProcessBus } from '../events/bus.js';
import { createExtensionRegistries } from '../extensions/index.js';
import { ForbiddenError } from '../platform/errors.js';
import { silentLogger } from '../platform/logger.js';
import { DEFAULT_ROLES, startSimulatedCluster, type SimulatedCluster } from '../sources/simulator/index.js';
import { ENGINES, type TestDatabase } from '../../test/helpers/db.js';
import { createStore, type Store } from '../store/index.js';
import { createKubeCluster, createRemediationService, kubeConfigFrom, registerBuiltinActions, type ImpersonationSettings } from './index.js';
import { scaledClock } from './testing.js';
import type { ClusterPort } from './types.js';

const clock = scaledClock(30);
const ns = 'boutique';
let home: string;
let sim: SimulatedCluster;
let cluster: ClusterPort;

beforeAll(async () => {
  home = await mkdtemp(path.join(tmpdir(), 'aegis-imp-'));
  // Aegis may impersonate; alice (through the sre group) may change deployments, bob may only read.
  const roles = {
    ...DEFAULT_ROLES,
    aegis: [...(DEFAULT_ROLES.aegis ?? []), { verbs: ['impersonate'], resources: ['users', 'groups'] }],
    operate: [{ verbs: ['get', 'list', 'watch', 'patch'], resources: ['deployments', 'pods', 'replicasets'] }],
  };
  sim = await startSimulatedCluster({ home, clock, seed: 11, roles, bindings: { 'group:sre': 'operate', 'user:oidc:bob': 'view' } });
  cluster = createKubeCluster(kubeConfigFrom(sim.kubeconfig, sim.contexts.aegis));
}, 60_000);

afterAll(async () => {
  await sim?.close();
  await rm(home, { recursive: true, force: true });
});

describe.each(ENGINES)('approvals act with the approver’s rights (impersonation), $engine store', ({ engine, open, available }) => {
  let t: TestDatabase | undefined;
  let store: Store;
  beforeAll(async () => {
    if (!(await available())) return;
    t = await open();
    store = createStore({ db: t.db, clock });
  }, 60_000);
  afterAll(async () => t?.dispose());

  const it = (name: string, fn: () => Promise<void>, timeout: number) =>
    test(name, async (ctx) => {
      if (!t) return ctx.skip(`${engine} is not available here`);
      await fn();
    }, timeout);

  function service(impersonation: ImpersonationSettings | undefined) {
    const registries = createExtensionRegistries();
    registerBuiltinActions(registries.actions);
    const bus = createInProcessBus({ logger: silentLogger, now: () => clock.now() });
    return createRemediationService({ store, bus, clock, logger: silentLogger, actions: registries.actions, cluster, owner: 'test', pollMs: 100, leaseTtlMs: 60_000, metrics: sim.sim.metrics, impersonation });
  }

  async function proposeRestart(svc: ReturnType<typeof service>, target: string) {
    const inc = await store.incidents.create({ title: `test ${target}`, services: [target], namespace: ns }, 'test');
    return svc.propose({ incidentId: inc.id, action: 'restart-deployment', namespace: ns, target, confidence: 0.8, severity: 'high', actor: 'fixer' });
  }

  it('refuses the approval of someone the cluster would not let make the change, and changes nothing', async () => {
    const svc = service({ user: 'oidc:{approver}', group: 'sre' });
    const bobOnly = service({ user: 'oidc:{approver}' });
    const r = await proposeRestart(bobOnly, 'emailservice');
    const before = await cluster.readDeployment(ns, 'emailservice');
    const refused = bobOnly.approve(r.id, 'bob');
    await expect(refused).rejects.toBeInstanceOf(ForbiddenError);
    await expect(refused).rejects.toThrow(/bob may not make this change in the cluster as oidc:bob.*User "oidc:bob" cannot patch resource "deployments"/);
    expect((await store.remediations.get(r.id)).status).toBe('proposed');
    expect((await cluster.readDeployment(ns, 'emailservice')).generation).toBe(before.generation);
    await svc.stop();
    await bobOnly.stop();
  }, 60_000);

  it('applies an approval made by someone who may make the change, as that person', async () => {
    const svc = service({ user: 'oidc:{approver}', group: 'sre' });
    const r = await proposeRestart(svc, 'paymentservice');
    const before = await cluster.readDeployment(ns, 'paymentservice');
    await svc.approve(r.id, 'alice');
    await svc.idle();
    const done = await store.remediations.get(r.id);
    expect(done.approved_by).toBe('alice');
    expect(['verifying', 'succeeded']).toContain(done.status);
    expect((await cluster.readDeployment(ns, 'paymentservice')).generation).toBe(before.generation + 1);
    await svc.stop();
  }, 120_000);
});
