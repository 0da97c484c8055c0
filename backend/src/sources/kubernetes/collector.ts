import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  type CoreV1Event,
  type KubeConfig,
  type V1Deployment,
  type V1Pod,
  type V1ReplicaSet,
  type V1Service,
  Watch,
} from '@kubernetes/client-node';
import type { Clock } from '../../platform/clock.js';
import { errorMessage } from '../../platform/errors.js';
import { silentLogger, type Logger } from '../../platform/logger.js';
import type { CollectorError, CollectorResult } from '../types.js';
import { DEFAULT_RETRY, retrying, sleep, TimeoutError, type RetryPolicy } from './retry.js';

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';

export type InventoryItem =
  | { kind: 'Namespace'; name: string; phase: string }
  | {
      kind: 'Deployment';
      namespace: string;
      name: string;
      replicas: number;
      ready: number;
      updated: number;
      available: number;
      revision: number;
      images: string[];
      selector: Record<string, string>;
      generation: number;
      observedGeneration: number;
      createdAt?: string;
    }
  | { kind: 'ReplicaSet'; namespace: string; name: string; owner?: string; revision: number; replicas: number; ready: number; images: string[]; createdAt?: string }
  | {
      kind: 'Pod';
      namespace: string;
      name: string;
      /** The `app` (or `app.kubernetes.io/name`) label: the service the pod belongs to. */
      service?: string;
      owner?: string;
      phase: string;
      ready: boolean;
      restarts: number;
      /** Waiting reason when not running (CrashLoopBackOff, ImagePullBackOff…). */
      reason?: string;
      lastTermination?: { reason?: string; exitCode?: number; finishedAt?: string };
      node?: string;
      createdAt?: string;
    }
  | { kind: 'Service'; namespace: string; name: string; type: string; clusterIP?: string; selector: Record<string, string>; ports: number[] };

export interface RolloutRevision {
  namespace: string;
  deployment: string;
  revision: number;
  replicaSet: string;
  images: string[];
  changeCause?: string;
  replicas: number;
  createdAt?: string;
  current: boolean;
}

export interface ClusterEvent {
  namespace: string;
  name: string;
  uid: string;
  resourceVersion: string;
  type: string;
  reason: string;
  message: string;
  object: { kind: string; name: string; namespace?: string; uid?: string };
  count: number;
  firstSeen?: string;
  lastSeen?: string;
  source?: string;
}

export interface EventWatch {
  stop(): void;
  /** How many times the watch was re-opened (server closed the stream, or an error). */
  readonly reconnects: number;
  readonly resourceVersion: string | undefined;
}

export interface EventWatchOptions {
  namespace?: string;
  onEvent(event: ClusterEvent, change: 'ADDED' | 'MODIFIED' | 'DELETED'): void;
  onError?(err: CollectorError): void;
  /** Also deliver the events that exist when the watch starts (default: only new ones). */
  replayExisting?: boolean;
  /** Resume from a version seen before; when the server has expired it (410 Gone), re-list and deliver what is new. */
  resourceVersion?: string;
  /** Back-off after a failed (re)connect: doubles from `initialMs` to `maxMs`. */
  backoff?: { initialMs: number; maxMs: number };
}

export interface KubernetesCollector {
  readonly name: string;
  inventory(opts?: { namespace?: string }): Promise<CollectorResult<InventoryItem>>;
  rolloutHistory(namespace: string, deployment: string): Promise<CollectorResult<RolloutRevision>>;
  events(opts?: { namespace?: string }): Promise<CollectorResult<ClusterEvent>>;
  watchEvents(opts: EventWatchOptions): EventWatch;
  listPods(namespace: string, labelSelector?: string): Promise<CollectorResult<Extract<InventoryItem, { kind: 'Pod' }>>>;
  podLog(namespace: string, pod: string, opts?: { sinceSeconds?: number; tailLines?: number; container?: string }): Promise<string>;
}

export interface KubernetesCollectorOptions {
  kubeConfig: KubeConfig;
  clock: Clock;
  logger?: Logger;
  retry?: Partial<RetryPolicy>;
  name?: string;
}

/** A Kubernetes API error's HTTP status, whichever way client-node surfaced it. */
export function statusOf(err: unknown): number | undefined {
  if (err instanceof ApiException) return err.code;
  const e = err as { statusCode?: number; code?: number } | undefined;
  return typeof e?.statusCode === 'number' ? e.statusCode : typeof e?.code === 'number' ? e.code : undefined;
}

