import { describe, expect, it } from 'vitest';
import { createServiceGraph } from './engine.js';
import { parseGraphOverride } from './discovery/override.js';
import { nodeGraphView } from './view.js';

describe('service graph engine', () => {
  it('merges sources and applies only what changed', () => {
    const g = createServiceGraph();
    const first = g.mergeSnapshot('mesh:istio', {
      nodes: [{ id: 'fe' }, { id: 'cart' }],
      edges: [{ source: 'fe', target: 'cart', requestRate: 10, p95Ms: 12 }],
    });
    expect(first.upsertEdges).toHaveLength(1);
    const v1 = g.version();
    const same = g.mergeSnapshot('mesh:istio', {
      nodes: [{ id: 'fe' }, { id: 'cart' }],
      edges: [{ source: 'fe', target: 'cart', requestRate: 10, p95Ms: 12 }],
    });
    expect(same.upsertEdges).toHaveLength(0);
    expect(g.version()).toBe(v1);

    g.mergeSnapshot('podspec', { nodes: [{ id: 'fe', namespace: 'shop' }], edges: [{ source: 'fe', target: 'redis' }] });
    expect(g.services()).toEqual(['cart', 'fe', 'redis']);
    expect(g.node('fe')?.sources).toEqual(['mesh:istio', 'podspec']);
    expect(g.node('redis')?.kind).toBe('inferred');

    const changed = g.mergeSnapshot('mesh:istio', { nodes: [{ id: 'fe' }], edges: [] });
    expect(changed.removeEdges).toEqual([{ source: 'fe', target: 'cart' }]);
    expect(changed.removeNodes).toEqual(['cart']);
    expect(g.services()).toEqual(['fe', 'redis']);
    expect(g.downstream('fe')).toEqual(['redis']);
    expect(g.upstream('redis')).toEqual(['fe']);
  });

  it('takes the largest rate and p95 when sources disagree', () => {
    const g = createServiceGraph();
    g.applyDiff('mesh:istio', {
      upsertNodes: [],
      removeNodes: [],
      upsertEdges: [{ source: 'a', target: 'b', requestRate: 5 }],
      removeEdges: [],
    });
    g.applyDiff('mesh:tempo', {
      upsertNodes: [],
      removeNodes: [],
      upsertEdges: [{ source: 'a', target: 'b', requestRate: 7, p95Ms: 40 }],
      removeEdges: [],
    });
    expect(g.edgeList()).toEqual([{ source: 'a', target: 'b', requestRate: 7, p95Ms: 40, errorRate: undefined, sources: ['mesh:istio', 'mesh:tempo'] }]);
  });

  it('lets the override file add and remove edges and set criticality', () => {
    const g = createServiceGraph();
    g.mergeSnapshot('mesh:linkerd', {
      nodes: [],
      edges: [
        { source: 'fe', target: 'ads' },
        { source: 'fe', target: 'pay' },
      ],
    });
    g.setOverride(
      parseGraphOverride(`
services:
  add: [{ id: pay-db, kind: external }]
edges:
  add: [{ source: pay, target: pay-db }]
  remove: [{ source: fe, target: ads }]
criticality:
  fe: 1
`),
    );
    expect(g.edges()).toEqual([
      { source: 'fe', target: 'pay' },
      { source: 'pay', target: 'pay-db' },
    ]);
    expect(g.services()).toEqual(['fe', 'pay', 'pay-db']);
    expect(g.criticality().get('fe')?.criticality).toBe(1);
    expect(g.criticality().get('pay-db')?.transitiveDependants).toBe(2);
  });

  it('serves the Node Graph shape with health, criticality and root cause', () => {
    const g = createServiceGraph();
    g.mergeSnapshot('mesh:istio', {
      nodes: [{ id: 'fe', namespace: 'shop', kind: 'Deployment' }],
      edges: [{ source: 'fe', target: 'cart', requestRate: 12.5, p95Ms: 33 }],
    });
    g.setHealth('cart', 'failing', 0.9);
    const view = nodeGraphView(g, { rootCause: new Map([['cart', 0.8]]) });
    const cart = view.nodes.find((n) => n.id === 'cart');
    expect(cart).toMatchObject({ health: 'failing', rootCause: 0.8, mainStat: '12.5 req/s', secondaryStat: 'p95 33.0 ms' });
    expect(cart?.criticality).toBeGreaterThan(view.nodes.find((n) => n.id === 'fe')?.criticality ?? 1);
    expect(view.edges).toEqual([
      { id: 'fe->cart', source: 'fe', target: 'cart', mainStat: '12.5 req/s', secondaryStat: 'p95 33.0 ms' },
    ]);
    expect(view.nodes.find((n) => n.id === 'fe')?.subTitle).toBe('shop · Deployment');
  });

  it('gives an entry service its outgoing rate and edges their error rate (issue 19: no blank frontend)', () => {
    const g = createServiceGraph();
    g.mergeSnapshot('mesh:istio', { nodes: [], edges: [{ source: 'fe', target: 'cart', requestRate: 12.5, p95Ms: 33, errorRate: 0.25 }] });
    const view = nodeGraphView(g);
    expect(view.nodes.find((n) => n.id === 'fe')?.mainStat).toBe('12.5 req/s out');
    expect(view.edges[0]?.secondaryStat).toBe('p95 33.0 ms · 25.0% errors');
  });

  it('warns about call cycles instead of failing', () => {
    const g = createServiceGraph();
    g.mergeSnapshot('podspec', {
      nodes: [],
      edges: [
        { source: 'a', target: 'b' },
        { source: 'b', target: 'a' },
      ],
    });
    expect(g.warnings()[0]).toMatch(/call cycle closed by/);
    expect(g.criticalPaths().length).toBeGreaterThan(0);
  });
});

describe('override file', () => {
  it('rejects unknown keys and bad values with the path in the message', () => {
    expect(() => parseGraphOverride('edges:\n  add: [{ source: a }]')).toThrow(/edges\.add\.0\.target/);
    expect(() => parseGraphOverride('criticality: { a: 3 }')).toThrow(/criticality\.a/);
    expect(() => parseGraphOverride('colour: red')).toThrow(/colour|Unrecognized/);
    expect(() => parseGraphOverride('edges: [')).toThrow(/not valid YAML/);
    expect(parseGraphOverride('')).toEqual({});
  });
});
