import { describe, expect, it } from 'vitest';
import { computeCriticality, pageRank } from './criticality.js';
import { bottlenecks, criticalPaths } from './paths.js';

describe('criticality on known small graphs', () => {
  it('ranks the end of a chain highest: everything depends on it', () => {
    const c = computeCriticality({ nodes: ['a', 'b', 'c'], edges: [{ source: 'a', target: 'b' }, { source: 'b', target: 'c' }] });
    expect(c.get('c')?.transitiveDependants).toBe(2);
    expect(c.get('a')?.transitiveDependants).toBe(0);
    const order = [...c.values()].sort((x, y) => y.criticality - x.criticality).map((x) => x.service);
    expect(order).toEqual(['c', 'b', 'a']);
  });

  it('makes the shared dependency of a star the most critical service', () => {
    const callers = ['w1', 'w2', 'w3', 'w4'];
    const c = computeCriticality({ nodes: [...callers, 'db'], edges: callers.map((w) => ({ source: w, target: 'db' })) });
    expect(c.get('db')?.fanIn).toBe(4);
    expect(c.get('db')?.criticality).toBeCloseTo(0.9, 5); // everything but the fan-out term
    for (const w of callers) expect(c.get(w)?.criticality).toBeLessThan((c.get('db')?.criticality ?? 0) / 3);
  });

  it('computes PageRank that sums to one and is uniform on a cycle', () => {
    const ranks = pageRank([[1], [2], [0]], 3, 0.85);
    for (const r of ranks) expect(r).toBeCloseTo(1 / 3, 8);
    const chain = pageRank([[1], []], 2, 0.85);
    expect(chain.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 8);
    // a→b with b dangling: b = 0.075 + 0.85·a + 0.425·b, a = 0.075 + 0.425·b → a ≈ 0.3509
    expect(chain[0]).toBeCloseTo(0.35088, 4);
    expect(chain[1]).toBeCloseTo(0.64912, 4);
  });

  it('ignores edges to services that are not nodes', () => {
    const c = computeCriticality({ nodes: ['a'], edges: [{ source: 'a', target: 'ghost' }] });
    expect([...c.keys()]).toEqual(['a']);
  });
});

describe('critical paths and bottlenecks', () => {
  const edges = [
    { source: 'fe', target: 'checkout', p95Ms: 120 },
    { source: 'checkout', target: 'payment', p95Ms: 90 },
    { source: 'fe', target: 'ads', p95Ms: 30 },
    { source: 'checkout', target: 'cart', p95Ms: 20 },
  ];
  const nodes = ['fe', 'checkout', 'payment', 'ads', 'cart'];

  it('follows the highest-latency chain from the ingress', () => {
    const { paths } = criticalPaths(nodes, edges);
    expect(paths[0]).toEqual({ path: ['fe', 'checkout', 'payment'], latencyMs: 210 });
  });

  it('survives cycles by dropping the edge that closes them', () => {
    const { paths, droppedBackEdges } = criticalPaths(nodes, [...edges, { source: 'payment', target: 'checkout', p95Ms: 500 }]);
    expect(droppedBackEdges).toHaveLength(1);
    expect(paths[0]?.path).toEqual(['fe', 'checkout', 'payment']);
  });

  it('names the service whose own time dominates', () => {
    const found = bottlenecks(nodes, edges, (s) => (s === 'payment' ? 2 : 1));
    expect(found[0]?.service).toBe('payment');
    expect(found[0]?.selfLatencyMs).toBe(90);
    expect(found.find((b) => b.service === 'checkout')?.selfLatencyMs).toBe(30);
  });
});
