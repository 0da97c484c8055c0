import { AppsV1Api, CoreV1Api, KubeConfig, KubernetesObjectApi, PatchStrategy, Watch } from '@kubernetes/client-node';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Clock } from '../../platform/clock.js';
import { startSimulatedCluster } from './runtime.js';

const run = promisify(execFile);

export interface ConformanceResult {
  operation: string;
  client: 'kubectl' | 'python' | 'client-node';
  result: 'pass' | 'fail' | 'skipped';
  detail: string;
}

interface Check {
  operation: string;
  client: ConformanceResult['client'];
  /** Resolves to a detail line; throws on failure. */
  run?: () => Promise<string>;
  /** Why this operation is not supported by the simulated cluster. */
  skip?: string;
}

const MANIFEST = (replicas: number) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: conformance\nspec:\n  replicas: ${replicas}\n  selector:\n    matchLabels: {app: conformance}\n  template:\n    metadata:\n      labels: {app: conformance}\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27\n`;

const PY_WATCH = `
import sys, threading, time
from kubernetes import client, config, watch
config.load_kube_config(config_file=sys.argv[1])
v1, apps = client.CoreV1Api(), client.AppsV1Api()
print(len(v1.list_node().items), "nodes")
def restart():
    time.sleep(1)
    apps.patch_namespaced_deployment("cartservice", "boutique", {"spec": {"template": {"metadata": {"annotations": {"restartedAt": str(time.time())}}}}})
