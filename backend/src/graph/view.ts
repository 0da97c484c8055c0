import { z } from 'zod';
import type { ServiceGraph } from './engine.js';

/** `GET /api/v1/graph`: maps 1:1 onto Grafana Node Graph nodes and edges frames. */
export const nodeGraphSchema = z.object({
  nodes: z.array(
    z.object({
      id: z.string(),
      title: z.string(),
      subTitle: z.string(),
      mainStat: z.string(),
      secondaryStat: z.string(),
      health: z.enum(['healthy', 'degraded', 'failing', 'unknown']),
      /** 0..1: how much of the system depends on this service */
      criticality: z.number(),
      /** 0..1: probability this service is the root cause of the latest analysed incident */
      rootCause: z.number(),
    }),
  ),
  edges: z.array(
    z.object({ id: z.string(), source: z.string(), target: z.string(), mainStat: z.string(), secondaryStat: z.string() }),
  ),
});
export type NodeGraph = z.output<typeof nodeGraphSchema>;

export function nodeGraphView(
  graph: ServiceGraph,
  opts: { rootCause?: ReadonlyMap<string, number>; namespace?: string } = {},
): NodeGraph {
  const crit = graph.criticality();
  const nodes = graph.nodeList().filter((n) => !opts.namespace || n.namespace === opts.namespace);
  const keep = new Set(nodes.map((n) => n.id));
  const edges = graph.edgeList().filter((e) => keep.has(e.source) && keep.has(e.target));
  const inbound = new Map<string, { rate: number; p95?: number }>();
  // An entry service (nobody calls it in the graph) shows what it sends, so it is not blank.
  const outbound = new Map<string, number>();
  for (const e of edges) outbound.set(e.source, (outbound.get(e.source) ?? 0) + (e.requestRate ?? 0));
  for (const e of edges) {
    const cur = inbound.get(e.target) ?? { rate: 0 };
    cur.rate += e.requestRate ?? 0;
    if (e.p95Ms !== undefined) cur.p95 = Math.max(cur.p95 ?? 0, e.p95Ms);
    inbound.set(e.target, cur);
  }
  return {
    nodes: nodes.map((n) => {
      const inb = inbound.get(n.id);
      return {
        id: n.id,
        title: n.id,
        subTitle: [n.namespace, n.kind].filter(Boolean).join(' · '),
        mainStat: inb ? `${fmt(inb.rate)} req/s` : outbound.get(n.id) ? `${fmt(outbound.get(n.id) ?? 0)} req/s out` : '',
        secondaryStat: inb?.p95 !== undefined ? `p95 ${fmt(inb.p95)} ms` : '',
        health: n.health,
        criticality: crit.get(n.id)?.criticality ?? 0,
        rootCause: opts.rootCause?.get(n.id) ?? 0,
      };
    }),
    edges: edges.map((e) => ({
      id: `${e.source}->${e.target}`,
      source: e.source,
      target: e.target,
      mainStat: e.requestRate !== undefined ? `${fmt(e.requestRate)} req/s` : '',
      secondaryStat: [e.p95Ms !== undefined ? `p95 ${fmt(e.p95Ms)} ms` : '', e.errorRate !== undefined ? `${fmt(e.errorRate * 100)}% errors` : '']
        .filter(Boolean)
        .join(' · '),
    })),
  };
}

function fmt(x: number): string {
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
}
