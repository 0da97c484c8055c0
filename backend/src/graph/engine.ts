import type { ServiceEdge, ServiceGraphPort } from './port.js';
import { computeCriticality, type CriticalityScore } from './criticality.js';
import {
  edgeKey,
  emptyDiff,
  type DiscoverySnapshot,
  type GraphDiff,
  type GraphEdge,
  type GraphNode,
  type Health,
} from './model.js';
import type { GraphOverride } from './discovery/override.js';
import { bottlenecks, criticalPaths, type Bottleneck, type CriticalPath } from './paths.js';

type NodeData = DiscoverySnapshot['nodes'][number];
type EdgeData = DiscoverySnapshot['edges'][number];

interface Contribution {
  nodes: Map<string, NodeData>;
  edges: Map<string, EdgeData>;
}

export interface ServiceGraph extends ServiceGraphPort {
  /** Bumped on every effective change; derived views are cached per version. */
  version(): number;
  node(id: string): GraphNode | undefined;
  nodeList(): GraphNode[];
  edgeList(): GraphEdge[];
  /** Applies one source's incremental change. */
  applyDiff(source: string, diff: GraphDiff): { changed: boolean };
  /** Replaces what one source sees: computes the diff against its last snapshot and applies only that. */
  mergeSnapshot(source: string, snapshot: DiscoverySnapshot): GraphDiff;
  setOverride(override: GraphOverride): void;
  setHealth(service: string, health: Health, score?: number): void;
  criticality(): Map<string, CriticalityScore>;
  criticalPaths(limit?: number): CriticalPath[];
  bottlenecks(limit?: number): Bottleneck[];
  /** Problems found while merging (cycles, edges to unknown services…). */
  warnings(): string[];
}

/** Sources whose nodes are real services; an edge alone only implies its endpoints. */
const OVERRIDE = 'override';

