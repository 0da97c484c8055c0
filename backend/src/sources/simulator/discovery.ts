import type { ResourceName } from './objects.js';

/** The API groups that hold stored resources: core (''), apps, coordination.k8s.io (Leases), discovery.k8s.io (EndpointSlices). */
export type ApiGroup = '' | 'apps' | 'coordination.k8s.io' | 'discovery.k8s.io';

export interface ResourceInfo {
  name: ResourceName;
  group: ApiGroup;
  kind: string;
  singular: string;
  namespaced: boolean;
  verbs: string[];
  shortNames?: string[];
  subresources?: Array<{ name: string; verbs: string[]; kind: string; group?: string; version?: string }>;
}

/** Every stored resource takes every verb, as on a real API server; RBAC decides who may use which. */
const ALL = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export const RESOURCES: ResourceInfo[] = [
  { name: 'namespaces', group: '', kind: 'Namespace', singular: 'namespace', namespaced: false, verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], shortNames: ['ns'], subresources: [{ name: 'status', verbs: ['get', 'patch', 'update'], kind: 'Namespace' }] },
  { name: 'nodes', group: '', kind: 'Node', singular: 'node', namespaced: false, verbs: ALL, shortNames: ['no'], subresources: [{ name: 'status', verbs: ['get', 'patch', 'update'], kind: 'Node' }] },
  {
    name: 'pods',
    group: '',
    kind: 'Pod',
    singular: 'pod',
    namespaced: true,
    verbs: ALL,
    shortNames: ['po'],
    subresources: [
      { name: 'log', verbs: ['get'], kind: 'Pod' },
      { name: 'status', verbs: ['get', 'patch', 'update'], kind: 'Pod' },
    ],
  },
  { name: 'services', group: '', kind: 'Service', singular: 'service', namespaced: true, verbs: ALL, shortNames: ['svc'], subresources: [{ name: 'status', verbs: ['get', 'patch', 'update'], kind: 'Service' }] },
  { name: 'endpoints', group: '', kind: 'Endpoints', singular: 'endpoints', namespaced: true, verbs: ALL, shortNames: ['ep'] },
  { name: 'events', group: '', kind: 'Event', singular: 'event', namespaced: true, verbs: ALL, shortNames: ['ev'] },
  {
    name: 'deployments',
    group: 'apps',
    kind: 'Deployment',
    singular: 'deployment',
    namespaced: true,
    verbs: ALL,
    shortNames: ['deploy'],
    subresources: [
      { name: 'scale', verbs: ['get', 'patch', 'update'], kind: 'Scale', group: 'autoscaling', version: 'v1' },
      { name: 'status', verbs: ['get', 'patch', 'update'], kind: 'Deployment' },
    ],
  },
  { name: 'replicasets', group: 'apps', kind: 'ReplicaSet', singular: 'replicaset', namespaced: true, verbs: ALL, shortNames: ['rs'], subresources: [{ name: 'status', verbs: ['get', 'patch', 'update'], kind: 'ReplicaSet' }] },
  // Leases are writable by clients (leader election), with no short name, as on a real API server.
  { name: 'leases', group: 'coordination.k8s.io', kind: 'Lease', singular: 'lease', namespaced: true, verbs: ALL },
  { name: 'configmaps', group: '', kind: 'ConfigMap', singular: 'configmap', namespaced: true, verbs: ALL, shortNames: ['cm'] },
  { name: 'secrets', group: '', kind: 'Secret', singular: 'secret', namespaced: true, verbs: ALL },
  { name: 'serviceaccounts', group: '', kind: 'ServiceAccount', singular: 'serviceaccount', namespaced: true, verbs: ALL, shortNames: ['sa'] },
  { name: 'endpointslices', group: 'discovery.k8s.io', kind: 'EndpointSlice', singular: 'endpointslice', namespaced: true, verbs: ALL },
];

/** Reviews: create-only and never stored (`kubectl auth can-i`). */
export const REVIEWS = [
  { name: 'selfsubjectaccessreviews', kind: 'SelfSubjectAccessReview', singular: 'selfsubjectaccessreview' },
  { name: 'selfsubjectrulesreviews', kind: 'SelfSubjectRulesReview', singular: 'selfsubjectrulesreview' },
] as const;
export const REVIEW_GROUP = 'authorization.k8s.io';

