import { describe, expect, it } from 'vitest';
import { graphToFrames, type GraphInput } from './graphFrames';

const node = (id: string, health: string, rootCause: number): GraphInput['nodes'][number] => ({
  id,
  title: id,
  subTitle: 'boutique',
  mainStat: '1 req/s',
  secondaryStat: '0% err',
  health,
  criticality: 0.5,
  rootCause,
});

describe('graphToFrames', () => {
  const values = (frame: { fields: Array<{ name: string; values: unknown[] }> }, name: string) => frame.fields.find((f) => f.name === name)?.values;

  it('gives each node exactly one health arc, unknown healths included', () => {
    const [nodes] = graphToFrames({ nodes: [node('a', 'healthy', 0), node('b', 'failing', 0), node('c', 'weird', 0)], edges: [] });
    const arcs = nodes.fields.filter((f) => f.name.startsWith('arc__'));
    for (let i = 0; i < 3; i++) expect(arcs.reduce((s, f) => s + Number(f.values[i]), 0)).toBe(1);
    expect(values(nodes, 'arc__unknown')).toEqual([0, 0, 1]);
  });

  it('highlights only the most probable root cause, and only above the threshold', () => {
    const [a] = graphToFrames({ nodes: [node('a', 'healthy', 0.2), node('b', 'failing', 0.7), node('c', 'degraded', 0.4)], edges: [] });
    expect(values(a, 'highlighted')).toEqual([false, true, false]);
    expect(String(values(a, 'subtitle')?.[1])).toContain('ROOT CAUSE');
    const [b] = graphToFrames({ nodes: [node('a', 'healthy', 0.1), node('b', 'healthy', 0.2)], edges: [] });
    expect(values(b, 'highlighted')).toEqual([false, false]);
  });

  it('maps edges 1:1 and tags both frames for the Node Graph panel', () => {
    const [nodes, edges] = graphToFrames(
      { nodes: [node('a', 'healthy', 0), node('b', 'healthy', 0)], edges: [{ id: 'a-b', source: 'a', target: 'b', mainStat: '3 req/s', secondaryStat: '' }] },
      'G',
    );
    expect(edges.fields.map((f) => f.name)).toEqual(['id', 'source', 'target', 'mainstat', 'secondarystat']);
    expect(values(edges, 'mainstat')).toEqual(['3 req/s']);
    for (const f of [nodes, edges]) {
      expect(f.meta?.preferredVisualisationType).toBe('nodeGraph');
      expect(f.refId).toBe('G');
    }
  });
});
