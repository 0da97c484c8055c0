import React from 'react';
import { InlineField, InlineFieldRow, Input, RadioButtonGroup } from '@grafana/ui';
import type { AegisVariableQuery } from '../types';

interface Props {
  query: AegisVariableQuery;
  onChange: (query: AegisVariableQuery, definition: string) => void;
}

export function VariableQueryEditor({ query, onChange }: Props) {
  const q: AegisVariableQuery = { kind: query?.kind ?? 'services', namespace: query?.namespace };
  const emit = (next: AegisVariableQuery) => onChange(next, next.kind === 'services' && next.namespace ? `services in ${next.namespace}` : next.kind);
  return (
    <InlineFieldRow>
      <InlineField label="Values" labelWidth={12}>
        <RadioButtonGroup<AegisVariableQuery['kind']>
          options={[
            { label: 'Services', value: 'services' },
            { label: 'Namespaces', value: 'namespaces' },
          ]}
          value={q.kind}
          onChange={(kind) => emit({ ...q, kind })}
        />
      </InlineField>
      {q.kind === 'services' && (
        <InlineField label="Namespace" labelWidth={12}>
          <Input width={24} value={q.namespace ?? ''} placeholder="empty = all" onChange={(e) => emit({ ...q, namespace: e.currentTarget.value })} />
        </InlineField>
      )}
    </InlineFieldRow>
  );
}
