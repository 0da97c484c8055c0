import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { loadConfig } from '../src/config/index.js';
import { scanFiles } from '../src/iac/index.js';
import { analyseSource, kubeApiCalls, type KubePermission } from './kube-api-calls.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DEPLOY = path.join(ROOT, 'deploy');
const READ_VERBS = new Set(['get', 'list', 'watch']);

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  rules?: Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }>;
  roleRef?: { kind: string; name: string };
  subjects?: Array<{ kind: string; name: string; namespace?: string }>;
  spec?: any;
  resources?: string[];
}

async function load(rel: string): Promise<K8sObject[]> {
  const text = await readFile(path.join(DEPLOY, rel), 'utf8');
  return parseAllDocuments(text)
    .map((d) => d.toJSON() as K8sObject)
    .filter(Boolean);
}

/** A kustomization's objects, following `resources` into directories (what `kubectl apply -k` applies). */
async function kustomize(dir: string): Promise<K8sObject[]> {
  const [k] = await load(path.join(dir, 'kustomization.yaml'));
  const out: K8sObject[] = [];
  for (const r of k?.resources ?? []) {
    if (r.endsWith('.yaml')) out.push(...(await load(path.join(dir, r))));
    else out.push(...(await kustomize(path.join(dir, r))));
  }
  return out;
}

const key = (p: { group: string; resource: string; verb: string }) => `${p.group || 'core'} ${p.resource} ${p.verb}`;
/** Leader election's Leases: granted by their own namespaced Role, apart from reads and remediation. */
const isLease = (p: KubePermission) => p.group === 'coordination.k8s.io' && p.resource === 'leases';

function granted(objects: K8sObject[], role: string, kind: 'ClusterRole' | 'Role' = 'ClusterRole'): string[] {
  const cr = objects.find((o) => o.kind === kind && o.metadata.name === role);
  expect(cr, `${kind} ${role}`).toBeDefined();
  return [
    ...new Set(
      (cr?.rules ?? []).flatMap((r) =>
        r.apiGroups.flatMap((group) =>
          r.resources.flatMap((resource) => r.verbs.map((verb) => key({ group, resource, verb }))),
        ),
      ),
    ),
  ].sort();
}

function needed(perms: KubePermission[], read: boolean): string[] {
  return [...new Set(perms.filter((p) => READ_VERBS.has(p.verb) === read).map(key))].sort();
}

