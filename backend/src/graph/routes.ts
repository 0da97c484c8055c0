import { z } from 'zod';
import { defineRoute, pageOf, type RouteDef } from '../api/route.js';
import type { ServiceGraph } from './engine.js';
import { nodeGraphSchema, nodeGraphView } from './view.js';

export interface GraphRouteDeps {
  graph: ServiceGraph;
  /** Root-cause probability per service from open incidents' analyses. */
  rootCauses?: () => Promise<ReadonlyMap<string, number>>;
}

const namespaceQuery = z.object({ namespace: z.string().min(1).max(253).optional() });

export function graphRoutes({ graph, rootCauses }: GraphRouteDeps): RouteDef[] {
  return [
    defineRoute({
      method: 'get',
      path: '/graph',
      operationId: 'getServiceGraph',
      summary: 'The service graph as Node Graph nodes and edges',
      tags: ['graph'],
      permission: 'read',
      query: namespaceQuery,
      response: nodeGraphSchema,
      handler: async ({ query }) =>
        nodeGraphView(graph, { namespace: query.namespace, rootCause: rootCauses ? await rootCauses() : undefined }),
    }),
    defineRoute({
      method: 'get',
      path: '/graph/insights',
      operationId: 'getServiceGraphInsights',
      summary: 'Criticality per service, critical paths from ingress, bottlenecks and graph warnings',
      tags: ['graph'],
      permission: 'read',
      response: z.object({
        criticality: z.array(
          z.object({
            service: z.string(),
            criticality: z.number(),
            pageRank: z.number(),
            fanIn: z.number(),
            fanOut: z.number(),
            transitiveDependants: z.number(),
          }),
        ),
        critical_paths: z.array(z.object({ path: z.array(z.string()), latencyMs: z.number() })),
        bottlenecks: z.array(
          z.object({ service: z.string(), selfLatencyMs: z.number(), score: z.number(), reason: z.string() }),
        ),
        warnings: z.array(z.string()),
      }),
      handler: async () => ({
        criticality: [...graph.criticality().values()].sort((a, b) => b.criticality - a.criticality),
        critical_paths: graph.criticalPaths(),
        bottlenecks: graph.bottlenecks(),
        warnings: graph.warnings(),
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/services',
      operationId: 'listServices',
      summary: 'Service names (template variables), with namespace, health and criticality',
      tags: ['graph'],
      permission: 'read',
      query: namespaceQuery,
      response: pageOf(
        z.object({ name: z.string(), namespace: z.string().nullable(), health: z.string(), criticality: z.number() }),
      ),
      handler: async ({ query }) => {
        const crit = graph.criticality();
        const items = graph
          .nodeList()
          .filter((n) => !query.namespace || n.namespace === query.namespace)
          .map((n) => ({
            name: n.id,
            namespace: n.namespace ?? null,
            health: n.health,
            criticality: crit.get(n.id)?.criticality ?? 0,
          }));
        return { items, next: null };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/namespaces',
      operationId: 'listNamespaces',
      summary: 'Namespace names (template variables)',
      tags: ['graph'],
      permission: 'read',
      response: pageOf(z.object({ name: z.string(), services: z.number().int() })),
      handler: async () => {
        const counts = new Map<string, number>();
        for (const n of graph.nodeList()) if (n.namespace) counts.set(n.namespace, (counts.get(n.namespace) ?? 0) + 1);
        const items = [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([name, services]) => ({ name, services }));
        return { items, next: null };
      },
    }),
  ];
}
