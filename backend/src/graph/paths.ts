/**
 * Critical paths (the highest-latency call chains from an ingress, summing edge p95) and bottlenecks
 * (services whose own latency share, weighted by how many depend on them, is largest).
 */
export interface PathEdge {
  source: string;
  target: string;
  p95Ms?: number;
}

export interface CriticalPath {
  path: string[];
  /** sum of edge p95 latencies along the path, ms */
  latencyMs: number;
}

export interface Bottleneck {
  service: string;
  /** inbound p95 minus the slowest outbound p95: time spent in the service itself, ms */
  selfLatencyMs: number;
  score: number;
  reason: string;
}

/**
 * Longest path per ingress by dynamic programming on the graph with back edges dropped (calls can
 * loop; a path never visits a service twice). Ingresses: services nobody calls, or those given.
 */
export function criticalPaths(
  nodes: readonly string[],
  edges: readonly PathEdge[],
  opts: { ingress?: string[]; limit?: number } = {},
): { paths: CriticalPath[]; droppedBackEdges: PathEdge[] } {
  const out = new Map<string, PathEdge[]>();
  const hasCaller = new Set<string>();
  for (const e of edges) {
    if (e.source === e.target) continue;
    out.set(e.source, [...(out.get(e.source) ?? []), e]);
    hasCaller.add(e.target);
  }
  const roots = opts.ingress?.length ? opts.ingress : nodes.filter((n) => !hasCaller.has(n) && out.has(n));
  // A graph that is all cycles has no ingress: every caller may start a path.
  const ingress = roots.length ? roots : nodes.filter((n) => out.has(n));
  const { order, back } = dfsOrder(ingress, out);
  const best = new Map<string, { latency: number; next?: string }>();
  for (const node of order) {
    let b = { latency: 0, next: undefined as string | undefined };
    for (const e of out.get(node) ?? []) {
      if (back.has(e)) continue;
      const l = (e.p95Ms ?? 0) + (best.get(e.target)?.latency ?? 0);
      if (l > b.latency || (b.next === undefined && l === b.latency)) b = { latency: l, next: e.target };
    }
    best.set(node, b);
  }
  const paths = ingress.map((start) => {
    const path = [start];
    for (let cur = best.get(start)?.next; cur !== undefined && !path.includes(cur); cur = best.get(cur)?.next)
      path.push(cur);
    return { path, latencyMs: round(best.get(start)?.latency ?? 0) };
  });
  paths.sort((a, b) => b.latencyMs - a.latencyMs || b.path.length - a.path.length);
  return { paths: paths.slice(0, opts.limit ?? 5), droppedBackEdges: [...back] };
}

/** Post-order (callees before callers) of everything reachable, and the edges that close cycles. */
function dfsOrder(starts: readonly string[], out: Map<string, PathEdge[]>) {
  const state = new Map<string, 1 | 2>();
  const order: string[] = [];
  const back = new Set<PathEdge>();
  for (const start of starts) {
    if (state.has(start)) continue;
    const stack: Array<{ node: string; i: number }> = [{ node: start, i: 0 }];
    state.set(start, 1);
    while (stack.length) {
      const top = stack[stack.length - 1];
      if (!top) break;
      const e = (out.get(top.node) ?? [])[top.i++];
      if (!e) {
        state.set(top.node, 2);
        order.push(top.node);
        stack.pop();
      } else if (state.get(e.target) === 1) back.add(e);
      else if (!state.has(e.target)) {
        state.set(e.target, 1);
        stack.push({ node: e.target, i: 0 });
      }
    }
  }
  return { order, back };
}

export function bottlenecks(
  nodes: readonly string[],
  edges: readonly PathEdge[],
  dependants: (service: string) => number,
  limit = 5,
): Bottleneck[] {
  const inbound = new Map<string, number>();
  const outbound = new Map<string, number>();
  for (const e of edges) {
    if (e.p95Ms === undefined) continue;
    inbound.set(e.target, Math.max(inbound.get(e.target) ?? 0, e.p95Ms));
    outbound.set(e.source, Math.max(outbound.get(e.source) ?? 0, e.p95Ms));
  }
  const found = nodes
    .filter((n) => inbound.has(n))
    .map((service) => {
      const self = Math.max(0, (inbound.get(service) ?? 0) - (outbound.get(service) ?? 0));
      const deps = dependants(service);
      return {
        service,
        selfLatencyMs: round(self),
        score: round(self * (1 + deps)),
        reason: `${round(self)} ms of its callers' p95 is spent in ${service} itself; ${deps} services depend on it`,
      };
    })
    .filter((b) => b.selfLatencyMs > 0);
  return found.sort((a, b) => b.score - a.score).slice(0, limit);
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
