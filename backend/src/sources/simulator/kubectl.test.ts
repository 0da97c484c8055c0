import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
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

  it('create, apply -f (new and existing), apply --server-side and delete write objects', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'aegis-manifests-'));
    const file = path.join(dir, 'hello.yaml');
    const manifest = (replicas: number, image: string) =>
      `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: hello\nspec:\n  replicas: ${replicas}\n  selector:\n    matchLabels: {app: hello}\n  template:\n    metadata:\n      labels: {app: hello}\n    spec:\n      containers:\n      - name: hello\n        image: ${image}\n`;
    try {
      await writeFile(file, manifest(1, 'nginx:1.27'));
      expect(await k('apply', '-f', file)).toContain('deployment.apps/hello created');
      await k('rollout', 'status', 'deploy/hello', '--timeout=60s');
      await writeFile(file, manifest(2, 'nginx:1.27'));
      expect(await k('apply', '-f', file)).toContain('deployment.apps/hello configured');
      await k('rollout', 'status', 'deploy/hello', '--timeout=60s');
      expect(await podNames('hello')).toHaveLength(2);
      // Server-side apply: kubectl's client-side apply owns spec.replicas, so a different value conflicts until forced.
      await writeFile(file, manifest(3, 'nginx:1.27'));
      await expect(k('apply', '--server-side', '-f', file)).rejects.toThrow(/conflict with "kubectl-client-side-apply"[\s\S]*\.spec\.replicas/);
      expect(await k('apply', '--server-side', '--force-conflicts', '-f', file)).toContain('deployment.apps/hello serverside-applied');
      expect(await k('get', 'deploy', 'hello', '-o', 'jsonpath={.spec.replicas}')).toBe('3');
      expect(await k('get', 'deploy', 'hello', '-o', 'jsonpath={.metadata.managedFields[*].manager}', '--show-managed-fields')).toContain('kubectl');
      expect(await k('create', 'deployment', 'web', '--image=nginx:1.27', '--replicas=2', '--port=80')).toContain('deployment.apps/web created');
      expect(await k('create', 'configmap', 'settings', '--from-literal=mode=demo')).toContain('configmap/settings created');
      expect(await k('get', 'configmap', 'settings', '-o', 'jsonpath={.data.mode}')).toBe('demo');
      expect(await k('expose', 'deploy', 'web', '--port=80')).toContain('service/web exposed');
      await k('rollout', 'status', 'deploy/web', '--timeout=60s');
      expect(await k('describe', 'svc', 'web')).toMatch(/Endpoints:\s+10\.\d+\.\d+\.\d+:80,10\.\d+\.\d+\.\d+:80/);
      expect(await k('delete', 'deploy', 'web', 'hello')).toMatch(/deployment.apps "web" deleted\s+deployment.apps "hello" deleted/);
      expect(await k('get', 'deploy', 'web', '--ignore-not-found')).toBe('');
      await expect(k('create', 'deployment', 'web2', '--image=nginx', '--dry-run=server', '-o', 'name')).resolves.toContain('deployment.apps/web2');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('explain, api-resources and auth can-i answer as a real API server does', async () => {
    expect(await k('explain', 'deployment.spec.replicas')).toMatch(/FIELD: replicas <integer>[\s\S]*Number of desired pods/);
    expect(await k('explain', 'pods.spec.containers')).toMatch(/name\s+<string> -required-/);
    const resources = await k('api-resources');
    for (const r of ['deployments', 'endpointslices', 'selfsubjectaccessreviews', 'leases']) expect(resources).toContain(r);
    expect((await k('auth', 'can-i', 'create', 'deployments')).trim()).toBe('yes');
    const viewer = cluster.contexts.view as string;
    expect((await k('--context', viewer, 'auth', 'can-i', 'get', 'pods')).trim()).toBe('yes');
    await expect(k('--context', viewer, 'auth', 'can-i', 'delete', 'pods')).rejects.toMatchObject({ code: 1, stdout: 'no\n' });
  });

  it('edit validates against the served schema and writes the change', async () => {
    const env = { ...process.env, KUBE_EDITOR: `sed -i -e 's/^  replicas: .*/  replicas: 3/'` };
    const out = (await run('kubectl', ['--kubeconfig', cluster.kubeconfigPath, 'edit', 'deploy/emailservice'], { env, timeout: 60_000 })).stdout;
    expect(out).toContain('deployment.apps/emailservice edited');
    expect(await k('get', 'deploy', 'emailservice', '-o', 'jsonpath={.spec.replicas}')).toBe('3');
  });

  it('a deleted pod is Terminating for its grace period while its replacement starts', async () => {
    const [victim] = await podNames('paymentservice');
    await k('delete', 'pod', victim as string, '--wait=false');
    const status = await k('get', 'pod', victim as string, '-o', 'jsonpath={.metadata.deletionGracePeriodSeconds}');
    expect(status).toBe('5');
    expect(await k('get', 'pods', '-l', 'app=paymentservice')).toMatch(new RegExp(`${victim}\\s+\\S+\\s+Terminating`));
    await k('wait', '--for=delete', `pod/${victim}`, '--timeout=60s');
    expect(await podNames('paymentservice')).not.toContain(victim);
  });

  it('logs --previous reads the container that last terminated', async () => {
    await expect(k('logs', 'deploy/currencyservice', '--previous')).rejects.toThrow(/previous terminated container "server" in pod .* not found/);
  });

  it('get --chunk-size pages through the list with limit/continue', async () => {
    const all = await k('get', 'pods', '-o', 'name');
    const paged = await k('get', 'pods', '-o', 'name', '--chunk-size=2');
    expect(paged.split('\n').filter(Boolean).length).toBe(all.split('\n').filter(Boolean).length);
  });

  it('is refused what the role does not allow', async () => {
    await expect(k('--context', cluster.contexts.view ?? 'aegis-sim-sim-viewer', 'rollout', 'restart', 'deploy/frontend')).rejects.toThrow(/forbidden: User "sim-viewer" cannot patch resource "deployments"/);
  });
});
