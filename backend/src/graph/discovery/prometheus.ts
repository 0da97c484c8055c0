import type { CollectorError, CollectorResult } from '../../sources/types.js';
import type { DiscoverySnapshot } from '../model.js';

/** One sample of a Prometheus instant-vector result (`/api/v1/query`, resultType "vector"). */
export interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

/** The smallest port graph discovery needs from Prometheus; tests replay recorded results. */
export interface PromQueryPort {
  instantQuery(promql: string): Promise<PromSample[]>;
}

export type MeshKind = 'istio' | 'linkerd' | 'tempo';

interface MeshQueries {
  rate: string;
  p95: string;
  /** p95 unit → ms */
  p95Scale: number;
  edge(labels: Record<string, string>): { source?: string; target?: string; sourceNs?: string; targetNs?: string };
}

const pick = (l: Record<string, string>, ...keys: string[]) => {
  for (const k of keys) {
    const v = l[k];
    if (v && v !== 'unknown') return v;
  }
  return undefined;
};

export const MESH_QUERIES: Record<MeshKind, MeshQueries> = {
  istio: {
    rate:
      'sum by (source_canonical_service, source_workload, source_workload_namespace, destination_canonical_service, destination_service_name, destination_service_namespace) (rate(istio_requests_total{reporter="source"}[5m]))',
    p95:
      'histogram_quantile(0.95, sum by (le, source_canonical_service, source_workload, source_workload_namespace, destination_canonical_service, destination_service_name, destination_service_namespace) (rate(istio_request_duration_milliseconds_bucket{reporter="source"}[5m])))',
    p95Scale: 1,
    edge: (l) => ({
      source: pick(l, 'source_canonical_service', 'source_app', 'source_workload'),
      target: pick(l, 'destination_canonical_service', 'destination_service_name', 'destination_app', 'destination_workload'),
      sourceNs: pick(l, 'source_workload_namespace'),
      targetNs: pick(l, 'destination_service_namespace', 'destination_workload_namespace'),
    }),
  },
  linkerd: {
    rate: 'sum by (deployment, namespace, dst_service, dst_deployment, dst_namespace) (rate(response_total{direction="outbound"}[5m]))',
    p95:
      'histogram_quantile(0.95, sum by (le, deployment, namespace, dst_service, dst_deployment, dst_namespace) (rate(response_latency_ms_bucket{direction="outbound"}[5m])))',
    p95Scale: 1,
    edge: (l) => ({
      source: pick(l, 'deployment', 'statefulset', 'daemonset'),
      target: pick(l, 'dst_service', 'dst_deployment', 'dst_statefulset'),
      sourceNs: pick(l, 'namespace'),
      targetNs: pick(l, 'dst_namespace'),
    }),
  },
  tempo: {
    rate: 'sum by (client, server) (rate(traces_service_graph_request_total[5m]))',
    p95: 'histogram_quantile(0.95, sum by (le, client, server) (rate(traces_service_graph_request_server_seconds_bucket[5m])))',
    p95Scale: 1000,
    edge: (l) => ({ source: pick(l, 'client'), target: pick(l, 'server') }),
  },
};

/** Turns recorded or live results of a mesh's rate and p95 queries into a discovery snapshot. */
export function parseMeshResults(mesh: MeshKind, rate: PromSample[], p95: PromSample[] = []): DiscoverySnapshot {
  const q = MESH_QUERIES[mesh];
  const edges = new Map<string, DiscoverySnapshot['edges'][number]>();
  const nodes = new Map<string, DiscoverySnapshot['nodes'][number]>();
  const visit = (sample: PromSample, field: 'requestRate' | 'p95Ms', scale: number) => {
    const { source, target, sourceNs, targetNs } = q.edge(sample.metric);
    const value = Number(sample.value[1]) * scale;
    if (!source || !target || source === target || !Number.isFinite(value)) return;
    const key = `${source}→${target}`;
    const e = edges.get(key) ?? { source, target };
    // Several label sets can fold into one edge: rates add up, the worst p95 stands.
    if (field === 'requestRate') e.requestRate = (e.requestRate ?? 0) + value;
    else e.p95Ms = Math.max(e.p95Ms ?? 0, value);
    edges.set(key, e);
    if (!nodes.has(source)) nodes.set(source, { id: source, namespace: sourceNs });
    if (!nodes.has(target)) nodes.set(target, { id: target, namespace: targetNs });
  };
  for (const s of rate) visit(s, 'requestRate', 1);
  for (const s of p95) visit(s, 'p95Ms', q.p95Scale);
  return { nodes: [...nodes.values()], edges: [...edges.values()] };
}

/** Runs every mesh's queries; a mesh that is absent or failing is an error entry, not a failure. */
export async function discoverFromPrometheus(
  prom: PromQueryPort,
  meshes: MeshKind[] = ['istio', 'linkerd', 'tempo'],
): Promise<CollectorResult<{ mesh: MeshKind; snapshot: DiscoverySnapshot }>> {
  const results: Array<{ mesh: MeshKind; snapshot: DiscoverySnapshot }> = [];
  const errors: CollectorError[] = [];
  for (const mesh of meshes) {
    try {
      const [rate, p95] = await Promise.all([prom.instantQuery(MESH_QUERIES[mesh].rate), prom.instantQuery(MESH_QUERIES[mesh].p95)]);
      const snapshot = parseMeshResults(mesh, rate, p95);
      if (snapshot.edges.length) results.push({ mesh, snapshot });
    } catch (err) {
      errors.push({ source: `prometheus:${mesh}`, message: (err as Error).message, target: mesh });
    }
  }
  return { results, errors };
}
