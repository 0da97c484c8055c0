/**
 * Verification polls in its clock's time: on a manual clock held still it does not poll again (it used to poll
 * every `pollMs` of real time, so how often it looked — and what it concluded — depended on the machine's speed).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInProcessBus } from '../events/bus.js';
import { createExtensionRegistries } from '../extensions/index.js';
import { createManualClock } from '../platform/clock.js';
import { silentLogger } from '../platform/logger.js';
import { startSimulatedCluster, type SimulatedCluster } from '../sources/simulator/index.js';
import { pgliteTestDatabase, type TestDatabase } from '../../test/helpers/db.js';
import { createStore } from '../store/index.js';
import { createKubeCluster, createRemediationService, kubeConfigFrom, registerBuiltinActions } from './index.js';
import type { ClusterPort } from './types.js';

const clock = createManualClock(Date.parse('2026-12-07T12:00:00Z'));
const ns = 'boutique';
let home: string;
let sim: SimulatedCluster;
let t: TestDatabase;

beforeAll(async () => {
  home = await mkdtemp(path.join(tmpdir(), 'aegis-rem-clock-'));
  sim = await startSimulatedCluster({ home, clock, seed: 7 });
  t = await pgliteTestDatabase();
}, 60_000);

afterAll(async () => {
  await t?.dispose();
  await sim?.close();
  await rm(home, { recursive: true, force: true });
});

describe('verification on a manual clock', () => {
  it('polls only as the clock moves, and finishes by its deadline in clock time', async () => {
    const real = createKubeCluster(kubeConfigFrom(sim.kubeconfig, sim.contexts.aegis));
    let reads = 0;
    const cluster: ClusterPort = { ...real, readDeployment: (n, name) => (reads++, real.readDeployment(n, name)) };
    const registries = createExtensionRegistries();
    registerBuiltinActions(registries.actions);
    const store = createStore({ db: t.db, clock });
    const bus = createInProcessBus({ logger: silentLogger, now: () => clock.now() });
    const pollMs = 20;
    const svc = createRemediationService({ store, bus, clock, logger: silentLogger, actions: registries.actions, cluster, owner: 'test', pollMs, leaseTtlMs: 60_000, metrics: sim.sim.metrics });
    const inc = await store.incidents.create({ title: 'test cartservice', services: ['cartservice'], namespace: ns }, 'test');
    const r = await svc.propose({ incidentId: inc.id, action: 'restart-deployment', namespace: ns, target: 'cartservice', confidence: 0.8, severity: 'high', actor: 'fixer' });
    await svc.approve(r.id, 'alice');
    await svc.settled();
    expect((await store.remediations.get(r.id)).status).toBe('verifying');
    const held = reads;
    // Ten poll periods of real time with the clock held still: no poll.
    await new Promise((res) => setTimeout(res, 10 * pollMs));
    await svc.settled();
    expect(reads).toBe(held);
    clock.advance(pollMs);
    await svc.settled();
    expect(reads).toBe(held + 1);
    // Past the policy's deadline (clock time) the verification has finished, one way or the other.
    for (let i = 0; i < 80 && (await store.remediations.get(r.id)).status === 'verifying'; i++) {
      clock.advance(15_000);
      sim.sim.catchUp();
      await svc.settled();
    }
    expect(['succeeded', 'failed', 'reverted']).toContain((await store.remediations.get(r.id)).status);
    await svc.idle();
  }, 60_000);
});
