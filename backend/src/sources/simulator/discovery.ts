import type { ResourceName } from './objects.js';

/** The API groups served: core (''), apps, and coordination.k8s.io (leader-election Leases). */
export type ApiGroup = '' | 'apps' | 'coordination.k8s.io';

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

const READ = ['get', 'list', 'watch'];

export const RESOURCES: ResourceInfo[] = [
  { name: 'namespaces', group: '', kind: 'Namespace', singular: 'namespace', namespaced: false, verbs: READ, shortNames: ['ns'] },
  { name: 'nodes', group: '', kind: 'Node', singular: 'node', namespaced: false, verbs: READ, shortNames: ['no'] },
  {
    name: 'pods',
    group: '',
    kind: 'Pod',
    singular: 'pod',
    namespaced: true,
    verbs: [...READ, 'patch', 'delete'],
    shortNames: ['po'],
    subresources: [
      { name: 'log', verbs: ['get'], kind: 'Pod' },
      { name: 'status', verbs: ['get'], kind: 'Pod' },
    ],
  },
  { name: 'services', group: '', kind: 'Service', singular: 'service', namespaced: true, verbs: [...READ, 'patch'], shortNames: ['svc'] },
  { name: 'endpoints', group: '', kind: 'Endpoints', singular: 'endpoints', namespaced: true, verbs: READ, shortNames: ['ep'] },
  { name: 'events', group: '', kind: 'Event', singular: 'event', namespaced: true, verbs: READ, shortNames: ['ev'] },
  {
    name: 'deployments',
    group: 'apps',
    kind: 'Deployment',
    singular: 'deployment',
    namespaced: true,
    verbs: [...READ, 'patch', 'update'],
    shortNames: ['deploy'],
    subresources: [
      { name: 'scale', verbs: ['get', 'patch', 'update'], kind: 'Scale', group: 'autoscaling', version: 'v1' },
      { name: 'status', verbs: ['get'], kind: 'Deployment' },
    ],
  },
  { name: 'replicasets', group: 'apps', kind: 'ReplicaSet', singular: 'replicaset', namespaced: true, verbs: READ, shortNames: ['rs'] },
  // Leases are writable by clients (leader election), with no short name, as on a real API server.
  { name: 'leases', group: 'coordination.k8s.io', kind: 'Lease', singular: 'lease', namespaced: true, verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'] },
];

/** Groups under /apis, in the order a real API server lists them (apps first). */
export const API_GROUPS: Array<Exclude<ApiGroup, ''> | 'autoscaling'> = ['apps', 'autoscaling', 'coordination.k8s.io'];

export function resourceInfo(group: string, name: string): ResourceInfo | undefined {
  return RESOURCES.find((r) => r.group === group && r.name === name);
}

export function apiResourceList(group: ApiGroup): Record<string, unknown> {
  const resources = RESOURCES.filter((r) => r.group === group).flatMap((r) => [
    {
      name: r.name,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: r.verbs,
      ...(r.shortNames ? { shortNames: r.shortNames } : {}),
      ...(['pods', 'services', 'deployments', 'replicasets'].includes(r.name) ? { categories: ['all'] } : {}),
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
