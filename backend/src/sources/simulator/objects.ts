import { hashInts } from './random.js';

/** The Kubernetes object shapes the simulator stores (plain JSON, as the API serves them). */
export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid: string;
  resourceVersion: string;
  creationTimestamp: string;
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: Array<{
    apiVersion: string;
    kind: string;
    name: string;
    uid: string;
    controller?: boolean;
    blockOwnerDeletion?: boolean;
  }>;
  deletionTimestamp?: string;
  [key: string]: unknown;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

export type ResourceName =
  | 'namespaces'
  | 'nodes'
  | 'pods'
  | 'services'
  | 'endpoints'
  | 'events'
  | 'deployments'
  | 'replicasets'
  | 'leases'
  | 'configmaps'
  | 'secrets'
  | 'serviceaccounts'
  | 'endpointslices';

export const RESOURCE_NAMES: ResourceName[] = [
  'namespaces',
  'nodes',
  'pods',
  'services',
  'endpoints',
  'events',
  'deployments',
  'replicasets',
  'leases',
  'configmaps',
  'secrets',
  'serviceaccounts',
  'endpointslices',
];

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface Change {
  rv: number;
  resource: ResourceName;
  type: WatchEventType;
  object: KubeObject;
}

export interface StoreSnapshot {
  rv: number;
  uidCounter: number;
  objects: Record<string, KubeObject[]>;
}

/** Thrown by `update` when the caller's resourceVersion is stale. */
export class StaleResourceVersionError extends Error {}

/**
 * The cluster's object store: one global resourceVersion, a bounded change log so watches can resume
 * from a version, and listeners for live watches. Stored objects are never mutated in place.
 */
export interface ObjectStore {
  readonly resourceVersion: number;
  /** The oldest version a watch may still resume from. */
  readonly oldestResumableVersion: number;
  get(resource: ResourceName, namespace: string | undefined, name: string): KubeObject | undefined;
  list(resource: ResourceName, namespace?: string): KubeObject[];
  create(resource: ResourceName, object: Omit<KubeObject, 'metadata'> & { metadata: Partial<ObjectMeta> & { name: string } }): KubeObject;
  /** Replaces an object; `expectedVersion` (when given) must match the stored one. */
  update(resource: ResourceName, object: KubeObject, expectedVersion?: string): KubeObject;
  delete(resource: ResourceName, namespace: string | undefined, name: string): KubeObject | undefined;
  changesSince(resource: ResourceName, rv: number): Change[];
  subscribe(listener: (change: Change) => void): () => void;
  snapshot(): StoreSnapshot;
  uid(): string;
}

const key = (namespace: string | undefined, name: string) => `${namespace ?? ''}/${name}`;

export function createObjectStore(opts: {
  seed: number;
  now: () => Date;
  changeLogSize?: number;
  from?: StoreSnapshot;
}): ObjectStore {
  const maps = new Map<ResourceName, Map<string, KubeObject>>(RESOURCE_NAMES.map((r) => [r, new Map()]));
  let rv = opts.from?.rv ?? 100;
  let uidCounter = opts.from?.uidCounter ?? 0;
  const log: Change[] = [];
  const logSize = opts.changeLogSize ?? 20_000;
  let oldest = rv;
  const listeners = new Set<(change: Change) => void>();
  if (opts.from) {
    for (const [resource, objects] of Object.entries(opts.from.objects)) {
      const map = maps.get(resource as ResourceName);
      for (const o of objects) map?.set(key(o.metadata.namespace, o.metadata.name), o);
    }
  }

  const mapOf = (resource: ResourceName) => maps.get(resource) as Map<string, KubeObject>;
  const record = (resource: ResourceName, type: WatchEventType, object: KubeObject) => {
    const change = { rv, resource, type, object };
    log.push(change);
    if (log.length > logSize) oldest = (log.splice(0, log.length - logSize)[0] as Change).rv;
    for (const l of listeners) l(change);
  };
  const newUid = () => {
    uidCounter++;
    const h = [hashInts(opts.seed, uidCounter, 1), hashInts(opts.seed, uidCounter, 2), hashInts(opts.seed, uidCounter, 3), hashInts(opts.seed, uidCounter, 4)]
      .map((n) => n.toString(16).padStart(8, '0'))
      .join('');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
  };

  return {
    get resourceVersion() {
      return rv;
    },
    get oldestResumableVersion() {
      return oldest;
    },
    get: (resource, namespace, name) => mapOf(resource).get(key(namespace, name)),
    list(resource, namespace) {
      const all = [...mapOf(resource).values()];
      return namespace === undefined ? all : all.filter((o) => o.metadata.namespace === namespace);
    },
    create(resource, input) {
      const map = mapOf(resource);
      const k = key(input.metadata.namespace, input.metadata.name);
      if (map.has(k)) throw new StaleResourceVersionError(`${resource} "${input.metadata.name}" already exists`);
      rv++;
      const object = {
        ...input,
        metadata: {
          ...input.metadata,
          uid: input.metadata.uid ?? newUid(),
          resourceVersion: String(rv),
          creationTimestamp: input.metadata.creationTimestamp ?? isoSeconds(opts.now()),
        },
      } as KubeObject;
      map.set(k, object);
      record(resource, 'ADDED', object);
      return object;
    },
    update(resource, object, expectedVersion) {
      const map = mapOf(resource);
      const k = key(object.metadata.namespace, object.metadata.name);
      const current = map.get(k);
      if (!current) throw new StaleResourceVersionError(`${resource} "${object.metadata.name}" does not exist`);
      if (expectedVersion !== undefined && expectedVersion !== current.metadata.resourceVersion) {
        throw new StaleResourceVersionError(
          `the object has been modified; please apply your changes to the latest version and try again`,
        );
      }
      rv++;
      const next = {
        ...object,
        metadata: {
          ...object.metadata,
          uid: current.metadata.uid,
          creationTimestamp: current.metadata.creationTimestamp,
          resourceVersion: String(rv),
        },
      };
      map.set(k, next);
      record(resource, 'MODIFIED', next);
      return next;
    },
    delete(resource, namespace, name) {
      const map = mapOf(resource);
      const current = map.get(key(namespace, name));
      if (!current) return undefined;
      map.delete(key(namespace, name));
      rv++;
      const gone = { ...current, metadata: { ...current.metadata, resourceVersion: String(rv) } };
      record(resource, 'DELETED', gone);
      return gone;
    },
    changesSince(resource, since) {
      // The log is ordered by rv: binary search for the first change after `since`.
      let lo = 0;
      let hi = log.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if ((log[mid] as Change).rv <= since) lo = mid + 1;
        else hi = mid;
      }
      return log.slice(lo).filter((c) => c.resource === resource);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    snapshot: () => ({
      rv,
      uidCounter,
      objects: Object.fromEntries([...maps].map(([r, m]) => [r, [...m.values()]])),
    }),
    uid: newUid,
  };
}

/** Kubernetes timestamps have whole seconds: 2026-01-01T00:00:00Z. */
export function isoSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
