import React, { useState } from 'react';
import { css } from '@emotion/css';
import { type GrafanaTheme2, renderMarkdown } from '@grafana/data';
import { Alert, Button, ConfirmModal, Stack, Text, TextArea, useStyles2 } from '@grafana/ui';
import { apiGet, apiPost } from '../../api/client';
import type { Postmortem } from '../../api/types';
import { useApi } from '../../api/useApi';
import { when } from '../../shared/format';
import { testIds } from '../../testIds';
import { GuardedButton } from './IncidentActions';

/** Saves the Markdown as a file, the way a browser downloads one. */
function exportMarkdown(incidentId: string, markdown: string) {
  const url = URL.createObjectURL(new Blob([markdown], { type: 'text/markdown' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = `postmortem-${incidentId}.md`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** The postmortem rendered with Grafana's Markdown renderer; editable by operators until it is final; exportable. */
export function PostmortemSection({ incidentId, final: incidentFinal, onChanged }: { incidentId: string; final: boolean; onChanged: () => void }) {
  const styles = useStyles2(getStyles);
  const pm = useApi(() => apiGet<Postmortem>(`/api/v1/incidents/${incidentId}/postmortem`), [incidentId, incidentFinal]);
  const [draft, setDraft] = useState<string>();
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const save = async (markdown: string, final: boolean) => {
    setBusy(true);
    const res = await apiPost<Postmortem>(`/api/v1/incidents/${incidentId}/postmortem`, { markdown, final });
    setBusy(false);
    setConfirming(false);
    if (res.kind !== 'ok') return setError(res.message);
    setError(undefined);
    setDraft(undefined);
    pm.reload();
    onChanged();
  };

  const body = () => {
    if (!pm.result) return <Text color="secondary">Loading the postmortem…</Text>;
    if (pm.result.kind !== 'ok') {
      return pm.result.kind === 'error' && pm.result.status === 404 ? (
        <Text color="secondary">No postmortem yet: it is written once the incident is resolved.</Text>
      ) : (
        <Alert severity="warning" title="The postmortem could not be loaded">
          {pm.result.message}
        </Alert>
      );
    }
    const p = pm.result.data;
    const isFinal = Boolean(p.final_at);
    return (
      <Stack direction="column" gap={1}>
        <Stack justifyContent="space-between" alignItems="center" wrap="wrap">
          <Text color="secondary" variant="bodySmall">
            {isFinal ? `Final since ${when(p.final_at)}${p.final_by ? ` (${p.final_by})` : ''}` : `Draft${p.edited_by ? ` · last edited by ${p.edited_by}` : ''} · updated ${when(p.updated_at)}`}
          </Text>
          <Stack gap={1}>
            {!isFinal && draft === undefined && (
              <GuardedButton testId={testIds.incidents.postmortemEdit} icon="pen" onClick={() => setDraft(p.markdown)}>
                Edit
              </GuardedButton>
            )}
            {!isFinal && draft === undefined && (
              <GuardedButton testId={testIds.incidents.postmortemFinal} icon="lock" onClick={() => setConfirming(true)}>
                Finalise…
              </GuardedButton>
            )}
            <Button size="sm" variant="secondary" icon="download-alt" data-testid={testIds.incidents.postmortemExport} onClick={() => exportMarkdown(incidentId, p.markdown)}>
              Export .md
            </Button>
          </Stack>
        </Stack>
        {draft !== undefined ? (
          <Stack direction="column" gap={1}>
            <TextArea rows={18} value={draft} onChange={(e) => setDraft(e.currentTarget.value)} data-testid={testIds.incidents.postmortemText} className={styles.editor} />
            <Stack gap={1}>
              <Button size="sm" icon="save" disabled={busy || !draft.trim()} onClick={() => save(draft, false)} data-testid={testIds.incidents.postmortemSave}>
                Save draft
              </Button>
              <Button size="sm" variant="secondary" onClick={() => setDraft(undefined)}>
                Cancel
              </Button>
            </Stack>
          </Stack>
        ) : (
          <div
            className={`markdown-html ${styles.markdown}`}
            data-testid={testIds.incidents.postmortemRendered}
            // renderMarkdown sanitizes its HTML (Grafana's own renderer for text panels).
            dangerouslySetInnerHTML={{ __html: renderMarkdown(p.markdown) }}
          />
        )}
        <ConfirmModal
          isOpen={confirming}
          title="Finalise the postmortem"
          body="A final postmortem can no longer be edited. Finalise it as it is now?"
          confirmText="Finalise"
          confirmVariant="primary"
          onConfirm={() => save(p.markdown, true)}
          onDismiss={() => setConfirming(false)}
        />
      </Stack>
    );
  };

  return (
    <section className={styles.section} data-testid={testIds.incidents.postmortem}>
      <Text element="h3">Postmortem</Text>
      {body()}
      {error && (
        <Alert severity="error" title="The postmortem was not saved">
          {error}
        </Alert>
      )}
    </section>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  section: css({
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(1),
    padding: theme.spacing(2),
    background: theme.colors.background.primary,
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    minWidth: 0,
  }),
  editor: css({ fontFamily: theme.typography.fontFamilyMonospace, fontSize: theme.typography.bodySmall.fontSize }),
  markdown: css({
    overflowWrap: 'anywhere',
    'h1, h2, h3': { marginTop: theme.spacing(2) },
    table: { borderCollapse: 'collapse' },
    'td, th': { border: `1px solid ${theme.colors.border.weak}`, padding: theme.spacing(0.5, 1) },
    pre: { whiteSpace: 'pre-wrap' },
  }),
});
