import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Badge, Collapse, Stack, Text, useStyles2 } from '@grafana/ui';
import { apiGet } from '../../api/client';
import type { AgentExecution, RcaResult, Remediation, SimilarIncident, TimelineEntry } from '../../api/types';
import { type ApiState, useApi } from '../../api/useApi';
import { POLL_MS } from '../../constants';
import { ApiStatus } from '../../shared/ApiStatus';
import { duration, label, percent, pretty, statusColor, when } from '../../shared/format';
import { RemediationCard } from '../../shared/RemediationCard';
import { testIds } from '../../testIds';
import { NoteForm } from './IncidentActions';

function Section({ title, testId, children }: { title: string; testId?: string; children: React.ReactNode }) {
  const styles = useStyles2(getStyles);
  return (
    <section className={styles.section} data-testid={testId}>
      <Text element="h3">{title}</Text>
      {children}
    </section>
  );
}

export function TimelineSection({ timeline, incidentId, onChanged }: { timeline: TimelineEntry[]; incidentId: string; onChanged: () => void }) {
  const styles = useStyles2(getStyles);
  return (
    <Section title="Timeline" testId={testIds.incidents.timeline}>
      <NoteForm incidentId={incidentId} onAdded={onChanged} />
      {timeline.length === 0 && <Text color="secondary">No events yet.</Text>}
      <ol className={styles.timeline}>
        {timeline.map((e, n) => (
          <li key={`${e.at}-${n}`} data-type={e.kind} className={e.kind === 'note' ? styles.note : undefined}>
            <Text color="secondary" variant="bodySmall">
              {when(e.at)} · {label(e.kind)}
              {e.actor ? ` · ${e.actor}` : ''}
            </Text>
            <div>{e.message}</div>
          </li>
        ))}
      </ol>
    </Section>
  );
}

export function RemediationsSection({ incidentId, incidentFinal, onChanged }: { incidentId: string; incidentFinal: boolean; onChanged: () => void }) {
  const list = useApi(
    () => apiGet<{ items: Remediation[] }>(`/api/v1/incidents/${incidentId}/remediations`),
    [incidentId],
    POLL_MS,
  );
  const changed = () => {
    list.reload();
    onChanged();
  };
  return (
    <Section title="Remediation">
      <ApiStatus result={list.result} what="remediations">
        {(data) =>
          data.items.length ? (
            <Stack direction="column" gap={1}>
              {data.items.map((r) => (
                <RemediationCard key={r.id} remediation={r} onChanged={changed} incidentFinal={incidentFinal} />
              ))}
            </Stack>
          ) : (
            <Text color="secondary">No remediation proposed yet.</Text>
          )
        }
      </ApiStatus>
    </Section>
  );
}

export function RcaSection({ rca }: { rca: ApiState<RcaResult> }) {
  const styles = useStyles2(getStyles);
  return (
    <Section title="Root cause ranking" testId={testIds.incidents.rca}>
      <ApiStatus result={rca.result} what="the root cause analysis">
        {(r) => (
          <>
            {r.warnings.map((w) => (
              <Text key={w} color="warning" variant="bodySmall">
                {w}
              </Text>
            ))}
            {r.ranking.length === 0 && <Text color="secondary">No candidate root cause.</Text>}
            <ol className={styles.ranking}>
              {[...r.ranking].sort((a, b) => b.probability - a.probability).slice(0, 5).map((c) => (
                <li key={`${c.service}-${c.metric ?? ''}`}>
                  <Stack alignItems="center" gap={1} wrap="wrap">
                    <Text weight="medium">{c.service}</Text>
                    {c.metric && <Text color="secondary">{c.metric}</Text>}
                    <Badge color="purple" text={`p ${percent(c.probability, 1)}`} />
                    {((c as { sources?: string[] }).sources ?? []).map((src) => (
                      <Badge key={src} color="blue" text={src} />
                    ))}
                  </Stack>
                  <Text variant="bodySmall">{c.explanation}</Text>
                  <ul className={styles.evidence}>
                    {c.evidence.map((e, n) => (
                      <li key={n}>
                        <Text variant="bodySmall" color="secondary">
                          {e.kind}: {e.summary}
                        </Text>
                      </li>
                    ))}
                  </ul>
                </li>
              ))}
            </ol>
          </>
        )}
      </ApiStatus>
    </Section>
  );
}

