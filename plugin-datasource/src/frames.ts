// Pure conversions from Aegis API answers to Grafana data frames (what query() returns).
import { createDataFrame, type DataFrame, FieldType } from '@grafana/data';
import type { components, paths } from './api/schema.gen';

type Json<P extends keyof paths> = paths[P]['get'] extends { responses: { 200: { content: { 'application/json': infer T } } } } ? T : never;
export type ScoresResponse = Json<'/api/v1/anomalies/scores'>;
export type IncidentListResponse = Json<'/api/v1/incidents'>;
export type RcaResponse = components['schemas']['RcaResult'];

/** One time series frame per (service, metric): Time + score in [0, 1]. */
export function scoreFrames(body: ScoresResponse, refId: string): DataFrame[] {
  return body.series.map((s) =>
    createDataFrame({
      refId,
      name: `${s.service} ${s.metric}`,
      fields: [
        { name: 'Time', type: FieldType.time, values: s.points.map((p) => p[0]) },
        {
          name: 'score',
          type: FieldType.number,
          values: s.points.map((p) => p[1]),
          labels: { service: s.service, metric: s.metric },
          config: { min: 0, max: 1, displayNameFromDS: `${s.service} ${s.metric}` },
        },
      ],
    }),
  );
}

const ms = (iso: string | null | undefined) => (iso ? Date.parse(iso) : null);

/** Incidents as a table whose time/timeEnd/title/text/tags fields also make them annotations. */
export function incidentFrame(body: IncidentListResponse, refId: string): DataFrame {
  const items = body.items;
  return createDataFrame({
    refId,
    name: 'incidents',
    fields: [
      { name: 'time', type: FieldType.time, values: items.map((i) => ms(i.started_at)) },
      { name: 'timeEnd', type: FieldType.time, values: items.map((i) => ms(i.resolved_at)) },
      { name: 'title', type: FieldType.string, values: items.map((i) => i.title) },
      { name: 'text', type: FieldType.string, values: items.map((i) => `${i.severity} · ${i.status.replace(/_/g, ' ')} · ${i.description}`) },
      { name: 'tags', type: FieldType.other, values: items.map((i) => ['aegis', i.severity, ...i.services]) },
      { name: 'severity', type: FieldType.string, values: items.map((i) => i.severity) },
      { name: 'status', type: FieldType.string, values: items.map((i) => i.status) },
      { name: 'services', type: FieldType.string, values: items.map((i) => i.services.join(', ')) },
      { name: 'id', type: FieldType.string, values: items.map((i) => i.id) },
    ],
  });
}

/** RCA candidates best first, with their evidence summarised in one column. */
export function rcaFrame(body: RcaResponse, refId: string): DataFrame {
  const r = body.ranking;
  return createDataFrame({
    refId,
    name: 'rca',
    meta: { custom: { incidentId: body.incident_id, warnings: body.warnings } },
    fields: [
      { name: 'rank', type: FieldType.number, values: r.map((_, n) => n + 1) },
      { name: 'service', type: FieldType.string, values: r.map((c) => c.service) },
      { name: 'metric', type: FieldType.string, values: r.map((c) => c.metric ?? '') },
      { name: 'probability', type: FieldType.number, values: r.map((c) => c.probability), config: { unit: 'percentunit', min: 0, max: 1 } },
      { name: 'score', type: FieldType.number, values: r.map((c) => c.score) },
      { name: 'explanation', type: FieldType.string, values: r.map((c) => c.explanation) },
      { name: 'evidence', type: FieldType.string, values: r.map((c) => c.evidence.map((e) => `${e.kind}: ${e.summary}`).join('; ')) },
    ],
  });
}

export type IacFindingRow = Json<'/api/v1/iac/findings'>['items'][number];

export function iacFrame(items: IacFindingRow[], refId: string): DataFrame {
  return createDataFrame({
    refId,
    name: 'iac findings',
    fields: [
      { name: 'severity', type: FieldType.string, values: items.map((f) => f.severity) },
      { name: 'rule', type: FieldType.string, values: items.map((f) => f.rule) },
      { name: 'file', type: FieldType.string, values: items.map((f) => f.file) },
      { name: 'line', type: FieldType.number, values: items.map((f) => f.line) },
      { name: 'end_line', type: FieldType.number, values: items.map((f) => f.end_line) },
      { name: 'resource', type: FieldType.string, values: items.map((f) => `${f.kind} ${f.resource}`) },
      { name: 'message', type: FieldType.string, values: items.map((f) => f.message) },
      { name: 'fix', type: FieldType.string, values: items.map((f) => (f.fix ? `${f.remediation} (set ${f.fix.path})` : f.remediation)) },
    ],
  });
}
