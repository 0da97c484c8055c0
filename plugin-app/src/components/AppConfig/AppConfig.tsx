import React, { useState } from 'react';
import { lastValueFrom } from 'rxjs';
import { css } from '@emotion/css';
import type { AppPluginMeta, GrafanaTheme2, PluginConfigPageProps, PluginMeta } from '@grafana/data';
import { getBackendSrv } from '@grafana/runtime';
import { Alert, Button, Field, FieldSet, Input, SecretInput, Stack, useStyles2 } from '@grafana/ui';
import { apiGet } from '../../api/client';
import { testIds } from '../../testIds';

export interface AppJsonData {
  backendUrl?: string;
}
export type AppConfigProps = PluginConfigPageProps<AppPluginMeta<AppJsonData>>;

type Check = { ok: boolean; message: string };

/** Checks, through the proxy route, that the backend answers and accepts the stored token. */
export async function testConnection(): Promise<Check> {
  const health = await apiGet<{ status: string }>('/healthz');
  if (health.kind !== 'ok') return { ok: false, message: `Backend not reachable through the proxy: ${health.message}` };
  const authed = await apiGet<{ items: unknown[] }>('/api/v1/incidents', { limit: 1 });
  if (authed.kind === 'ok') return { ok: true, message: 'Connected: the backend answers and accepts the API token.' };
  if (authed.kind === 'error' && (authed.status === 401 || authed.status === 403)) {
    return { ok: false, message: `The backend refused the API token (HTTP ${authed.status}): ${authed.message}` };
  }
  return { ok: false, message: `Backend answered but listing incidents failed: ${authed.message}` };
}

function AppConfig({ plugin }: AppConfigProps) {
  const styles = useStyles2(getStyles);
  const { enabled, pinned, jsonData, secureJsonFields } = plugin.meta;
  const [backendUrl, setBackendUrl] = useState(jsonData?.backendUrl ?? 'http://localhost:8000');
  const [apiToken, setApiToken] = useState('');
  const [tokenSet, setTokenSet] = useState(Boolean(secureJsonFields?.apiToken));
  const [check, setCheck] = useState<Check>();
  const [busy, setBusy] = useState(false);

  const save = async () => {
    setBusy(true);
    setCheck(undefined);
    try {
      await saveSettings(plugin.meta.id, {
        enabled: true,
        pinned: pinned ?? true,
        jsonData: { ...jsonData, backendUrl: backendUrl.replace(/\/+$/, '') },
        // Write-only: sent only when typed; Grafana keeps the stored secret otherwise.
        secureJsonData: apiToken ? { apiToken } : undefined,
      });
      if (apiToken) setTokenSet(true);
      setApiToken('');
      setCheck(await testConnection());
    } catch (err) {
      setCheck({ ok: false, message: `Saving failed: ${err instanceof Error ? err.message : String(err)}` });
    } finally {
      setBusy(false);
    }
  };

  return (
    <FieldSet label="Aegis backend" className={styles.form}>
      <Field label="Backend URL" description="Where Grafana's server reaches the Aegis backend (default port 8000).">
        <Input width={60} value={backendUrl} onChange={(e) => setBackendUrl(e.currentTarget.value)} placeholder="http://aegis-backend:8000" />
      </Field>
      <Field label="API token" description="A token of role grafana (aegis token create --role grafana). Stored encrypted; never shown again.">
        <SecretInput
          width={60}
          isConfigured={tokenSet}
          value={apiToken}
          onChange={(e) => setApiToken(e.currentTarget.value)}
          onReset={() => setTokenSet(false)}
        />
      </Field>
      <Stack gap={1}>
        <Button onClick={() => void save()} disabled={busy || !backendUrl} data-testid={testIds.config.save}>
          {enabled ? 'Save and test' : 'Enable, save and test'}
        </Button>
        <Button variant="secondary" onClick={() => void testConnection().then(setCheck)} disabled={busy} data-testid={testIds.config.testConnection}>
          Test connection
        </Button>
      </Stack>
      {check && (
        <div data-testid={testIds.config.result} className={styles.result}>
          <Alert severity={check.ok ? 'success' : 'error'} title={check.ok ? 'Connection OK' : 'Connection failed'}>
            {check.message}
          </Alert>
        </div>
      )}
    </FieldSet>
  );
}

async function saveSettings(pluginId: string, data: Partial<PluginMeta>) {
  await lastValueFrom(getBackendSrv().fetch({ url: `/api/plugins/${pluginId}/settings`, method: 'POST', data }));
}

const getStyles = (theme: GrafanaTheme2) => ({
  form: css({ maxWidth: 800 }),
  result: css({ marginTop: theme.spacing(2) }),
});

export default AppConfig;
