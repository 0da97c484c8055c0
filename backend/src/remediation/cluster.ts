import {
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type V1Deployment,
  type V1Pod,
  type V1ReplicaSet,
} from '@kubernetes/client-node';
import { ConflictError, errorMessage as errorMessageOf, InputError, NotFoundError } from '../platform/errors.js';
import { type ActingIdentity, ClusterForbiddenError, type ClusterPort, type DeploymentState, MARKER_ANNOTATION, RESTARTED_AT, REVISION, type RevisionRecord, templateChange, type WriteOptions } from './types.js';

/** Annotations kept from the Deployment on rollback, never copied from the ReplicaSet (kubectl's rollback.go). */
const ROLLBACK_SKIP = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  REVISION,
  `${REVISION}-history`,
  'deployment.kubernetes.io/desired-replicas',
  'deployment.kubernetes.io/max-replicas',
  'deprecated.deployment.rollback.to',
]);
const FIELD_MANAGER = 'aegis';

/** Builds a KubeConfig from kubeconfig text, optionally switching to a named context. */
export function kubeConfigFrom(text: string, context?: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(text);
  if (context) kc.setCurrentContext(context);
  return kc;
}

/** The real adapter: @kubernetes/client-node 1.4.0, patch content types set explicitly on every call. */
export function createKubeCluster(kc: KubeConfig): ClusterPort {
  const apps = kc.makeApiClient(AppsV1Api);
  const core = kc.makeApiClient(CoreV1Api);
  const dry = (d: boolean) => (d ? 'All' : undefined);
  // Every write sets its patch content type explicitly, and the approver's identity when Aegis acts with their rights.
  const headers = (contentType: PatchStrategy | undefined, as: ActingIdentity | undefined) => {
    let opts = contentType ? setHeaderOptions('Content-Type', contentType) : undefined;
    if (as) opts = setHeaderOptions('Impersonate-User', as.user, opts);
    if (as?.group) opts = setHeaderOptions('Impersonate-Group', as.group, opts);
    return opts;
  };

  const call = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw translate(err, what);
    }
  };

  const pods = async (namespace: string, selector: Record<string, string>): Promise<V1Pod[]> => {
    const labelSelector = Object.entries(selector).map(([k, v]) => `${k}=${v}`).join(',');
    return (await call(`list pods ${labelSelector}`, () => core.listNamespacedPod({ namespace, labelSelector }))).items;
  };

  const toState = async (dep: V1Deployment): Promise<DeploymentState> => {
    const namespace = dep.metadata?.namespace ?? 'default';
    const selector = dep.spec?.selector.matchLabels ?? {};
    return deploymentState(dep, await pods(namespace, selector));
  };

  const read = (namespace: string, name: string) =>
    call(`read deployment ${namespace}/${name}`, () => apps.readNamespacedDeployment({ name, namespace }));

  return {
    async readDeployment(namespace, name) {
      return toState(await read(namespace, name));
    },
    async listDeployments(namespace) {
      const list = await call(`list deployments ${namespace}`, () => apps.listNamespacedDeployment({ namespace }));
      return Promise.all(list.items.map(toState));
    },
    async revisions(namespace, name) {
      return (await replicaSetsOf(await read(namespace, name))).map(revisionRecord);
    },
    async recentChange(namespace, name, sinceMs) {
      return templateChange((await replicaSetsOf(await read(namespace, name))).map(revisionRecord), sinceMs);
    },
    async readObject(_kind, namespace, name) {
      return JSON.parse(JSON.stringify(await read(namespace, name))) as Record<string, unknown>;
    },
    restart(namespace, name, at, o) {
      // What `kubectl rollout restart` sends, plus our marker on the Deployment itself.
      const body = {
        metadata: { annotations: { [MARKER_ANNOTATION]: o.marker } },
        spec: { template: { metadata: { annotations: { [RESTARTED_AT]: at.toISOString() } } } },
      };
      return call(`restart ${namespace}/${name}`, () =>
        apps.patchNamespacedDeployment(
          { name, namespace, body, dryRun: dry(o.dryRun), fieldManager: FIELD_MANAGER },
          headers(PatchStrategy.StrategicMergePatch, o.as),
        ),
      );
    },
    scale(namespace, name, replicas, o) {
      const body = { metadata: { annotations: { [MARKER_ANNOTATION]: o.marker } }, spec: { replicas } };
      return call(`scale ${namespace}/${name}`, () =>
        apps.patchNamespacedDeployment(
          { name, namespace, body, dryRun: dry(o.dryRun), fieldManager: FIELD_MANAGER },
          headers(PatchStrategy.MergePatch, o.as),
        ),
      );
    },
    async rollback(namespace, name, toRevision, o) {
      // A status write between our read and the patch fails its resourceVersion test: read again and retry.
      for (let attempt = 1; ; attempt++) {
        try {
          return await rollbackOnce(namespace, name, toRevision, o);
        } catch (err) {
          if (!/resourceVersion/.test(errorMessageOf(err)) || attempt >= 4) throw err;
        }
      }
    },
    deletePod(namespace, pod, o) {
      return call(`delete pod ${namespace}/${pod}`, () => core.deleteNamespacedPod({ name: pod, namespace, dryRun: dry(o.dryRun) }, headers(undefined, o.as)));
    },
  };

  async function rollbackOnce(namespace: string, name: string, toRevision: number | undefined, o: WriteOptions): Promise<{ toRevision: number }> {
    const dep = await read(namespace, name);
    if (dep.spec?.paused) throw new ConflictError(`cannot roll back ${namespace}/${name}: the deployment is paused`);
    const rss = await replicaSetsOf(dep);
    const target = toRevision === undefined ? rss[1] : rss.find((rs) => revisionOf(rs) === toRevision);
    if (!target?.spec?.template) throw new NotFoundError(`no rollout history found for ${namespace}/${name}`);
    const template = structuredClone(target.spec.template);
    delete template.metadata?.labels?.['pod-template-hash'];
    const annotations: Record<string, string> = {
      ...Object.fromEntries(Object.entries(dep.metadata?.annotations ?? {}).filter(([k]) => ROLLBACK_SKIP.has(k))),
      ...Object.fromEntries(Object.entries(target.metadata?.annotations ?? {}).filter(([k]) => !ROLLBACK_SKIP.has(k))),
      [MARKER_ANNOTATION]: o.marker,
    };
    const body = [
      { op: 'test', path: '/metadata/resourceVersion', value: dep.metadata?.resourceVersion },
      { op: 'replace', path: '/spec/template', value: template },
      { op: 'replace', path: '/metadata/annotations', value: annotations },
    ];
    await call(`rollback ${namespace}/${name}`, () =>
      apps.patchNamespacedDeployment(
        { name, namespace, body, dryRun: dry(o.dryRun), fieldManager: FIELD_MANAGER },
        headers(PatchStrategy.JsonPatch, o.as),
      ),
    );
    return { toRevision: revisionOf(target) };
  }

  async function replicaSetsOf(dep: V1Deployment): Promise<V1ReplicaSet[]> {
    const namespace = dep.metadata?.namespace ?? 'default';
    const labelSelector = Object.entries(dep.spec?.selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
    const list = await call('list replicasets', () => apps.listNamespacedReplicaSet({ namespace, labelSelector }));
    return list.items
      .filter((rs) => !Number.isNaN(revisionOf(rs)) && rs.metadata?.ownerReferences?.some((r) => r.controller && r.uid === dep.metadata?.uid))
      .sort((a, b) => revisionOf(b) - revisionOf(a));
  }
}

