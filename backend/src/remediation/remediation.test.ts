import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it as test } from 'vitest';
import { createInProcessBus } from '../events/bus.js';
import { createExtensionRegistries } from '../extensions/index.js';
import { ConflictError, ForbiddenError } from '../platform/errors.js';
import { silentLogger } from '../platform/logger.js';
import { startSimulatedCluster, type SimulatedCluster } from '../sources/simulator/index.js';
import { ENGINES, type TestDatabase } from '../../test/helpers/db.js';
import { createStore, type Store } from '../store/index.js';
import { createKubeCluster, kubeConfigFrom, registerBuiltinActions, createRemediationService, MARKER_ANNOTATION, type RemediationService } from './index.js';
import { remediationPolicySchema } from './policy.js';
import { scaledClock } from './testing.js';
import type { ClusterPort } from './types.js';

const clock = scaledClock(30);
let home: string;
let sim: SimulatedCluster;
let cluster: ClusterPort;
const ns = 'boutique';

beforeAll(async () => {
  home = await mkdtemp(path.join(tmpdir(), 'aegis-rem-'));
  sim = await startSimulatedCluster({ home, clock, seed: 7 });
  cluster = createKubeCluster(kubeConfigFrom(sim.kubeconfig, sim.contexts.aegis));
}, 60_000);

afterAll(async () => {
  await sim?.close();
  await rm(home, { recursive: true, force: true });
});

