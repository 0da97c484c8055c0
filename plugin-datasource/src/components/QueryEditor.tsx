import React from 'react';
import type { QueryEditorProps } from '@grafana/data';
import { InlineField, InlineFieldRow, Input, RadioButtonGroup } from '@grafana/ui';
import type { DataSource } from '../datasource';
import { type AegisOptions, type AegisQuery, QUERY_TYPE_LABELS, QUERY_TYPES, type QueryType } from '../types';

type Props = QueryEditorProps<DataSource, AegisQuery, AegisOptions>;

const TYPE_OPTIONS = QUERY_TYPES.map((value) => ({ value, label: QUERY_TYPE_LABELS[value] }));
/** Which text fields each query type reads. */
const FIELDS: Record<QueryType, Array<keyof AegisQuery>> = {
  anomalyScores: ['service', 'metric'],
  rca: ['incidentId'],
  incidents: ['service', 'namespace', 'status', 'severity'],
  serviceGraph: ['namespace'],
  iacFindings: ['severity', 'rule', 'file'],
};
const PLACEHOLDER: Partial<Record<keyof AegisQuery, string>> = {
  service: '$service or a name; empty = all',
  metric: 'e.g. latency_p95; empty = all',
  incidentId: 'empty = the latest incident',
  status: 'e.g. open',
  severity: 'e.g. critical',
  namespace: 'empty = all',
  rule: 'rule id',
  file: 'path contains',
};

export function QueryEditor({ query, onChange, onRunQuery }: Props) {
  const type = query.queryType ?? 'anomalyScores';
  const set = (patch: Partial<AegisQuery>) => onChange({ ...query, ...patch });
  return (
    <div>
      <InlineFieldRow>
        <InlineField label="Query type" labelWidth={14}>
          <RadioButtonGroup
            size="sm"
            options={TYPE_OPTIONS}
            value={type}
            onChange={(queryType) => {
              set({ queryType });
              onRunQuery();
            }}
          />
        </InlineField>
      </InlineFieldRow>
      <InlineFieldRow>
        {FIELDS[type].map((key) => (
          <InlineField key={key} label={key} labelWidth={14}>
            <Input
              width={28}
              value={String(query[key] ?? '')}
              placeholder={PLACEHOLDER[key]}
              onChange={(e) => set({ [key]: e.currentTarget.value })}
              onBlur={onRunQuery}
            />
          </InlineField>
        ))}
      </InlineFieldRow>
    </div>
  );
}
