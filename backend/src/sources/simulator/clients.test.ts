import { AppsV1Api, CoreV1Api, KubeConfig, KubernetesObjectApi, PatchStrategy, Watch } from '@kubernetes/client-node';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../platform/clock.js';
import { startSimulatedCluster, type SimulatedCluster } from './index.js';

const run = promisify(execFile);
const CI = process.env.CI === 'true' || process.env.CI === '1';
const PYTHON = '/usr/bin/python3';

function hasPythonClient(): boolean {
  try {
    execFileSync(PYTHON, ['-c', 'import kubernetes'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const python = hasPythonClient();
if (!python && CI) throw new Error('CI=true and Debian python3-kubernetes is missing (apt-get install python3-kubernetes)');
if (!python) console.warn('[tests] /usr/bin/python3 has no kubernetes module: the Python client suite is skipped (apt-get install python3-kubernetes)');

// The official Python client: list_node() deserialises every required field; watch=True must stream events.
const PY_SCRIPT = `
import sys, threading, time, json
from kubernetes import client, config, watch
config.load_kube_config(config_file=sys.argv[1])
v1 = client.CoreV1Api()
apps = client.AppsV1Api()
nodes = v1.list_node()
out = {"nodes": len(nodes.items), "boot_id": nodes.items[0].status.node_info.boot_id}
def restart():
    time.sleep(1)
    apps.patch_namespaced_deployment("cartservice", "boutique", {"spec": {"template": {"metadata": {"annotations": {"kubectl.kubernetes.io/restartedAt": str(time.time())}}}}})
threading.Thread(target=restart).start()
events = []
for ev in watch.Watch().stream(v1.list_namespaced_pod, "boutique", label_selector="app=cartservice", timeout_seconds=6):
    events.append(ev["type"])
out["events"] = sorted(set(events))
page = v1.list_namespaced_pod("boutique", limit=3)
out["page"] = len(page.items)
out["more"] = bool(page.metadata._continue)
print(json.dumps(out))
`;

describe('official client libraries against the simulated cluster', () => {
  let home: string;
  let cluster: SimulatedCluster;

  beforeAll(async () => {
    home = await mkdtemp(path.join(tmpdir(), 'aegis-clients-'));
    cluster = await startSimulatedCluster({ home, clock: systemClock, seed: 9, stepMs: 250, podStartMs: 250, podReadyMs: 250 });
  });
  afterAll(async () => {
    await cluster?.close();
    await rm(home, { recursive: true, force: true });
  });

  it.skipIf(!python)('Python (python3-kubernetes): list_node() works and a watch=True watch receives events', async () => {
    const script = path.join(home, 'client.py');
    await writeFile(script, PY_SCRIPT);
    const { stdout } = await run(PYTHON, [script, cluster.kubeconfigPath], { timeout: 60_000 });
    const out = JSON.parse(stdout.trim().split('\n').pop() as string) as { nodes: number; boot_id: string; events: string[]; page: number; more: boolean };
    expect(out.nodes).toBe(3);
    expect(out.boot_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(out.events).toEqual(expect.arrayContaining(['ADDED', 'DELETED', 'MODIFIED']));
    expect(out).toMatchObject({ page: 3, more: true });
  });

  it('@kubernetes/client-node: create, server-side apply, watch and delete', async () => {
    const kc = new KubeConfig();
    kc.loadFromFile(cluster.kubeconfigPath);
    const core = kc.makeApiClient(CoreV1Api);
    const apps = kc.makeApiClient(AppsV1Api);
    const seen: string[] = [];
    const watch = await new Watch(kc).watch('/api/v1/namespaces/boutique/configmaps', {}, (type, obj: { metadata?: { name?: string } }) => seen.push(`${type} ${obj.metadata?.name}`), () => {});
    try {
      await core.createNamespacedConfigMap({ namespace: 'boutique', body: { metadata: { name: 'flags' }, data: { beta: 'off' } } });
      await core.patchNamespacedConfigMap({ namespace: 'boutique', name: 'flags', body: [{ op: 'replace', path: '/data/beta', value: 'on' }] });
      const objects = KubernetesObjectApi.makeApiClient(kc);
      const applied = await objects.patch(
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'flags', namespace: 'boutique' }, data: { beta: 'on', gamma: 'off' } },
        undefined,
        undefined,
        'aegis-test',
        true,
        PatchStrategy.ServerSideApply,
      );
      const cm = applied as { data?: Record<string, string>; metadata?: { managedFields?: Array<{ manager: string; operation: string }> } };
      expect(cm.data).toEqual({ beta: 'on', gamma: 'off' });
      expect(cm.metadata?.managedFields?.map((m) => `${m.manager}:${m.operation}`)).toContain('aegis-test:Apply');
      const list = await apps.listNamespacedDeployment({ namespace: 'boutique', limit: 4 });
      expect(list.items).toHaveLength(4);
      const rest = await apps.listNamespacedDeployment({ namespace: 'boutique', _continue: list.metadata?._continue });
      expect(list.items.length + rest.items.length).toBe(11);
      await core.deleteNamespacedConfigMap({ namespace: 'boutique', name: 'flags' });
      const deadline = Date.now() + 10_000;
      while (seen.length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(seen).toEqual(['ADDED flags', 'MODIFIED flags', 'MODIFIED flags', 'DELETED flags']);
    } finally {
      watch.abort();
    }
  });
});
