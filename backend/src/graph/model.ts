/** The service graph's data: services as nodes, call dependencies as edges. */

export type Health = 'healthy' | 'degraded' | 'failing' | 'unknown';

export interface GraphNode {
  id: string;
  namespace?: string;
  /** e.g. Deployment, StatefulSet, Service, external */
  kind?: string;
  labels: Record<string, string>;
  health: Health;
  /** 0..1 share of time anomalous / unhealthy, when a health source reports one. */
  healthScore?: number;
  /** Which discovery sources know this node. */
  sources: string[];
}

export interface GraphEdge {
  source: string;
  target: string;
  /** requests per second */
  requestRate?: number;
  /** p95 latency in milliseconds */
  p95Ms?: number;
  errorRate?: number;
  sources: string[];
}

/** What one discovery source currently sees. */
export interface DiscoverySnapshot {
  nodes: Array<Omit<GraphNode, 'sources' | 'health' | 'labels'> & { labels?: Record<string, string> }>;
  edges: Array<Omit<GraphEdge, 'sources'>>;
}

/** An incremental change: what to add, update and remove. */
export interface GraphDiff {
  upsertNodes: DiscoverySnapshot['nodes'];
  removeNodes: string[];
  upsertEdges: DiscoverySnapshot['edges'];
  removeEdges: Array<{ source: string; target: string }>;
}

export const edgeKey = (source: string, target: string) => `${source}\u0000${target}`;

export function emptyDiff(): GraphDiff {
  return { upsertNodes: [], removeNodes: [], upsertEdges: [], removeEdges: [] };
}

export function isEmptyDiff(d: GraphDiff): boolean {
  return !d.upsertNodes.length && !d.removeNodes.length && !d.upsertEdges.length && !d.removeEdges.length;
}
