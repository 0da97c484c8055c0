import React, { type ChangeEvent } from 'react';
import type { DataSourcePluginOptionsEditorProps } from '@grafana/data';
import { Field, FieldSet, Input, SecretInput } from '@grafana/ui';
import type { AegisOptions, AegisSecureOptions } from '../types';

type Props = DataSourcePluginOptionsEditorProps<AegisOptions, AegisSecureOptions>;

export function ConfigEditor({ options, onOptionsChange }: Props) {
  const { jsonData, secureJsonFields, secureJsonData } = options;
  return (
    <FieldSet label="Aegis backend">
      <Field label="Backend URL" description="Where Grafana's server reaches the Aegis backend (default port 8000).">
        <Input
          width={60}
          value={jsonData.backendUrl ?? ''}
          placeholder="http://aegis-backend:8000"
          onChange={(e: ChangeEvent<HTMLInputElement>) =>
            onOptionsChange({ ...options, jsonData: { ...jsonData, backendUrl: e.currentTarget.value.replace(/\/+$/, '') } })
          }
        />
      </Field>
      <Field label="API token" description="A read-only token of role viewer (create one with `aegis token create --role viewer`, or set AEGIS_VIEWER_TOKEN on the backend). Never the app's grafana token: anyone who can query this datasource uses it. Stored encrypted, never shown again.">
        <SecretInput
          width={60}
          isConfigured={Boolean(secureJsonFields?.apiToken)}
          value={secureJsonData?.apiToken ?? ''}
          onChange={(e: ChangeEvent<HTMLInputElement>) =>
            onOptionsChange({ ...options, secureJsonData: { apiToken: e.currentTarget.value } })
          }
          onReset={() =>
            onOptionsChange({
              ...options,
              secureJsonFields: { ...secureJsonFields, apiToken: false },
              secureJsonData: { ...secureJsonData, apiToken: '' },
            })
          }
        />
      </Field>
    </FieldSet>
  );
}