describe.each(ENGINES)('remediation state machine on the simulated cluster, $engine store', ({ engine, open, available }) => {
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

  function service(overrides: Partial<Parameters<typeof createRemediationService>[0]> = {}): RemediationService {
    const registries = createExtensionRegistries();
    registerBuiltinActions(registries.actions);
    const bus = createInProcessBus({ logger: silentLogger, now: () => clock.now() });
    return createRemediationService({
      store, bus, clock, logger: silentLogger, actions: registries.actions, cluster, owner: 'test', pollMs: 100, leaseTtlMs: 60_000,
      metrics: sim.sim.metrics,
      ...overrides,
    });
  }

  async function incident(services: string[]) {
    return store.incidents.create({ title: `test ${services.join(',')}`, services, namespace: ns }, 'test');
  }

  it('proposes with a server-side dry run that changes nothing, then applies exactly once on concurrent approvals', async () => {
    const svc = service();
    const recoveries: Array<number | null> = [];
    svc.onOutcome((o) => void recoveries.push(o.recoveryMs));
    const inc = await incident(['cartservice']);
    const before = await cluster.readDeployment(ns, 'cartservice');
    const r = await svc.propose({ incidentId: inc.id, action: 'restart-deployment', namespace: ns, target: 'cartservice', confidence: 0.8, severity: 'high', actor: 'fixer' });
    expect(r.status).toBe('proposed');
    expect((r.dry_run as { ok: boolean }).ok).toBe(true);
    const afterDry = await cluster.readDeployment(ns, 'cartservice');
    expect(afterDry.generation).toBe(before.generation);
    expect((await store.incidents.get(inc.id)).status).toBe('awaiting_approval');

    const results = await Promise.allSettled([svc.approve(r.id, 'alice'), svc.approve(r.id, 'bob')]);
    expect(results.filter((x) => x.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((x) => x.status === 'rejected');
    expect(refused?.status === 'rejected' && refused.reason).toBeInstanceOf(ConflictError);
    await svc.idle();
    const done = await store.remediations.get(r.id);
    expect(done.status).toBe('succeeded');
    expect(['alice', 'bob']).toContain(done.approved_by);
    const after = await cluster.readDeployment(ns, 'cartservice');
    expect(after.generation).toBe(before.generation + 1);
    expect(after.annotations[MARKER_ANNOTATION]).toBe(r.id);
    expect(after.revision).toBe(before.revision + 1);
    expect((await store.incidents.get(inc.id)).status).toBe('resolved');
    const audit = await store.audit.list({ limit: 50 });
    expect(audit.items.map((a) => a.action)).toEqual(expect.arrayContaining(['remediation.propose', 'remediation.approved', 'remediation.applying', 'remediation.verifying', 'remediation.succeeded']));
    // Time to recovery: until the checks began to hold after settling (60 s), not the end of their 120 s window (the fixer learns it).
    const policy = remediationPolicySchema.parse({});
    expect(recoveries).toHaveLength(1);
    expect(recoveries[0]).toBeGreaterThanOrEqual(policy.verifySettleMs);
    expect(recoveries[0]).toBeLessThan(policy.verifySettleMs + policy.verifyWindowMs);
    await svc.stop();
  }, 60_000);

  it('refuses a second remediation on the same target while one is open, and actions outside the policy', async () => {
    const svc = service({ policy: remediationPolicySchema.parse({ allowedActions: ['restart-deployment', 'scale-out'] }) });
    const inc = await incident(['currencyservice']);
    await svc.propose({ incidentId: inc.id, action: 'restart-deployment', namespace: ns, target: 'currencyservice', confidence: 0.5, severity: 'medium', actor: 'fixer' });
    await expect(svc.propose({ incidentId: inc.id, action: 'scale-out', namespace: ns, target: 'currencyservice', confidence: 0.5, severity: 'medium', actor: 'fixer' })).rejects.toThrow(/not finished/);
    await expect(svc.propose({ incidentId: inc.id, action: 'delete-pod', namespace: ns, target: 'adservice', confidence: 0.5, severity: 'medium', actor: 'fixer' })).rejects.toBeInstanceOf(ForbiddenError);
    await svc.stop();
  }, 30_000);

  it('withdraws the proposal of a resolved incident, so it never blocks the next fault on its target', async () => {
    const svc = service();
    const old = await incident(['recommendationservice']);
    const stale = await svc.propose({ incidentId: old.id, action: 'restart-deployment', namespace: ns, target: 'recommendationservice', confidence: 0.6, severity: 'medium', actor: 'fixer' });
    await store.incidents.resolve(old.id, 'alice', 'went away');
    // A later, real fault on the same service gets its proposal, and the stale one says why it stopped.
    const fresh = await svc.propose({ incidentId: (await incident(['recommendationservice'])).id, action: 'restart-deployment', namespace: ns, target: 'recommendationservice', confidence: 0.7, severity: 'high', actor: 'fixer' });
    expect(fresh.status).toBe('proposed');
    const withdrawn = await store.remediations.get(stale.id);
    expect(withdrawn.status).toBe('withdrawn');
    expect(withdrawn.withdrawn_reason).toMatch(/resolved/);
    await expect(svc.approve(stale.id, 'bob')).rejects.toBeInstanceOf(ConflictError);
    // Approving a proposal whose incident was resolved meanwhile withdraws it instead of acting.
    const other = await incident(['recommendationservice']);
    await svc.reject(fresh.id, 'carol', 'not this one');
    const late = await svc.propose({ incidentId: other.id, action: 'restart-deployment', namespace: ns, target: 'recommendationservice', confidence: 0.7, severity: 'high', actor: 'fixer' });
    await store.incidents.resolve(other.id, 'alice');
    await expect(svc.approve(late.id, 'bob')).rejects.toThrow(/resolved/);
    expect((await store.remediations.get(late.id)).status).toBe('withdrawn');
    await svc.stop();
  }, 30_000);

  it('never rolls back to a revision seen failing, and says which revision and why', async () => {
    const svc = service();
    sim.sim.inject({ scenario: 'crash-loop', service: 'shippingservice', seed: 3 });
    const crashing = await cluster.readDeployment(ns, 'shippingservice');
    const first = await svc.propose({ incidentId: (await incident(['shippingservice'])).id, action: 'rollback-deployment', namespace: ns, target: 'shippingservice', confidence: 0.8, severity: 'high', actor: 'fixer' });
    const plan = first.plan as { to_revision?: number; revision_reason?: string; summary: string };
    expect(plan.to_revision).toBe(crashing.revision - 1);
    expect(plan.revision_reason).toMatch(/revision/);
    expect(plan.summary).toContain(`revision ${plan.to_revision}`);
    await svc.approve(first.id, 'alice');
    await svc.idle();
    expect((await store.remediations.get(first.id)).status).toBe('succeeded');
    // kubectl's "undo" would now go back to the crash-looping template (renumbered as the previous revision).
    const second = await svc.propose({ incidentId: (await incident(['shippingservice'])).id, action: 'rollback-deployment', namespace: ns, target: 'shippingservice', confidence: 0.8, severity: 'high', actor: 'fixer' });
    const plan2 = second.plan as { to_revision?: number; revision_reason?: string };
    expect(plan2.to_revision).toBeDefined();
    expect(plan2.to_revision).not.toBe(crashing.revision);
    expect(plan2.revision_reason).toMatch(/rolled away from|crash/);
    await svc.reject(second.id, 'alice');
    sim.sim.clearFaults();
    await svc.stop();
  }, 60_000);

  it('resumes an interrupted apply without applying twice (the marker shows it landed)', async () => {
    const svc = service();
    const inc = await incident(['paymentservice']);
    const r = await svc.propose({ incidentId: inc.id, action: 'restart-deployment', namespace: ns, target: 'paymentservice', confidence: 0.8, severity: 'high', actor: 'fixer' });
    const before = await cluster.readDeployment(ns, 'paymentservice');
    // A backend that wrote the patch and died before recording it:
    await cluster.restart(ns, 'paymentservice', clock.now(), { dryRun: false, marker: r.id });
    await store.remediations.update(r.id, { status: 'applying', before_state: before, approved_by: 'carol' });
    expect(await svc.reconcile()).toBe(1);
    await svc.idle();
    const done = await store.remediations.get(r.id);
    expect(done.status).toBe('succeeded');
    expect((done.verification as { resumed: boolean }).resumed).toBe(true);
    expect((await cluster.readDeployment(ns, 'paymentservice')).generation).toBe(before.generation + 1);
    await svc.stop();
  }, 60_000);

  it('leaves a scale-out that did not help in place (failed, not reverted): no evidence it made things worse', async () => {
    const svc = service({ policy: remediationPolicySchema.parse({ verifyDeadlineMs: 60_000, verifySettleMs: 10_000, verifyWindowMs: 20_000 }) });
    const outcomes: Array<{ status: string; attributed: boolean }> = [];
    svc.onOutcome((o) => void outcomes.push({ status: o.status, attributed: o.attributed }));
    const inc = await incident(['adservice']);
    const before = await cluster.readDeployment(ns, 'adservice');
    const r = await svc.propose({
      incidentId: inc.id, action: 'scale-out', namespace: ns, target: 'adservice', confidence: 0.4, severity: 'low', actor: 'fixer',
      // A metric that cannot fall below zero: verification must fail.
      trigger: { service: 'adservice', metric: 'request_rate', baseline: -100, observed: -50, direction: 'down' },
    });
    // The previous test's remediation must be out of this one's verification period (else it is "another change").
    await new Promise((res) => setTimeout(res, 1_000));
    await svc.approve(r.id, 'dave');
    await svc.idle();
    const done = await store.remediations.get(r.id);
    expect(done.status).toBe('failed');
    const v = done.verification as { phase: string; reason: string; checks: Array<{ id: string; status: string }> };
    expect(v.phase).toBe('failed');
    expect(v.reason).toMatch(/no evidence the action made things worse/);
    expect(v.checks.find((c) => c.id.startsWith('trigger:'))?.status).toBe('failed');
    // The fault was there when it landed and nothing else changed: the failure is the action's (the fixer learns it).
    expect(outcomes).toEqual([{ status: 'failed', attributed: true }]);
    expect((await cluster.readDeployment(ns, 'adservice')).replicas).toBeGreaterThan(before.replicas);
    await cluster.scale(ns, 'adservice', before.replicas, { dryRun: false, marker: 'test-cleanup' });
    await svc.stop();
  }, 60_000);

  it('does not verify a restart of a crash-looping service by its first ready pods: it settles, then several checks must hold', async () => {
    const svc = service({ policy: remediationPolicySchema.parse({ verifyDeadlineMs: 90_000, verifySettleMs: 30_000, verifyWindowMs: 30_000 }) });
    sim.sim.inject({ scenario: 'crash-loop', service: 'checkoutservice', seed: 5 });
    const inc = await incident(['checkoutservice']);
    const r = await svc.propose({ incidentId: inc.id, action: 'restart-deployment', namespace: ns, target: 'checkoutservice', confidence: 0.6, severity: 'high', actor: 'fixer' });
    await svc.approve(r.id, 'erin');
    await svc.idle();
    const done = await store.remediations.get(r.id);
    const v = done.verification as { phase: string; attributed: boolean; checks: Array<{ id: string; status: string }> };
    expect(done.status).toBe('failed');
    expect(v.phase).toBe('failed');
    expect(v.attributed).toBe(false);
    expect(v.checks.length).toBeGreaterThanOrEqual(2);
    expect(v.checks.map((c) => c.id)).toEqual(expect.arrayContaining(['target-ready', 'errors:checkoutservice']));
    expect((await store.incidents.get(inc.id)).status).not.toBe('resolved');
    sim.sim.clearFaults();
    const fix = await svc.propose({ incidentId: inc.id, action: 'rollback-deployment', namespace: ns, target: 'checkoutservice', confidence: 0.6, severity: 'high', actor: 'fixer' });
    await svc.reject(fix.id, 'erin');
    await cluster.rollback(ns, 'checkoutservice', (fix.plan as { to_revision: number }).to_revision, { dryRun: false, marker: 'test-cleanup' });
    await svc.stop();
  }, 60_000);

  it('does not credit an action with a recovery that came before it, and an operator can revert during verification', async () => {
    // A rolling restart of two pods takes 35-50 s here: the deadline leaves room for it and the window after it.
    const svc = service({ policy: remediationPolicySchema.parse({ verifyDeadlineMs: 180_000, verifySettleMs: 5_000, verifyWindowMs: 10_000 }) });
    const outcomes: Array<{ status: string; attributed: boolean }> = [];
    svc.onOutcome((o) => void outcomes.push({ status: o.status, attributed: o.attributed }));
    const inc = await incident(['productcatalogservice']);
    // The plan saw a latency spike that is already gone (healthy service): a pass proves nothing about the restart.
    const r = await svc.propose({
      incidentId: inc.id, action: 'restart-deployment', namespace: ns, target: 'productcatalogservice', confidence: 0.6, severity: 'medium', actor: 'fixer',
      trigger: { service: 'productcatalogservice', metric: 'latency_p99', baseline: 1_000, observed: 5_000, direction: 'down' },
    });
    await svc.approve(r.id, 'gina');
    await svc.idle();
    const done = await store.remediations.get(r.id);
    const v = done.verification as { phase: string; attributed: boolean; reason: string };
    expect(done.status).toBe('succeeded');
    expect(v.phase).toBe('passed');
    expect(v.attributed).toBe(false);
    expect(v.reason).toMatch(/already back to normal/);
    expect(outcomes).toEqual([{ status: 'succeeded', attributed: false }]);

    const before = await cluster.readDeployment(ns, 'adservice');
    const slow = service({ policy: remediationPolicySchema.parse({ verifyDeadlineMs: 3_600_000, verifySettleMs: 600_000 }) });
    const s = await slow.propose({ incidentId: (await incident(['adservice'])).id, action: 'scale-out', namespace: ns, target: 'adservice', confidence: 0.5, severity: 'low', actor: 'fixer' });
    await slow.approve(s.id, 'gina');
    const verifying = async () => (await store.remediations.get(s.id)).status === 'verifying';
    for (let i = 0; i < 200 && !(await verifying()); i++) await new Promise((res) => setTimeout(res, 50));
    const reverted = await slow.revert(s.id, 'gina', 'latency got worse');
    expect(reverted.status).toBe('reverted');
    expect((reverted.verification as { reason: string }).reason).toMatch(/latency got worse/);
    await slow.idle();
    expect((await cluster.readDeployment(ns, 'adservice')).replicas).toBe(before.replicas);
    await Promise.all([svc.stop(), slow.stop()]);
  }, 60_000);

  it('executes without a person when a policy allows this action, severity and confidence', async () => {
    const svc = service({ policy: remediationPolicySchema.parse({ autoApprove: [{ action: 'restart-deployment', severities: ['critical'], minConfidence: 0.9 }] }) });
    const low = await svc.propose({ incidentId: (await incident(['emailservice'])).id, action: 'restart-deployment', namespace: ns, target: 'emailservice', confidence: 0.5, severity: 'critical', actor: 'fixer' });
    expect(low.status).toBe('proposed');
    await svc.reject(low.id, 'erin', 'not now');
    const high = await svc.propose({ incidentId: (await incident(['emailservice'])).id, action: 'restart-deployment', namespace: ns, target: 'emailservice', confidence: 0.95, severity: 'critical', actor: 'fixer' });
    expect(high.status).toBe('approved');
    expect(high.approved_by).toBe('policy:auto-approve');
    await svc.idle();
    expect((await store.remediations.get(high.id)).status).toBe('succeeded');
    await svc.stop();
  }, 60_000);

  it('gives listeners an outcome that a crash after the final transition left undelivered, once', async () => {
    const svc = service();
    const inc = await incident(['productcatalogservice']);
    const r = await svc.propose({ incidentId: inc.id, action: 'restart-deployment', namespace: ns, target: 'productcatalogservice', confidence: 0.8, severity: 'high', actor: 'fixer' });
    // A backend that committed `succeeded` and died before its listeners ran:
    await store.remediations.update(r.id, { status: 'succeeded', approved_by: 'gina', approved_at: clock.now().toISOString() });
    const outcomes: string[] = [];
    svc.onOutcome((o) => void outcomes.push(`${o.remediation.id}:${o.status}`));
    await svc.reconcile();
    await svc.idle();
    await svc.reconcile();
    await svc.idle();
    expect(outcomes).toEqual([`${r.id}:succeeded`]);
    await svc.stop();
  }, 30_000);

  it('two backends sharing the store apply an approved remediation once (lease + row lock)', async () => {
    const a = service({ owner: 'replica-a' });
    const b = service({ owner: 'replica-b' });
    const inc = await incident(['shippingservice']);
    const before = await cluster.readDeployment(ns, 'shippingservice');
    const r = await a.propose({ incidentId: inc.id, action: 'restart-deployment', namespace: ns, target: 'shippingservice', confidence: 0.8, severity: 'high', actor: 'fixer' });
    await Promise.all([a.approve(r.id, 'frank'), b.reconcile(), b.reconcile(), a.reconcile()]);
    await Promise.all([a.idle(), b.idle()]);
    await b.reconcile();
    await Promise.all([a.idle(), b.idle()]);
    expect((await store.remediations.get(r.id)).status).toBe('succeeded');
    expect((await cluster.readDeployment(ns, 'shippingservice')).generation).toBe(before.generation + 1);
    const audit = await store.audit.list({ limit: 200 });
    expect(audit.items.filter((x) => x.target === `remediation:${r.id}` && x.action === 'remediation.applying')).toHaveLength(1);
    await Promise.all([a.stop(), b.stop()]);
  }, 60_000);
});
