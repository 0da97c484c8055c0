import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../platform/clock.js';
import { startSimulatedCluster, type SimulatedCluster } from './index.js';

const run = promisify(execFile);

async function waitUntil(cond: () => boolean, ms = 15_000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

function findKubectl(): string | undefined {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return 'kubectl';
  } catch {
    return undefined;
  }
}

const kubectl = findKubectl();
if (!kubectl) console.warn('[tests] kubectl not found on PATH: the kubectl fidelity suite is skipped (apt-get install kubectl, or any kubectl >= 1.28)');

describe.skipIf(!kubectl)('real kubectl against the simulated cluster', () => {
  let home: string;
  let cluster: SimulatedCluster;
  const k = async (...args: string[]) => (await run('kubectl', ['--kubeconfig', cluster.kubeconfigPath, ...args], { timeout: 60_000 })).stdout;
  const podNames = async (app: string) => (await k('get', 'pods', '-l', `app=${app}`, '-o', 'jsonpath={.items[*].metadata.name}')).split(/\s+/).filter(Boolean).sort();

  beforeAll(async () => {
    home = await mkdtemp(path.join(tmpdir(), 'aegis-kubectl-'));
    // Real time with a 250 ms step and quick containers: a rollout takes about a second.
    cluster = await startSimulatedCluster({ home, clock: systemClock, seed: 5, stepMs: 250, podStartMs: 250, podReadyMs: 250 });
  });

  afterAll(async () => {
    await cluster?.close();
    await rm(home, { recursive: true, force: true });
  });

  it('get deploy -A lists the shop', async () => {
    const out = await k('get', 'deploy', '-A');
    expect(out.split('\n')[0]).toMatch(/^NAMESPACE\s+NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE/);
    for (const name of ['frontend', 'cartservice', 'redis-cart', 'checkoutservice']) expect(out).toMatch(new RegExp(`boutique\\s+${name}\\s+\\d+/\\d+`));
    expect(await k('get', 'pods', '-n', 'boutique')).toMatch(/Running/);
  });

  it('rollout restart visibly replaces the pods, and rollout status follows it', async () => {
    const before = await podNames('cartservice');
    expect(await k('rollout', 'restart', 'deploy/cartservice')).toContain('deployment.apps/cartservice restarted');
    expect(await k('rollout', 'status', 'deploy/cartservice', '--timeout=60s')).toContain('successfully rolled out');
    const after = await podNames('cartservice');
    expect(after).toHaveLength(before.length);
    expect(after.filter((p) => before.includes(p))).toEqual([]);
    expect(await k('describe', 'deploy', 'cartservice')).toMatch(/ScalingReplicaSet.*Scaled (up|down) replica set cartservice-/);
  });

  it('scale changes the replica count through the scale subresource', async () => {
    expect(await k('scale', 'deploy/currencyservice', '--replicas=4')).toContain('scaled');
    await k('rollout', 'status', 'deploy/currencyservice', '--timeout=60s');
    expect(await podNames('currencyservice')).toHaveLength(4);
  });

  it('rollout history and undo go back to the previous image', async () => {
    const image = () => k('get', 'deploy', 'adservice', '-o', 'jsonpath={.spec.template.spec.containers[0].image}');
    expect(await image()).toMatch(/:v0\.10\.2$/);
    expect(await k('rollout', 'history', 'deploy/adservice')).toMatch(/REVISION\s+CHANGE-CAUSE\n1\s+.*\n2\s+.*\n3\s+/);
    expect(await k('rollout', 'undo', 'deploy/adservice')).toContain('rolled back');
    await k('rollout', 'status', 'deploy/adservice', '--timeout=60s');
    expect(await image()).toMatch(/:v0\.10\.1$/);
    expect(await k('get', 'deploy', 'adservice', '-o', 'jsonpath={.metadata.annotations.deployment\\.kubernetes\\.io/revision}')).toBe('4');
  });

  it('logs prints a pod log', async () => {
    // A fresh pod may not have written anything yet: ask again until it has.
    let out = '';
    for (let i = 0; i < 20 && !out.trim(); i++) {
      out = await k('logs', 'deploy/frontend', '--tail=20');
      if (!out.trim()) await new Promise((r) => setTimeout(r, 500));
    }
    expect(out.trim().split('\n').length).toBeGreaterThan(0);
    expect(out).toMatch(/"severity":"(info|warn|error)"/);
  });

  it('get -w streams changes as Table rows', async () => {
    const child = spawn('kubectl', ['--kubeconfig', cluster.kubeconfigPath, 'get', 'deploy', 'shippingservice', '-w'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    try {
      await waitUntil(() => out.includes('shippingservice'));
      cluster.sim.actions.scale('shippingservice', 3);
      await waitUntil(() => /shippingservice\s+3\/3/.test(out));
    } finally {
      child.kill();
    }
    expect(out.split('\n')[0]).toMatch(/^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE/);
  });

  it('is refused what the role does not allow', async () => {
    await expect(k('--context', cluster.contexts.view ?? 'aegis-sim-sim-viewer', 'rollout', 'restart', 'deploy/frontend')).rejects.toThrow(/forbidden: User "sim-viewer" cannot patch resource "deployments"/);
  });
});