export function createServiceGraph(): ServiceGraph {
  const contributions = new Map<string, Contribution>();
  const nodes = new Map<string, GraphNode>();
  const edges = new Map<string, GraphEdge>();
  const health = new Map<string, { health: Health; score?: number }>();
  // How many effective edges touch each node, so a refresh never scans every edge.
  const degree = new Map<string, number>();
  const bumpDegree = (e: { source: string; target: string }, by: number) => {
    for (const id of [e.source, e.target]) degree.set(id, (degree.get(id) ?? 0) + by);
  };
  let override: GraphOverride = {};
  let version = 0;
  const cache = new Map<string, { version: number; value: unknown }>();
  const cached = <T>(key: string, compute: () => T): T => {
    const hit = cache.get(key);
    if (hit && hit.version === version) return hit.value as T;
    const value = compute();
    cache.set(key, { version, value });
    return value;
  };

  const contribution = (source: string) => {
    let c = contributions.get(source);
    if (!c) contributions.set(source, (c = { nodes: new Map(), edges: new Map() }));
    return c;
  };
  const removedEdge = (s: string, t: string) =>
    (override.edges?.remove ?? []).some((e) => e.source === s && e.target === t);
  const removedNode = (id: string) => (override.services?.remove ?? []).includes(id);

  /** Recomputes one edge from every source's view; true when it changed. */
  const refreshEdge = (key: string): boolean => {
    const before = edges.get(key);
    const views: Array<[string, EdgeData]> = [];
    for (const [src, c] of contributions) {
      const e = c.edges.get(key);
      if (e) views.push([src, e]);
    }
    const first = views[0]?.[1];
    if (!first || removedEdge(first.source, first.target) || removedNode(first.source) || removedNode(first.target)) {
      if (before) bumpDegree(before, -1);
      edges.delete(key);
      return before !== undefined;
    }
    const merged: GraphEdge = {
      source: first.source,
      target: first.target,
      requestRate: maxOf(views.map(([, e]) => e.requestRate)),
      p95Ms: maxOf(views.map(([, e]) => e.p95Ms)),
      errorRate: maxOf(views.map(([, e]) => e.errorRate)),
      sources: views.map(([s]) => s).sort(),
    };
    if (!before) bumpDegree(merged, 1);
    edges.set(key, merged);
    return JSON.stringify(before) !== JSON.stringify(merged);
  };

  /** Recomputes one node from sources and from the edges that touch it. */
  const refreshNode = (id: string): boolean => {
    const before = nodes.get(id);
    if (removedNode(id)) {
      nodes.delete(id);
      return before !== undefined;
    }
    const views: Array<[string, NodeData]> = [];
    for (const [src, c] of contributions) {
      const n = c.nodes.get(id);
      if (n) views.push([src, n]);
    }
    const referenced = (degree.get(id) ?? 0) > 0;
    if (views.length === 0 && !referenced) {
      nodes.delete(id);
      return before !== undefined;
    }
    const h = health.get(id);
    const merged: GraphNode = {
      id,
      namespace: views.find(([, n]) => n.namespace)?.[1].namespace,
      kind: views.find(([, n]) => n.kind)?.[1].kind ?? (views.length ? undefined : 'inferred'),
      labels: Object.assign({}, ...views.map(([, n]) => n.labels ?? {})) as Record<string, string>,
      health: h?.health ?? 'unknown',
      healthScore: h?.score,
      sources: views.map(([s]) => s).sort(),
    };
    nodes.set(id, merged);
    return JSON.stringify(before) !== JSON.stringify(merged);
  };

  const applyDiff = (source: string, diff: GraphDiff) => {
    const c = contribution(source);
    const touchedNodes = new Set<string>();
    const touchedEdges = new Set<string>();
    for (const n of diff.upsertNodes) {
      c.nodes.set(n.id, n);
      touchedNodes.add(n.id);
    }
    for (const id of diff.removeNodes) {
      c.nodes.delete(id);
      touchedNodes.add(id);
    }
    for (const e of diff.upsertEdges) {
      const key = edgeKey(e.source, e.target);
      c.edges.set(key, e);
      touchedEdges.add(key);
      touchedNodes.add(e.source).add(e.target);
    }
    for (const e of diff.removeEdges) {
      const key = edgeKey(e.source, e.target);
      c.edges.delete(key);
      touchedEdges.add(key);
      touchedNodes.add(e.source).add(e.target);
    }
    let changed = false;
    for (const key of touchedEdges) changed = refreshEdge(key) || changed;
    for (const id of touchedNodes) changed = refreshNode(id) || changed;
    if (changed) version++;
    return { changed };
  };

  const refreshAll = () => {
    const keys = new Set<string>();
    const ids = new Set<string>(nodes.keys());
    for (const c of contributions.values()) {
      for (const k of c.edges.keys()) keys.add(k);
      for (const id of c.nodes.keys()) ids.add(id);
      for (const e of c.edges.values()) ids.add(e.source).add(e.target);
    }
    for (const k of [...edges.keys()]) keys.add(k);
    for (const k of keys) refreshEdge(k);
    for (const id of ids) refreshNode(id);
    version++;
  };

  const adjacency = (dir: 'down' | 'up', service: string) =>
    [...edges.values()]
      .filter((e) => (dir === 'down' ? e.source === service : e.target === service))
      .map((e) => (dir === 'down' ? e.target : e.source))
      .sort();

  const graph: ServiceGraph = {
    version: () => version,
    services: () => [...nodes.keys()].sort(),
    edges: (): ServiceEdge[] => [...edges.values()].map((e) => ({ source: e.source, target: e.target })),
    downstream: (s) => adjacency('down', s),
    upstream: (s) => adjacency('up', s),
    node: (id) => nodes.get(id),
    nodeList: () => [...nodes.values()].sort((a, b) => a.id.localeCompare(b.id)),
    edgeList: () => [...edges.values()],
    applyDiff,
    mergeSnapshot(source, snapshot) {
      const c = contribution(source);
      const diff = emptyDiff();
      const seenNodes = new Set(snapshot.nodes.map((n) => n.id));
      const seenEdges = new Set(snapshot.edges.map((e) => edgeKey(e.source, e.target)));
      for (const n of snapshot.nodes) if (!sameNode(c.nodes.get(n.id), n)) diff.upsertNodes.push(n);
      for (const id of c.nodes.keys()) if (!seenNodes.has(id)) diff.removeNodes.push(id);
      for (const e of snapshot.edges) {
        const old = c.edges.get(edgeKey(e.source, e.target));
        if (!sameEdge(old, e)) diff.upsertEdges.push(e);
      }
      for (const [k, e] of c.edges) if (!seenEdges.has(k)) diff.removeEdges.push({ source: e.source, target: e.target });
      applyDiff(source, diff);
      return diff;
    },
    setOverride(o) {
      override = o;
      contributions.set(OVERRIDE, {
        nodes: new Map((o.services?.add ?? []).map((n) => [n.id, n] as const)),
        edges: new Map((o.edges?.add ?? []).map((e) => [edgeKey(e.source, e.target), e] as const)),
      });
      refreshAll();
    },
    setHealth(service, h, score) {
      health.set(service, { health: h, score });
      if (refreshNode(service)) version++;
    },
    criticality: () =>
      cached('criticality', () => {
        const scores = computeCriticality({ nodes: graph.services(), edges: graph.edges() });
        for (const [id, value] of Object.entries(override.criticality ?? {})) {
          const s = scores.get(id);
          if (s) scores.set(id, { ...s, criticality: value });
        }
        return scores;
      }),
    criticalPaths: (limit = 5) =>
      cached(`paths:${limit}`, () => criticalPaths(graph.services(), graph.edgeList(), { limit }).paths),
    bottlenecks: (limit = 5) =>
      cached(`bottlenecks:${limit}`, () =>
        bottlenecks(graph.services(), graph.edgeList(), (s) => graph.criticality().get(s)?.transitiveDependants ?? 0, limit),
      ),
    warnings: () =>
      cached('warnings', () => {
        const { droppedBackEdges } = criticalPaths(graph.services(), graph.edgeList());
        return droppedBackEdges.map((e) => `call cycle closed by ${e.source} → ${e.target}`);
      }),
  };
  return graph;
}

function sameEdge(a: EdgeData | undefined, b: EdgeData): boolean {
  return (
    a !== undefined &&
    a.source === b.source &&
    a.target === b.target &&
    a.requestRate === b.requestRate &&
    a.p95Ms === b.p95Ms &&
    a.errorRate === b.errorRate
  );
}

function sameNode(a: NodeData | undefined, b: NodeData): boolean {
  if (!a || a.namespace !== b.namespace || a.kind !== b.kind) return false;
  const la = a.labels ?? {};
  const lb = b.labels ?? {};
  const keys = Object.keys(la);
  return keys.length === Object.keys(lb).length && keys.every((k) => la[k] === lb[k]);
}

function maxOf(xs: Array<number | undefined>): number | undefined {
  const defined = xs.filter((x): x is number => x !== undefined && Number.isFinite(x));
  return defined.length ? Math.max(...defined) : undefined;
}