const revisionRecord = (rs: V1ReplicaSet): RevisionRecord => ({
  revision: revisionOf(rs),
  createdAt: rs.metadata?.creationTimestamp ? new Date(rs.metadata.creationTimestamp).getTime() : 0,
  containers: rs.spec?.template?.spec?.containers ?? [],
  cause: rs.metadata?.annotations?.['kubernetes.io/change-cause'] ?? null,
  templateHash: rs.metadata?.labels?.['pod-template-hash'],
});

const revisionOf = (rs: V1ReplicaSet) => Number(rs.metadata?.annotations?.[REVISION] ?? NaN);

export function deploymentState(dep: V1Deployment, pods: V1Pod[]): DeploymentState {
  const containers = dep.spec?.template.spec?.containers ?? [];
  return {
    namespace: dep.metadata?.namespace ?? 'default',
    name: dep.metadata?.name ?? '',
    uid: dep.metadata?.uid ?? '',
    resourceVersion: dep.metadata?.resourceVersion ?? '',
    generation: dep.metadata?.generation ?? 0,
    observedGeneration: dep.status?.observedGeneration ?? 0,
    replicas: dep.spec?.replicas ?? 1,
    readyReplicas: dep.status?.readyReplicas ?? 0,
    updatedReplicas: dep.status?.updatedReplicas ?? 0,
    availableReplicas: dep.status?.availableReplicas ?? 0,
    revision: Number(dep.metadata?.annotations?.[REVISION] ?? 0),
    images: containers.map((c) => c.image ?? ''),
    annotations: { ...dep.metadata?.annotations },
    templateAnnotations: { ...dep.spec?.template.metadata?.annotations },
    selector: { ...dep.spec?.selector.matchLabels },
    pods: pods
      .filter((p) => !p.metadata?.deletionTimestamp)
      .map((p) => ({
        name: p.metadata?.name ?? '',
        uid: p.metadata?.uid ?? '',
        phase: p.status?.phase ?? 'Unknown',
        ready: p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
        restarts: (p.status?.containerStatuses ?? []).reduce((n, c) => n + (c.restartCount ?? 0), 0),
        templateHash: p.metadata?.labels?.['pod-template-hash'],
      })),
  };
}

/** client-node throws ApiException with `code` and a JSON string body; turn it into our typed errors. */
function translate(err: unknown, what: string): Error {
  const e = err as { code?: number; body?: unknown; message?: string };
  let message = e.message ?? String(err);
  if (typeof e.body === 'string') {
    try {
      message = (JSON.parse(e.body) as { message?: string }).message ?? message;
    } catch {
      /* not JSON: keep the exception's message */
    }
  }
  const text = `${what}: ${message}`;
  if (e.code === 404) return new NotFoundError(text);
  if (e.code === 409) return new ConflictError(text);
  if (e.code === 400 || e.code === 422) return new InputError(text);
  if (e.code === 403) return new ClusterForbiddenError(text);
  return new Error(text);
}