/** Groups under /apis, in the order a real API server lists them (apps first). autoscaling only names the scale subresource's kind, so it is not listed: an empty group makes `kubectl api-resources` fail. */
export const API_GROUPS: Array<Exclude<ApiGroup, ''> | typeof REVIEW_GROUP> = ['apps', 'authorization.k8s.io', 'coordination.k8s.io', 'discovery.k8s.io'];

export function resourceInfo(group: string, name: string): ResourceInfo | undefined {
  return RESOURCES.find((r) => r.group === group && r.name === name);
}

export function apiResourceList(group: ApiGroup | typeof REVIEW_GROUP): Record<string, unknown> {
  if (group === REVIEW_GROUP) {
    return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: `${REVIEW_GROUP}/v1`, resources: REVIEWS.map((r) => ({ name: r.name, singularName: r.singular, namespaced: false, kind: r.kind, verbs: ['create'] })) };
  }
  const resources = RESOURCES.filter((r) => r.group === group).flatMap((r) => [
    {
      name: r.name,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: r.verbs,
      ...(r.shortNames ? { shortNames: r.shortNames } : {}),
      ...(CATEGORY_ALL.has(r.name) ? { categories: ['all'] } : {}),
    },
    ...(r.subresources ?? []).map((s) => ({
      name: `${r.name}/${s.name}`,
      singularName: '',
      namespaced: r.namespaced,
      kind: s.kind,
      verbs: s.verbs,
      ...(s.group ? { group: s.group, version: s.version } : {}),
    })),
  ]);
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/v1` : 'v1', resources };
}

const groupEntry = (name: string) => ({
  name,
  versions: [{ groupVersion: `${name}/v1`, version: 'v1' }],
  preferredVersion: { groupVersion: `${name}/v1`, version: 'v1' },
});

export function apiGroupList(): Record<string, unknown> {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: API_GROUPS.map(groupEntry) };
}

/** `GET /apis/<group>`: one APIGroup, or undefined when the group is not served. */
export function apiGroup(name: string): Record<string, unknown> | undefined {
  return (API_GROUPS as string[]).includes(name) ? { kind: 'APIGroup', apiVersion: 'v1', ...groupEntry(name) } : undefined;
}

/** The group a `/apis/<group>/v1/...` path names, when it serves resources. */
export function resourceGroup(name: string): ApiGroup | undefined {
  return RESOURCES.some((r) => r.group === name) && name !== '' ? (name as ApiGroup) : undefined;
}

const CATEGORY_ALL = new Set(['pods', 'services', 'deployments', 'replicasets']);

/**
 * Aggregated discovery (apidiscovery.k8s.io/v2): what kubectl >= 1.30 asks for first on /api and /apis,
 * so one request describes every group and no group can answer "empty response".
 */
export function aggregatedDiscovery(core: boolean): Record<string, unknown> {
  const version = (group: string) => {
    const stored = RESOURCES.filter((r) => r.group === group).map((r) => ({
      resource: r.name,
      responseKind: { group: r.group, version: 'v1', kind: r.kind },
      scope: r.namespaced ? 'Namespaced' : 'Cluster',
      singularResource: r.singular,
      verbs: r.verbs,
      ...(r.shortNames ? { shortNames: r.shortNames } : {}),
      ...(CATEGORY_ALL.has(r.name) ? { categories: ['all'] } : {}),
      ...(r.subresources
        ? { subresources: r.subresources.map((s) => ({ subresource: s.name, responseKind: { group: s.group ?? r.group, version: s.version ?? 'v1', kind: s.kind }, verbs: s.verbs })) }
        : {}),
    }));
    const reviews =
      group === REVIEW_GROUP ? REVIEWS.map((r) => ({ resource: r.name, responseKind: { group, version: 'v1', kind: r.kind }, scope: 'Cluster', singularResource: r.singular, verbs: ['create'] })) : [];
    return { version: 'v1', resources: [...stored, ...reviews], freshness: 'Current' };
  };
  const items = core ? [{ metadata: { creationTimestamp: null }, versions: [version('')] }] : API_GROUPS.map((g) => ({ metadata: { name: g, creationTimestamp: null }, versions: [version(g)] }));
  return { kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2', metadata: {}, items };
}

export const VERSION_INFO = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.4-aegis-sim',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-01-01T00:00:00Z',
  goVersion: 'go1.23.8',
  compiler: 'gc',
  platform: 'linux/amd64',
};