threading.Thread(target=restart).start()
n = sum(1 for _ in watch.Watch().stream(v1.list_namespaced_pod, "boutique", label_selector="app=cartservice", timeout_seconds=5))
print(n, "events")
`;

/**
 * The first-hour operations of kubectl and the official client libraries, run against a fresh simulated
 * cluster: each passes, fails, or is skipped with the reason the simulator does not support it, so the
 * gap to a real API server stays visible (`aegis sim conformance`).
 */
export async function runConformance(o: { clock: Clock; kubectl?: string; python?: string }): Promise<ConformanceResult[]> {
  const home = await mkdtemp(path.join(tmpdir(), 'aegis-conformance-'));
  const cluster = await startSimulatedCluster({ home, clock: o.clock, seed: 11, stepMs: 250, podStartMs: 250, podReadyMs: 250 });
  const kubectl = o.kubectl ?? 'kubectl';
  const k = async (...args: string[]) => (await run(kubectl, ['--kubeconfig', cluster.kubeconfigPath, ...args], { timeout: 60_000, env: { ...process.env, KUBE_EDITOR: `sed -i -e 's/^  replicas: .*/  replicas: 2/'` } })).stdout.trim();
  const file = path.join(home, 'deploy.yaml');
  const kc = new KubeConfig();
  kc.loadFromFile(cluster.kubeconfigPath);
  const last = (s: string) => s.split('\n').pop() ?? '';
  const checks: Check[] = [
    { operation: 'get pods -A (Table)', client: 'kubectl', run: async () => `${(await k('get', 'pods', '-A', '--no-headers')).split('\n').length} pods` },
    { operation: 'api-resources', client: 'kubectl', run: async () => `${(await k('api-resources', '--no-headers')).split('\n').length} resources` },
    { operation: 'explain', client: 'kubectl', run: async () => (await k('explain', 'deployment.spec.replicas')).split('\n')[0] as string },
    { operation: 'auth can-i', client: 'kubectl', run: async () => `create deployments: ${await k('auth', 'can-i', 'create', 'deployments')}` },
    {
      operation: 'auth can-i --as (impersonation)',
      client: 'kubectl',
      run: async () => {
        const nobody = await k('auth', 'can-i', 'patch', 'deployments', '--as', 'nobody').catch(() => 'no');
        const master = await k('auth', 'can-i', 'patch', 'deployments', '--as', 'nobody', '--as-group', 'system:masters');
        if (nobody !== 'no' || master !== 'yes') throw new Error(`an unbound user: ${nobody}; in system:masters: ${master}`);
        return 'unbound: no; system:masters: yes';
      },
    },
    { operation: 'apply -f (new)', client: 'kubectl', run: async () => (await writeFile(file, MANIFEST(1)), k('apply', '-f', file)) },
    { operation: 'apply -f (existing)', client: 'kubectl', run: async () => (await writeFile(file, MANIFEST(2)), k('apply', '-f', file)) },
    { operation: 'apply --server-side', client: 'kubectl', run: async () => k('apply', '--server-side', '--force-conflicts', '-f', file) },
    { operation: 'edit', client: 'kubectl', run: () => k('edit', 'deploy/conformance') },
    { operation: 'create deployment (protobuf body)', client: 'kubectl', run: () => k('create', 'deployment', 'web', '--image=nginx:1.27') },
    { operation: 'expose + describe svc endpoints', client: 'kubectl', run: async () => (await k('expose', 'deploy', 'web', '--port=80'), await k('rollout', 'status', 'deploy/web', '--timeout=60s'), last((await k('describe', 'svc', 'web')).split('\n').filter((l) => l.startsWith('Endpoints:')).join('\n'))) },
    { operation: 'rollout restart + status', client: 'kubectl', run: async () => (await k('rollout', 'restart', 'deploy/cartservice'), k('rollout', 'status', 'deploy/cartservice', '--timeout=60s')) },
    { operation: 'rollout undo', client: 'kubectl', run: () => k('rollout', 'undo', 'deploy/adservice') },
    { operation: 'scale', client: 'kubectl', run: () => k('scale', 'deploy/currencyservice', '--replicas=3') },
    { operation: 'get --chunk-size (limit/continue)', client: 'kubectl', run: async () => `${(await k('get', 'pods', '--chunk-size=3', '-o', 'name')).split('\n').length} pods in pages of 3` },
    { operation: 'get -w', client: 'kubectl', run: () => watchOnce(kubectl, cluster.kubeconfigPath, () => cluster.sim.actions.scale('shippingservice', 3)) },
    { operation: 'logs', client: 'kubectl', run: async () => `${(await k('logs', 'deploy/frontend', '--tail=5')).split('\n').length} lines` },
    { operation: 'logs --previous', client: 'kubectl', run: async () => k('logs', 'deploy/frontend', '--previous').catch((err: { stderr?: string }) => (/previous terminated container/.test(err.stderr ?? '') ? 'no previous container: refused as a real kubelet does' : Promise.reject(err))) },
    { operation: 'delete pod (Terminating, grace period)', client: 'kubectl', run: async () => (await k('delete', 'pod', '-l', 'app=paymentservice', '--wait=false'), `status: ${await k('get', 'pods', '-l', 'app=paymentservice', '--no-headers', '-o', 'custom-columns=S:.metadata.deletionTimestamp')}`.replace(/\n/g, ' ')) },
    { operation: 'delete deployment', client: 'kubectl', run: () => k('delete', 'deploy', 'web', 'conformance', '--wait=false') },
    { operation: 'exec / attach / cp / port-forward', client: 'kubectl', skip: 'pods are simulated: there is no container runtime to stream to' },
    { operation: 'debug (ephemeral containers)', client: 'kubectl', skip: 'ephemeral containers are not simulated' },
    { operation: 'top', client: 'kubectl', skip: 'metrics.k8s.io is not served (metrics come from /metrics and the in-process source)' },
    { operation: 'autoscale (HPA)', client: 'kubectl', skip: 'autoscaling/v2 HorizontalPodAutoscalers are not served' },
    { operation: 'CRDs, RBAC objects, StatefulSets, Jobs', client: 'kubectl', skip: 'only namespaces, nodes, pods, services, endpoints(lices), events, configmaps, secrets, serviceaccounts, deployments, replicasets and leases are served' },
    { operation: 'list_node(), watch=True', client: 'python', ...(o.python ? { run: async () => (await run(o.python as string, ['-c', PY_WATCH, cluster.kubeconfigPath], { timeout: 60_000 })).stdout.trim().replace(/\n/g, ', ') } : { skip: 'python3-kubernetes is not installed (apt-get install python3-kubernetes)' }) },
    { operation: 'list with limit/continue', client: 'client-node', run: async () => { const api = kc.makeApiClient(AppsV1Api); const page = await api.listNamespacedDeployment({ namespace: 'boutique', limit: 4 }); const rest = await api.listNamespacedDeployment({ namespace: 'boutique', _continue: page.metadata?._continue }); return `${page.items.length} + ${rest.items.length} deployments`; } },
    { operation: 'server-side apply', client: 'client-node', run: async () => { const obj = await KubernetesObjectApi.makeApiClient(kc).patch({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'flags', namespace: 'boutique' }, data: { beta: 'on' } }, undefined, undefined, 'conformance', true, PatchStrategy.ServerSideApply); return `created ${obj.metadata?.name}`; } },
    { operation: 'watch', client: 'client-node', run: () => clientNodeWatch(kc) },
  ];
  const results: ConformanceResult[] = [];
  try {
    for (const c of checks) {
      if (c.skip || !c.run) {
        results.push({ operation: c.operation, client: c.client, result: 'skipped', detail: c.skip ?? '' });
        continue;
      }
      try {
        results.push({ operation: c.operation, client: c.client, result: 'pass', detail: oneLine(await c.run()) });
      } catch (err) {
        const e = err as { stderr?: string; message?: string };
        results.push({ operation: c.operation, client: c.client, result: 'fail', detail: oneLine(e.stderr || e.message || String(err)) });
      }
    }
  } finally {
    await cluster.close();
    await rm(home, { recursive: true, force: true });
  }
  return results;
}

const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim().slice(0, 200);

function watchOnce(kubectl: string, kubeconfig: string, change: () => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(kubectl, ['--kubeconfig', kubeconfig, 'get', 'deploy', 'shippingservice', '-w', '--no-headers'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => (child.kill(), reject(new Error(`no change seen: ${out}`))), 30_000);
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const lines = out.trim().split('\n');
      if (lines.length === 1) change();
      if (/3\/3/.test(out)) {
        clearTimeout(timer);
        child.kill();
        resolve(`${lines.length} rows streamed`);
      }
    });
  });
}

async function clientNodeWatch(kc: KubeConfig): Promise<string> {
  const seen: string[] = [];
  const req = await new Watch(kc).watch('/api/v1/namespaces/boutique/configmaps', {}, (type) => seen.push(type), () => {});
  try {
    await kc.makeApiClient(CoreV1Api).createNamespacedConfigMap({ namespace: 'boutique', body: { metadata: { name: 'watched' } } });
    const end = Date.now() + 10_000;
    while (!seen.length && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    if (!seen.length) throw new Error('no watch event');
    return `events: ${seen.join(',')}`;
  } finally {
    req.abort();
  }
}
