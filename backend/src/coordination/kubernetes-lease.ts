import { createHash } from 'node:crypto';
import { CoordinationV1Api, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import type { LeaseBackend } from './lease.js';

export interface KubernetesLeaseOptions {
  kubeConfig: KubeConfig;
  /** Where the Lease objects live: the namespace Aegis runs in. */
  namespace: string;
  now?: () => Date;
  /**
   * How long one lease call may take before it counts as failed; default half the ttl. A holder cut off
   * from the API server must notice, and stop its singleton, before the term runs out for the others:
   * its next check starts a third of the ttl after its last renewal, so it fails by 5/6 of the term.
   */
  requestTimeoutMs?: number;
}

/** A lease call that got no answer in time (client-node sets no timeout of its own). */
export class LeaseTimeoutError extends Error {
  override name = 'LeaseTimeoutError';
}

/** A DNS label holds at most 63 characters. */
const MAX_LABEL = 63;

/**
 * Leases as `coordination.k8s.io/v1` Lease objects, the way client-go's leader election keeps them:
 * create when absent, renew while we hold it, take over only once it has expired (renewTime +
 * leaseDurationSeconds < now). Every write carries the resourceVersion that was read, so of two
 * replicas racing for the same Lease the API server lets one win and answers the other 409 Conflict.
 */
export function kubernetesLeaseBackend(o: KubernetesLeaseOptions): LeaseBackend {
  const api = o.kubeConfig.makeApiClient(CoordinationV1Api);
  const now = o.now ?? (() => new Date());
  const namespace = o.namespace;

  async function read(name: string): Promise<V1Lease | undefined> {
    try {
      return await api.readNamespacedLease({ name, namespace });
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw err;
    }
  }

  /** A create or replace that another replica beat us to is a lost race, not an error. */
  async function write(fn: () => Promise<V1Lease>): Promise<boolean> {
    try {
      await fn();
      return true;
    } catch (err) {
      if (statusOf(err) === 409) return false;
      throw err;
    }
  }

  async function acquire(lease: string, holder: string, ttlMs: number): Promise<boolean> {
    const name = leaseObjectName(lease);
    const seconds = Math.max(1, Math.ceil(ttlMs / 1000));
    const at = now();
    const current = await read(name);
    if (!current) {
      const body: V1Lease = {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name, namespace, labels: { 'app.kubernetes.io/managed-by': 'aegis' } },
        spec: {
          holderIdentity: holder,
          leaseDurationSeconds: seconds,
          acquireTime: at,
          renewTime: at,
          leaseTransitions: 0,
        },
      };
      return write(() => api.createNamespacedLease({ namespace, body }));
    }
    const spec = current.spec ?? {};
    const ours = spec.holderIdentity === holder;
    if (!ours && spec.holderIdentity && !expired(current, at)) return false;
    const next: V1Lease = {
      ...current,
      spec: {
        ...spec,
        holderIdentity: holder,
        leaseDurationSeconds: seconds,
        renewTime: at,
        // A takeover starts a new term; a renewal keeps the acquire time and the count.
        acquireTime: ours ? (spec.acquireTime ?? at) : at,
        leaseTransitions: ours ? (spec.leaseTransitions ?? 0) : (spec.leaseTransitions ?? 0) + 1,
      },
    };
    return write(() => api.replaceNamespacedLease({ name, namespace, body: next }));
  }

  async function release(lease: string, holder: string): Promise<void> {
    const name = leaseObjectName(lease);
    const current = await read(name);
    if (!current || current.spec?.holderIdentity !== holder) return;
    const at = now();
    // What client-go writes on ReleaseOnCancel: no holder, a one-second term, so a follower takes it at once.
    const spec = {
      ...current.spec,
      holderIdentity: undefined,
      leaseDurationSeconds: 1,
      renewTime: at,
      acquireTime: at,
    };
    await write(() => api.replaceNamespacedLease({ name, namespace, body: { ...current, spec } }));
  }

  const limit = (ttlMs: number) => o.requestTimeoutMs ?? Math.max(200, Math.floor(ttlMs / 2));
  let lastTtl = 15_000;

  return {
    kind: 'kubernetes',
    tryAcquire(lease, holder, ttlMs) {
      lastTtl = ttlMs;
      return withTimeout(acquire(lease, holder, ttlMs), limit(ttlMs), `lease ${lease}`);
    },
    release(lease, holder) {
      return withTimeout(release(lease, holder), limit(lastTtl), `release of lease ${lease}`);
    },
    async close() {
      // Nothing to close: each call is its own HTTP request; held leases lapse unless released first.
    },
  };
}

/**
 * The namespace Leases go in: the current context's (in a pod, client-node's loadFromCluster reads the
 * service account's namespace file into it), else `default` as kubectl does.
 */
export function kubeConfigNamespace(kc: KubeConfig): string {
  return kc.getContextObject(kc.getCurrentContext())?.namespace || 'default';
}

/** The call's own outcome, or a LeaseTimeoutError once `ms` have passed (the request itself is left to finish). */
function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new LeaseTimeoutError(`${what}: no answer from the Kubernetes API within ${ms} ms`)),
      ms,
    );
    timer.unref();
  });
  p.catch(() => {}); // a late failure after the timeout must not surface as an unhandled rejection
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** True when the holder has not renewed within its term (a Lease without a renewTime has none). */
export function expired(lease: V1Lease, at: Date): boolean {
  const renewed = millis(lease.spec?.renewTime);
  const seconds = lease.spec?.leaseDurationSeconds;
  if (renewed === undefined || seconds === undefined) return true;
  return renewed + seconds * 1000 < at.getTime();
}

/** `aegis-<name>` as a DNS label; a name that had to change (or be cut) gets a hash so two never collide. */
export function leaseObjectName(name: string): string {
  const wanted = `aegis-${name}`;
  const label = wanted
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (label === wanted && label.length <= MAX_LABEL) return label;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${label.slice(0, MAX_LABEL - hash.length - 1).replace(/-+$/, '')}-${hash}`;
}

/** client-node 1.4 types MicroTime as Date but hands the server's string back unparsed; accept both. */
function millis(v: Date | string | undefined): number | undefined {
  if (v === undefined || v === null) return undefined;
  const t = v instanceof Date ? v.getTime() : Date.parse(v);
  return Number.isNaN(t) ? undefined : t;
}

function statusOf(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}