export function ExecutionsSection({ incidentId }: { incidentId: string }) {
  const list = useApi(
    () => apiGet<{ items: AgentExecution[] }>(`/api/v1/incidents/${incidentId}/executions`),
    [incidentId],
    POLL_MS,
  );
  return (
    <Section title="Agent executions" testId={testIds.incidents.executions}>
      <ApiStatus result={list.result} what="agent executions">
        {(data) =>
          data.items.length ? (
            <Stack direction="column" gap={0}>
              {data.items.map((x) => (
                <Execution key={x.id} execution={x} />
              ))}
            </Stack>
          ) : (
            <Text color="secondary">No agent has run yet.</Text>
          )
        }
      </ApiStatus>
    </Section>
  );
}

function Execution({ execution: x }: { execution: AgentExecution }) {
  const styles = useStyles2(getStyles);
  const [open, setOpen] = React.useState(false);
  const head = (
    <Stack alignItems="center" gap={1}>
      <span>{x.agent}</span>
      <Badge color={statusColor(x.status)} text={x.status} />
      <Text color="secondary" variant="bodySmall">
        {duration(x.duration_ms)} · attempt {x.attempt}
      </Text>
    </Stack>
  );
  return (
    <Collapse label={head} isOpen={open} onToggle={() => setOpen(!open)} collapsible>
      <div className={styles.exec}>
        <Text variant="bodySmall" color="secondary">Input</Text>
        <pre className={styles.pre}>{pretty(x.input)}</pre>
        <Text variant="bodySmall" color="secondary">Output</Text>
        <pre className={styles.pre}>{pretty(x.output)}</pre>
        <Text variant="bodySmall" color="secondary">Tool calls ({x.tool_calls.length})</Text>
        <pre className={styles.pre}>{pretty(x.tool_calls)}</pre>
        {x.error && <Text color="error">{x.error}</Text>}
      </div>
    </Collapse>
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
  timeline: css({ margin: 0, paddingLeft: theme.spacing(2), display: 'flex', flexDirection: 'column', gap: theme.spacing(1) }),
  note: css({ borderLeft: `3px solid ${theme.colors.primary.border}`, paddingLeft: theme.spacing(1), background: theme.colors.background.secondary }),
  ranking: css({ margin: 0, paddingLeft: theme.spacing(2), display: 'flex', flexDirection: 'column', gap: theme.spacing(1.5) }),
  evidence: css({ margin: 0, paddingLeft: theme.spacing(2) }),
  exec: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(0.5), minWidth: 0 }),
  pre: css({
    margin: 0,
    maxHeight: 260,
    overflow: 'auto',
    whiteSpace: 'pre-wrap',
    wordBreak: 'break-word',
    fontSize: theme.typography.bodySmall.fontSize,
  }),
});

export function SimilarSection({ incidentId }: { incidentId: string }) {
  const similar = useApi(() => apiGet<{ items: SimilarIncident[] }>(`/api/v1/incidents/${incidentId}/similar`), [incidentId]);
  return (
    <Section title="Similar past incidents">
      <ApiStatus result={similar.result} what="similar incidents">
        {(data) =>
          data.items.length ? (
            <Stack direction="column" gap={1}>
              {data.items.slice(0, 5).map((s) => (
                <div key={s.incident_id}>
                  <Stack alignItems="center" gap={1} wrap="wrap">
                    <Text weight="medium">{s.title}</Text>
                    <Badge color="blue" text={`similarity ${percent(s.similarity)}`} />
                    <Badge color={statusColor(s.status)} text={label(s.status)} />
                  </Stack>
                  <Text variant="bodySmall" color="secondary">
                    {s.root_cause ? `root cause ${s.root_cause}` : 'root cause unknown'}
                    {s.resolution ? ` · resolved: ${s.resolution}` : ''}
                  </Text>
                </div>
              ))}
            </Stack>
          ) : (
            <Text color="secondary">No similar incident in the history.</Text>
          )
        }
      </ApiStatus>
    </Section>
  );
}