describe('deploy/ RBAC matches the Kubernetes API calls the code makes', async () => {
  const all = await kubeApiCalls(path.join(ROOT, 'backend/src'));
  const calls = { ...all, permissions: all.permissions.filter((p) => !isLease(p)) };
  const leasePermissions = all.permissions.filter(isLease);
  const base = await kustomize('base');
  const withRemediation = await kustomize('remediation');

  it('finds the calls (and none it cannot map)', () => {
    expect(calls.unknown).toEqual([]);
    // The collectors and the action library exist: an empty list would mean the analysis is broken.
    expect(calls.permissions.some((p) => p.verb === 'watch')).toBe(true);
    expect(calls.permissions.some((p) => !READ_VERBS.has(p.verb))).toBe(true);
  });

  it('the read-only role grants exactly what the code reads', () => {
    const missing = needed(calls.permissions, true).filter((k) => !granted(base, 'aegis-read').includes(k));
    const extra = granted(base, 'aegis-read').filter((k) => !needed(calls.permissions, true).includes(k));
    const where = (k: string) => calls.permissions.filter((p) => key(p) === k).map((p) => p.at);
    expect(
      missing.map((k) => `${k} (used at ${where(k).join(', ')})`),
      'missing from deploy/base/rbac-read.yaml',
    ).toEqual([]);
    expect(extra, 'granted by deploy/base/rbac-read.yaml but never used').toEqual([]);
  });

  it('the remediation role grants exactly what the code writes, and only in allowed namespaces', () => {
    expect(granted(withRemediation, 'aegis-remediate')).toEqual(needed(calls.permissions, false));
    const bindings = withRemediation.filter((o) => o.roleRef?.name === 'aegis-remediate');
    expect(bindings.length).toBeGreaterThan(0);
    for (const b of bindings) {
      expect(b.kind, 'write access is granted per namespace, never cluster-wide').toBe('RoleBinding');
      expect(b.metadata.namespace).toBeTruthy();
      expect(b.subjects).toEqual([{ kind: 'ServiceAccount', name: 'aegis-backend', namespace: 'aegis' }]);
    }
  });

  it('the lease Role grants exactly what leader election calls, in the aegis namespace only', () => {
    expect(leasePermissions.length, 'the Kubernetes Lease backend makes lease calls').toBeGreaterThan(0);
    expect(leasePermissions.every((p) => p.scope === 'namespaced')).toBe(true);
    expect(granted(base, 'aegis-leases', 'Role')).toEqual([...new Set(leasePermissions.map(key))].sort());
    const role = base.find((o) => o.kind === 'Role' && o.metadata.name === 'aegis-leases');
    expect(role?.metadata.namespace).toBe('aegis');
    const bindings = base.filter((o) => o.roleRef?.name === 'aegis-leases');
    expect(bindings).toEqual([
      expect.objectContaining({
        kind: 'RoleBinding',
        metadata: expect.objectContaining({ namespace: 'aegis' }),
        roleRef: expect.objectContaining({ kind: 'Role' }),
      }),
    ]);
    expect(bindings[0]?.subjects).toEqual([{ kind: 'ServiceAccount', name: 'aegis-backend', namespace: 'aegis' }]);
  });

  it('runs replicas: several, spread across nodes, a PodDisruptionBudget, the database from the Secret, Kubernetes leases', () => {
    const dep = base.find((o) => o.kind === 'Deployment');
    const pod = dep?.spec.template.spec;
    const labels = dep?.spec.selector.matchLabels;
    expect(dep?.spec.replicas).toBeGreaterThanOrEqual(2);
    expect(pod.topologySpreadConstraints).toContainEqual(
      expect.objectContaining({
        topologyKey: 'kubernetes.io/hostname',
        whenUnsatisfiable: 'DoNotSchedule',
        labelSelector: { matchLabels: labels },
      }),
    );
    const pdb = base.find((o) => o.kind === 'PodDisruptionBudget');
    expect(pdb?.spec).toEqual({ minAvailable: 1, selector: { matchLabels: labels } });
    const env = pod.containers[0].env as Array<{ name: string; value?: string; valueFrom?: unknown }>;
    expect(env.find((e) => e.name === 'AEGIS_DATABASE_URL')?.valueFrom).toEqual({
      secretKeyRef: { name: 'aegis-backend', key: 'AEGIS_DATABASE_URL' },
    });
    const secret = base.find((o) => o.kind === 'Secret' && o.metadata.name === 'aegis-backend') as
      { stringData?: Record<string, string> } | undefined;
    expect(secret?.stringData?.AEGIS_DATABASE_URL).toMatch(/^postgres(ql)?:\/\//);
    expect(env.find((e) => e.name === 'AEGIS_LEASE_BACKEND')?.value).toBe('kubernetes');
  });

  it('is read-only by default, and binds reads cluster-wide only because some reads are cluster-wide', () => {
    expect(base.some((o) => o.metadata.name === 'aegis-remediate')).toBe(false);
    const clusterReads = calls.permissions.filter((p) => READ_VERBS.has(p.verb) && p.scope === 'cluster');
    const binding = base.find((o) => o.roleRef?.name === 'aegis-read');
    expect(binding?.kind).toBe(clusterReads.length ? 'ClusterRoleBinding' : 'RoleBinding');
    for (const o of withRemediation.filter((x) => x.rules))
      for (const r of o.rules ?? []) expect([...r.verbs, ...r.resources, ...r.apiGroups]).not.toContain('*');
  });

  it('runs the backend non-root, read-only, with probes and limits', async () => {
    const dep = base.find((o) => o.kind === 'Deployment');
    const pod = dep?.spec.template.spec;
    const c = pod.containers[0];
    expect(pod.serviceAccountName).toBe('aegis-backend');
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true });
    expect(c.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(c.livenessProbe.httpGet.path).toBe('/healthz');
    expect(c.readinessProbe.httpGet.path).toBe('/readyz');
    expect(c.resources.limits).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
    expect(base.find((o) => o.kind === 'Service')?.spec.ports[0].port).toBe(8000);
    expect(base.some((o) => o.kind === 'Secret' && o.metadata.name === 'aegis-grafana-contact-point')).toBe(true);
    // Aegis's own IaC rules find nothing in its manifests; reviewed exceptions carry a suppression with a reason.
    const files = await Promise.all(
      [
        'base/deployment.yaml',
        'base/service.yaml',
        'base/rbac-read.yaml',
        'base/rbac-leases.yaml',
        'remediation/rbac-remediate.yaml',
      ].map(async (f) => ({
        path: f,
        content: await readFile(path.join(DEPLOY, f), 'utf8'),
      })),
    );
    const { findings } = await scanFiles(files);
    expect(findings.map((f) => `${f.ruleId} ${f.file}:${f.line}`)).toEqual([]);
  });

  it('the impersonation overlay adds only the impersonate verb, bound to the backend, and sets a valid template', async () => {
    const overlay = await kustomize('impersonation');
    expect(granted(overlay, 'aegis-impersonate')).toEqual(['core groups impersonate', 'core users impersonate']);
    expect(granted(overlay, 'aegis-remediate')).toEqual(needed(calls.permissions, false));
    const binding = overlay.find((o) => o.roleRef?.name === 'aegis-impersonate');
    expect(binding?.subjects).toEqual([{ kind: 'ServiceAccount', name: 'aegis-backend', namespace: 'aegis' }]);
    const [patch] = await load('impersonation/backend-impersonation.yaml');
    const env = patch?.spec.template.spec.containers[0].env as Array<{ name: string; value: string }>;
    const value = env.find((e) => e.name === 'AEGIS_IMPERSONATE_USER')?.value;
    expect(loadConfig({ AEGIS_IMPERSONATE_USER: value }).AEGIS_IMPERSONATE_USER).toBe('oidc:{approver}');
    const { findings, suppressed } = await scanFiles([{ path: 'impersonation/rbac-impersonate.yaml', content: await readFile(path.join(DEPLOY, 'impersonation/rbac-impersonate.yaml'), 'utf8') }]);
    expect(findings).toEqual([]);
    expect(suppressed.map((s) => s.finding.ruleId)).toEqual(['k8s-rbac-impersonate']);
  });

  it('maps client-node calls to permissions (the analysis itself)', () => {
    const src = `import { AppsV1Api, CoreV1Api, Watch } from '@kubernetes/client-node';
      const apps = kc.makeApiClient(AppsV1Api);
      const core = kc.makeApiClient(CoreV1Api);
      await apps.patchNamespacedDeploymentScale({ name, namespace, body });
      await core.readNamespacedPodLog({ name, namespace });
      await core.listPodForAllNamespaces();
      const path = ns ? \`/api/v1/namespaces/\${ns}/events\` : '/apis/apps/v1/deployments';
      new Watch(kc).watch(path, {}, cb, done);
      await core.connectGetNamespacedPodExec({ name, namespace });`;
    const r = analyseSource('x.ts', src);
    expect(r.permissions.map((p) => `${key(p)} ${p.scope}`)).toEqual([
      'apps deployments/scale patch namespaced',
      'core pods/log get namespaced',
      'core pods list cluster',
      'core events watch namespaced',
      'apps deployments watch cluster',
    ]);
    expect(r.unknown).toEqual(['x.ts:9: CoreV1Api.connectGetNamespacedPodExec']);
  });
});
