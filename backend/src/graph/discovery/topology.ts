import type { DiscoverySnapshot } from '../model.js';

/** A declared topology (the simulator's, or any static description) with optional live per-service stats. */
export interface DeclaredTopology {
  namespace: string;
  services: ReadonlyArray<{ name: string }>;
  edges: ReadonlyArray<{ source: string; target: string; callsPerRequest?: number }>;
}

export interface ServiceStats {
  request_rate: number;
  latency_p95: number;
}

/**
 * A snapshot from a declared call graph: an edge carries its caller's request rate times calls per
 * request, and the callee's p95.
 */
export function topologySnapshot(t: DeclaredTopology, stats?: ReadonlyMap<string, ServiceStats>): DiscoverySnapshot {
  return {
    nodes: t.services.map((s) => ({ id: s.name, namespace: t.namespace, kind: 'Deployment' })),
    edges: t.edges.map((e) => {
      const caller = stats?.get(e.source);
      const callee = stats?.get(e.target);
      return {
        source: e.source,
        target: e.target,
        ...(caller ? { requestRate: round(caller.request_rate * (e.callsPerRequest ?? 1)) } : {}),
        ...(callee ? { p95Ms: round(callee.latency_p95) } : {}),
      };
    }),
  };
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
