import type { KubeObject, ResourceName } from './objects.js';

interface Column {
  name: string;
  type: 'string' | 'integer' | 'date';
  format?: string;
  priority?: number;
  description: string;
}

type Row = Array<string | number>;

/** Kubernetes' duration.HumanDuration, so ages read exactly as kubectl prints them from a real cluster. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(seconds / 3600);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 192) return hours % 24 === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  const years = Math.floor(hours / 24 / 365);
  return years < 8 ? `${years}y${Math.floor(hours / 24) % 365}d` : `${years}y`;
}

const col = (name: string, type: Column['type'] = 'string', priority = 0, format?: string): Column => ({
  name,
  type,
  priority,
  description: name,
  ...(format ? { format } : {}),
});

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const age = (o: KubeObject, now: number) => humanDuration(now - Date.parse(o.metadata.creationTimestamp));

function podStatusText(pod: Any): string {
  const cs = pod.status?.containerStatuses?.[0];
  if (pod.metadata?.deletionTimestamp) return 'Terminating';
  if (cs?.state?.waiting?.reason) return cs.state.waiting.reason;
  if (cs?.state?.terminated?.reason) return cs.state.terminated.reason;
  return pod.status?.phase ?? 'Unknown';
}

function restartsText(pod: Any, now: number): string {
  const cs = pod.status?.containerStatuses?.[0];
  const n = cs?.restartCount ?? 0;
  const finished = cs?.lastState?.terminated?.finishedAt;
  return n > 0 && finished ? `${n} (${humanDuration(now - Date.parse(finished))} ago)` : String(n);
}

function containersOf(o: Any): { names: string; images: string } {
  const cs: Any[] = o.spec?.template?.spec?.containers ?? [];
  return { names: cs.map((c) => c.name).join(','), images: cs.map((c) => c.image).join(',') };
}

function selectorText(sel: Record<string, string> | undefined): string {
  return Object.entries(sel ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

const TABLES: Record<ResourceName, { columns: Column[]; row: (o: Any, now: number) => Row }> = {
  namespaces: { columns: [col('Name', 'string', 0, 'name'), col('Status'), col('Age')], row: (o, now) => [o.metadata.name, o.status?.phase ?? 'Active', age(o as KubeObject, now)] },
  nodes: {
    columns: [col('Name', 'string', 0, 'name'), col('Status'), col('Roles'), col('Age'), col('Version'), col('Internal-IP', 'string', 1)],
    row: (o, now) => [o.metadata.name, 'Ready', '<none>', age(o as KubeObject, now), o.status?.nodeInfo?.kubeletVersion ?? '', o.status?.addresses?.[0]?.address ?? ''],
  },
  pods: {
    columns: [col('Name', 'string', 0, 'name'), col('Ready'), col('Status'), col('Restarts'), col('Age'), col('IP', 'string', 1), col('Node', 'string', 1)],
    row: (o, now) => {
      const cs: Any[] = o.status?.containerStatuses ?? [];
      return [o.metadata.name, `${cs.filter((c) => c.ready).length}/${o.spec?.containers?.length ?? cs.length}`, podStatusText(o), restartsText(o, now), age(o as KubeObject, now), o.status?.podIP ?? '<none>', o.spec?.nodeName ?? '<none>'];
    },
  },
  services: {
    columns: [col('Name', 'string', 0, 'name'), col('Type'), col('Cluster-IP'), col('External-IP'), col('Port(s)'), col('Age'), col('Selector', 'string', 1)],
    row: (o, now) => [
      o.metadata.name,
      o.spec?.type ?? 'ClusterIP',
      o.spec?.clusterIP ?? '<none>',
      o.status?.loadBalancer?.ingress?.map((i: Any) => i.ip).join(',') || (o.spec?.type === 'LoadBalancer' ? '<pending>' : '<none>'),
      (o.spec?.ports ?? []).map((p: Any) => `${p.port}/${p.protocol ?? 'TCP'}`).join(','),
      age(o as KubeObject, now),
      selectorText(o.spec?.selector),
    ],
  },
  endpoints: {
    columns: [col('Name', 'string', 0, 'name'), col('Endpoints'), col('Age')],
    row: (o, now) => {
      const eps = (o.subsets ?? []).flatMap((s: Any) => (s.addresses ?? []).map((a: Any) => `${a.ip}:${s.ports?.[0]?.port ?? ''}`));
      return [o.metadata.name, eps.length ? eps.slice(0, 3).join(',') + (eps.length > 3 ? ` + ${eps.length - 3} more...` : '') : '<none>', age(o as KubeObject, now)];
    },
  },
  events: {
    columns: [col('Last Seen'), col('Type'), col('Reason'), col('Object'), col('Message'), col('Count', 'integer', 1)],
    row: (o, now) => [
      humanDuration(now - Date.parse(o.lastTimestamp ?? o.metadata.creationTimestamp)),
      o.type,
      o.reason,
      `${String(o.involvedObject?.kind ?? '').toLowerCase()}/${o.involvedObject?.name}`,
      o.message,
      o.count ?? 1,
    ],
  },
  deployments: {
    columns: [col('Name', 'string', 0, 'name'), col('Ready'), col('Up-to-date', 'integer'), col('Available', 'integer'), col('Age'), col('Containers', 'string', 1), col('Images', 'string', 1), col('Selector', 'string', 1)],
    row: (o, now) => {
      const c = containersOf(o);
      return [o.metadata.name, `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 0}`, o.status?.updatedReplicas ?? 0, o.status?.availableReplicas ?? 0, age(o as KubeObject, now), c.names, c.images, selectorText(o.spec?.selector?.matchLabels)];
    },
  },
  replicasets: {
    columns: [col('Name', 'string', 0, 'name'), col('Desired', 'integer'), col('Current', 'integer'), col('Ready', 'integer'), col('Age'), col('Containers', 'string', 1), col('Images', 'string', 1), col('Selector', 'string', 1)],
    row: (o, now) => {
      const c = containersOf(o);
      return [o.metadata.name, o.spec?.replicas ?? 0, o.status?.replicas ?? 0, o.status?.readyReplicas ?? 0, age(o as KubeObject, now), c.names, c.images, selectorText(o.spec?.selector?.matchLabels)];
    },
  },
  leases: {
    columns: [col('Name', 'string', 0, 'name'), col('Holder'), col('Age')],
    row: (o, now) => [o.metadata.name, o.spec?.holderIdentity ?? '', age(o as KubeObject, now)],
  },
  configmaps: {
    columns: [col('Name', 'string', 0, 'name'), col('Data', 'integer'), col('Age')],
    row: (o, now) => [o.metadata.name, Object.keys(o.data ?? {}).length + Object.keys(o.binaryData ?? {}).length, age(o as KubeObject, now)],
  },
  secrets: {
    columns: [col('Name', 'string', 0, 'name'), col('Type'), col('Data', 'integer'), col('Age')],
    row: (o, now) => [o.metadata.name, o.type ?? 'Opaque', Object.keys(o.data ?? {}).length, age(o as KubeObject, now)],
  },
  serviceaccounts: {
    columns: [col('Name', 'string', 0, 'name'), col('Secrets', 'integer'), col('Age')],
    row: (o, now) => [o.metadata.name, (o.secrets ?? []).length, age(o as KubeObject, now)],
  },
  endpointslices: {
    columns: [col('Name', 'string', 0, 'name'), col('AddressType'), col('Ports'), col('Endpoints'), col('Age')],
    row: (o, now) => {
      const addrs = (o.endpoints ?? []).flatMap((e: Any) => e.addresses ?? []);
      const ports = (o.ports ?? []).map((p: Any) => p.port).join(',');
      return [o.metadata.name, o.addressType ?? 'IPv4', ports || '<unset>', addrs.length ? addrs.slice(0, 3).join(',') + (addrs.length > 3 ? ` + ${addrs.length - 3} more...` : '') : '<none>', age(o as KubeObject, now)];
    },
  },
};

/** A meta.k8s.io/v1 Table, what `kubectl get` asks for with `Accept: application/json;as=Table`. */
export function toTable(
  resource: ResourceName,
  objects: KubeObject[],
  opts: { now: number; resourceVersion: string; includeObject?: string },
): Record<string, unknown> {
  const t = TABLES[resource];
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion: opts.resourceVersion },
    columnDefinitions: t.columns,
    rows: objects.map((o) => ({
      cells: t.row(o, opts.now),
      ...(opts.includeObject === 'None'
        ? {}
        : { object: opts.includeObject === 'Object' ? o : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata } }),
    })),
  };
}
