// Service graph → the two frames Grafana's Node Graph panel reads (field names per its docs: id, title,
// subtitle, mainstat, secondarystat, arc__*, detail__*, highlighted; edges: id, source, target, …).
// Shared with plugin-datasource, which imports this file.
import { createDataFrame, type DataFrame, FieldType } from '@grafana/data';

export interface GraphInput {
  nodes: Array<{
    id: string;
    title: string;
    subTitle: string;
    mainStat: string;
    secondaryStat: string;
    health: string;
    criticality: number;
    rootCause: number;
  }>;
  edges: Array<{ id: string; source: string; target: string; mainStat: string; secondaryStat: string }>;
}

const HEALTH_ARCS = [
  ['healthy', 'green'],
  ['degraded', 'orange'],
  ['failing', 'red'],
  ['unknown', 'text'],
] as const;

/** A node counts as the current root cause when RCA gives it at least this probability. */
export const ROOT_CAUSE_MIN = 0.3;

export function graphToFrames(graph: GraphInput, refId?: string): [nodes: DataFrame, edges: DataFrame] {
  const { nodes, edges } = graph;
  const top = nodes.reduce((m, n) => Math.max(m, n.rootCause), 0);
  const isRoot = (p: number) => p >= ROOT_CAUSE_MIN && p === top;
  const nodeFrame = createDataFrame({
    name: 'nodes',
    refId,
    meta: { preferredVisualisationType: 'nodeGraph' },
    fields: [
      { name: 'id', type: FieldType.string, values: nodes.map((n) => n.id) },
      { name: 'title', type: FieldType.string, values: nodes.map((n) => n.title) },
      {
        name: 'subtitle',
        type: FieldType.string,
        values: nodes.map((n) => (isRoot(n.rootCause) ? `ROOT CAUSE · ${n.subTitle}` : n.subTitle)),
      },
      { name: 'mainstat', type: FieldType.string, values: nodes.map((n) => n.mainStat) },
      { name: 'secondarystat', type: FieldType.string, values: nodes.map((n) => n.secondaryStat) },
      ...HEALTH_ARCS.map(([health, color]) => ({
        name: `arc__${health}`,
        type: FieldType.number,
        values: nodes.map((n) => (n.health === health || (health === 'unknown' && !HEALTH_ARCS.some(([h]) => h === n.health)) ? 1 : 0)),
        config: { color: { mode: 'fixed', fixedColor: color }, displayName: health },
      })),
      {
        name: 'detail__criticality',
        type: FieldType.number,
        values: nodes.map((n) => n.criticality),
        config: { displayName: 'Criticality' },
      },
      {
        name: 'detail__root_cause',
        type: FieldType.number,
        values: nodes.map((n) => n.rootCause),
        config: { displayName: 'Root-cause probability', unit: 'percentunit' },
      },
      { name: 'detail__health', type: FieldType.string, values: nodes.map((n) => n.health), config: { displayName: 'Health' } },
      { name: 'highlighted', type: FieldType.boolean, values: nodes.map((n) => isRoot(n.rootCause)) },
      { name: 'nodeRadius', type: FieldType.number, values: nodes.map((n) => 30 + Math.round(Math.min(1, Math.max(0, n.criticality)) * 20)) },
    ],
  });
  const edgeFrame = createDataFrame({
    name: 'edges',
    refId,
    meta: { preferredVisualisationType: 'nodeGraph' },
    fields: [
      { name: 'id', type: FieldType.string, values: edges.map((e) => e.id) },
      { name: 'source', type: FieldType.string, values: edges.map((e) => e.source) },
      { name: 'target', type: FieldType.string, values: edges.map((e) => e.target) },
      { name: 'mainstat', type: FieldType.string, values: edges.map((e) => e.mainStat) },
      { name: 'secondarystat', type: FieldType.string, values: edges.map((e) => e.secondaryStat) },
    ],
  });
  return [nodeFrame, edgeFrame];
}