/** The Status message from an ApiException body (a JSON string in client-node 1.x), else the error text. */
export function kubeMessage(err: unknown): string {
  if (err instanceof ApiException) {
    try {
      const body = typeof err.body === 'string' ? JSON.parse(err.body) : err.body;
      if (body && typeof body.message === 'string') return `${err.code}: ${body.message}`;
    } catch {
      /* not JSON */
    }
    return `${err.code}: ${String(err.body ?? err.message).slice(0, 300)}`;
  }
  return errorMessage(err);
}

const transient = (err: unknown) => {
  if (err instanceof TimeoutError) return true;
  const s = statusOf(err);
  return s === undefined || s === 429 || s >= 500;
};

/** Inventory, rollout history, events and logs from a real (or simulated) cluster through client-node. */
export function createKubernetesCollector(o: KubernetesCollectorOptions): KubernetesCollector {
  const logger = o.logger ?? silentLogger;
  const policy: RetryPolicy = { ...DEFAULT_RETRY, ...o.retry };
  const core = o.kubeConfig.makeApiClient(CoreV1Api);
  const apps = o.kubeConfig.makeApiClient(AppsV1Api);
  const source = o.name ?? 'kubernetes';
  const call = <T>(what: string, fn: () => Promise<T>) => retrying(what, policy, transient, () => fn());
  const fail = (target: string, err: unknown): CollectorError => ({ source, target, message: kubeMessage(err) });

  async function collect<T>(target: string, fn: () => Promise<T[]>, results: T[], errors: CollectorError[]) {
    try {
      results.push(...(await call(target, fn)));
    } catch (err) {
      errors.push(fail(target, err));
    }
  }

  function eventWatch(opts: EventWatchOptions): EventWatch {
    const path = opts.namespace ? `/api/v1/namespaces/${encodeURIComponent(opts.namespace)}/events` : '/api/v1/events';
    const backoff = opts.backoff ?? { initialMs: 500, maxMs: 30_000 };
    const seen = new Map<string, string>();
    let rv: string | undefined = opts.resourceVersion;
    // After the first list, a re-list (410 Gone) delivers what changed while we were not watching.
    let listed = rv !== undefined;
    let stopped = false;
    let reconnects = 0;
    let failures = 0;
    let controller: AbortController | undefined;
    let wake: (() => void) | undefined;

    const deliver = (e: CoreV1Event, change: 'ADDED' | 'MODIFIED' | 'DELETED') => {
      const ev = toEvent(e);
      // A re-list after 410 Gone resends what we have seen: skip it.
      if (seen.get(ev.uid) === ev.resourceVersion) return;
      seen.set(ev.uid, ev.resourceVersion);
      if (seen.size > 20_000) seen.delete(seen.keys().next().value as string);
      try {
        opts.onEvent(ev, change);
      } catch (err) {
        logger.error('event handler failed', { err });
      }
    };

    const list = async () => {
      const res = await call('list events', () => (opts.namespace ? core.listNamespacedEvent({ namespace: opts.namespace }) : core.listEventForAllNamespaces()));
      for (const e of res.items) {
        if (opts.replayExisting || listed) deliver(e, 'ADDED');
        else seen.set(e.metadata?.uid ?? '', e.metadata?.resourceVersion ?? '');
      }
      listed = true;
      rv = res.metadata?.resourceVersion;
    };

    const once = () =>
      new Promise<void>((resolve) => {
        let gone = false;
        new Watch(o.kubeConfig)
          .watch(
            path,
            { allowWatchBookmarks: true, resourceVersion: rv },
            (type: string, obj: unknown) => {
              failures = 0;
              const meta = (obj as { metadata?: { resourceVersion?: string } }).metadata;
              if (type === 'ERROR') {
                const code = (obj as { code?: number }).code;
                if (code === 410) gone = true;
                return;
              }
              if (meta?.resourceVersion) rv = meta.resourceVersion;
              if (type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED') deliver(obj as CoreV1Event, type);
            },
            (err: unknown) => {
              if (gone) rv = undefined;
              if (err && !stopped && (err as { name?: string }).name !== 'AbortError') {
                failures++;
                opts.onError?.(fail('watch events', err));
              }
              resolve();
            },
          )
          .then((c) => {
            controller = c;
            if (stopped) c.abort();
          })
          .catch((err: unknown) => {
            failures++;
            opts.onError?.(fail('watch events', err));
            resolve();
          });
      });

    const loop = async () => {
      while (!stopped) {
        try {
          if (rv === undefined) await list();
          await once();
        } catch (err) {
          failures++;
          opts.onError?.(fail('list events', err));
        }
        if (stopped) break;
        reconnects++;
        if (failures > 0) {
          const delay = Math.min(backoff.maxMs, backoff.initialMs * 2 ** (failures - 1)) * (0.5 + Math.random() / 2);
          await Promise.race([sleep(delay), new Promise<void>((r) => (wake = r))]);
        }
      }
    };
    void loop();
    return {
      stop() {
        stopped = true;
        controller?.abort();
        wake?.();
      },
      get reconnects() {
        return reconnects;
      },
      get resourceVersion() {
        return rv;
      },
    };
  }

  return {
    name: source,
    async inventory(opts = {}) {
      const results: InventoryItem[] = [];
      const errors: CollectorError[] = [];
      const ns = opts.namespace;
      await Promise.all([
        collect('namespaces', async () => (ns ? [{ kind: 'Namespace' as const, name: ns, phase: 'Active' }] : (await core.listNamespace()).items.map((n) => ({ kind: 'Namespace' as const, name: n.metadata?.name ?? '', phase: n.status?.phase ?? 'Active' }))), results, errors),
        collect('deployments', async () => (ns ? await apps.listNamespacedDeployment({ namespace: ns }) : await apps.listDeploymentForAllNamespaces()).items.map(toDeployment), results, errors),
        collect('replicasets', async () => (ns ? await apps.listNamespacedReplicaSet({ namespace: ns }) : await apps.listReplicaSetForAllNamespaces()).items.map(toReplicaSet), results, errors),
        collect('pods', async () => (ns ? await core.listNamespacedPod({ namespace: ns }) : await core.listPodForAllNamespaces()).items.map(toPod), results, errors),
        collect('services', async () => (ns ? await core.listNamespacedService({ namespace: ns }) : await core.listServiceForAllNamespaces()).items.map(toService), results, errors),
      ]);
      return { results, errors };
    },
    async rolloutHistory(namespace, deployment) {
      try {
        const dep = await call('read deployment', () => apps.readNamespacedDeployment({ name: deployment, namespace }));
        const selector = Object.entries(dep.spec?.selector.matchLabels ?? {})
          .map(([k, v]) => `${k}=${v}`)
          .join(',');
        const rss = await call('list replicasets', () => apps.listNamespacedReplicaSet({ namespace, labelSelector: selector }));
        const current = dep.metadata?.annotations?.[REVISION_ANNOTATION];
        const results = rss.items
          .filter((rs) => rs.metadata?.ownerReferences?.some((r) => r.uid === dep.metadata?.uid))
          .map((rs) => {
            const r = toReplicaSet(rs);
            return {
              namespace,
              deployment,
              revision: r.revision,
              replicaSet: r.name,
              images: r.images,
              changeCause: rs.metadata?.annotations?.['kubernetes.io/change-cause'],
              replicas: r.replicas,
              createdAt: r.createdAt,
              current: String(r.revision) === current,
            };
          })
          .sort((a, b) => a.revision - b.revision);
        return { results, errors: [] };
      } catch (err) {
        return { results: [], errors: [fail(`${namespace}/${deployment}`, err)] };
      }
    },
    async events(opts = {}) {
      try {
        const res = await call('list events', () => (opts.namespace ? core.listNamespacedEvent({ namespace: opts.namespace }) : core.listEventForAllNamespaces()));
        return { results: res.items.map(toEvent), errors: [] };
      } catch (err) {
        return { results: [], errors: [fail('events', err)] };
      }
    },
    watchEvents: eventWatch,
    async listPods(namespace, labelSelector) {
      try {
        const res = await call('list pods', () => core.listNamespacedPod({ namespace, labelSelector }));
        return { results: res.items.map(toPod), errors: [] };
      } catch (err) {
        return { results: [], errors: [fail(`${namespace} pods`, err)] };
      }
    },
    podLog: (namespace, pod, opts = {}) =>
      call(`log ${namespace}/${pod}`, () =>
        core.readNamespacedPodLog({ name: pod, namespace, timestamps: true, sinceSeconds: opts.sinceSeconds, tailLines: opts.tailLines, container: opts.container }),
      ),
  };
}

const images = (spec: { containers?: Array<{ image?: string }> } | undefined) => (spec?.containers ?? []).map((c) => c.image ?? '');
const iso = (d: Date | string | undefined) => (d === undefined ? undefined : d instanceof Date ? d.toISOString() : String(d));

function toDeployment(d: V1Deployment): Extract<InventoryItem, { kind: 'Deployment' }> {
  return {
    kind: 'Deployment',
    namespace: d.metadata?.namespace ?? '',
    name: d.metadata?.name ?? '',
    replicas: d.spec?.replicas ?? 1,
    ready: d.status?.readyReplicas ?? 0,
    updated: d.status?.updatedReplicas ?? 0,
    available: d.status?.availableReplicas ?? 0,
    revision: Number(d.metadata?.annotations?.[REVISION_ANNOTATION] ?? 0),
    images: images(d.spec?.template.spec),
    selector: d.spec?.selector.matchLabels ?? {},
    generation: d.metadata?.generation ?? 0,
    observedGeneration: d.status?.observedGeneration ?? 0,
    createdAt: iso(d.metadata?.creationTimestamp),
  };
}

function toReplicaSet(rs: V1ReplicaSet): Extract<InventoryItem, { kind: 'ReplicaSet' }> {
  return {
    kind: 'ReplicaSet',
    namespace: rs.metadata?.namespace ?? '',
    name: rs.metadata?.name ?? '',
    owner: rs.metadata?.ownerReferences?.find((r) => r.controller)?.name,
    revision: Number(rs.metadata?.annotations?.[REVISION_ANNOTATION] ?? 0),
    replicas: rs.spec?.replicas ?? 0,
    ready: rs.status?.readyReplicas ?? 0,
    images: images(rs.spec?.template?.spec),
    createdAt: iso(rs.metadata?.creationTimestamp),
  };
}

function toPod(p: V1Pod): Extract<InventoryItem, { kind: 'Pod' }> {
  const statuses = p.status?.containerStatuses ?? [];
  const waiting = statuses.find((c) => c.state?.waiting)?.state?.waiting?.reason;
  const last = statuses.find((c) => c.lastState?.terminated)?.lastState?.terminated;
  return {
    kind: 'Pod',
    namespace: p.metadata?.namespace ?? '',
    name: p.metadata?.name ?? '',
    service: p.metadata?.labels?.app ?? p.metadata?.labels?.['app.kubernetes.io/name'],
    owner: p.metadata?.ownerReferences?.find((r) => r.controller)?.name,
    phase: p.status?.phase ?? 'Unknown',
    ready: p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
    restarts: statuses.reduce((n, c) => n + (c.restartCount ?? 0), 0),
    ...(waiting ? { reason: waiting } : {}),
    ...(last ? { lastTermination: { reason: last.reason, exitCode: last.exitCode, finishedAt: iso(last.finishedAt) } } : {}),
    node: p.spec?.nodeName,
    createdAt: iso(p.metadata?.creationTimestamp),
  };
}

function toService(s: V1Service): Extract<InventoryItem, { kind: 'Service' }> {
  return {
    kind: 'Service',
    namespace: s.metadata?.namespace ?? '',
    name: s.metadata?.name ?? '',
    type: s.spec?.type ?? 'ClusterIP',
    clusterIP: s.spec?.clusterIP,
    selector: s.spec?.selector ?? {},
    ports: (s.spec?.ports ?? []).map((p) => p.port),
  };
}

function toEvent(e: CoreV1Event): ClusterEvent {
  return {
    namespace: e.metadata?.namespace ?? '',
    name: e.metadata?.name ?? '',
    uid: e.metadata?.uid ?? '',
    resourceVersion: e.metadata?.resourceVersion ?? '',
    type: e.type ?? 'Normal',
    reason: e.reason ?? '',
    message: e.message ?? '',
    object: { kind: e.involvedObject?.kind ?? '', name: e.involvedObject?.name ?? '', namespace: e.involvedObject?.namespace, uid: e.involvedObject?.uid },
    count: e.count ?? 1,
    firstSeen: iso(e.firstTimestamp),
    lastSeen: iso(e.lastTimestamp ?? e.eventTime),
    source: e.source?.component ?? e.reportingComponent,
  };
}
