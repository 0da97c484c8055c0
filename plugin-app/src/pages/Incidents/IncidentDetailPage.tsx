import React from 'react';
import { useParams } from 'react-router-dom';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import { Badge, LinkButton, Stack, Text, useStyles2 } from '@grafana/ui';
import { apiGet } from '../../api/client';
import type { IncidentDetail } from '../../api/types';
import { useApi } from '../../api/useApi';
import { POLL_MS, prefixRoute, ROUTES } from '../../constants';
import { ApiStatus } from '../../shared/ApiStatus';
import { label, severityColor, statusColor, when } from '../../shared/format';
import { testIds } from '../../testIds';
import { ExecutionsSection, PostmortemSection, RcaSection, RemediationsSection, SimilarSection, TimelineSection } from './sections';

function IncidentDetailPage() {
  const { id = '' } = useParams();
  const styles = useStyles2(getStyles);
  const incident = useApi(() => apiGet<IncidentDetail>(`/api/v1/incidents/${encodeURIComponent(id)}`), [id], {
    pollMs: POLL_MS,
    topics: ['incidents', 'remediations', 'agent-activity'],
  });
  const title = incident.result?.kind === 'ok' ? incident.result.data.title : 'Incident';
  return (
    <PluginPage pageNav={{ text: title, parentItem: { text: 'Incidents', url: prefixRoute(ROUTES.Incidents) } }}>
      <div data-testid={testIds.incidents.detail} className={styles.page}>
        <div>
          <LinkButton href={prefixRoute(ROUTES.Incidents)} icon="arrow-left" variant="secondary" fill="text" size="sm">
            All incidents
          </LinkButton>
        </div>
        <ApiStatus result={incident.result} what="the incident">
          {(i) => (
            <Stack direction="column" gap={2}>
              <Stack alignItems="center" gap={1} wrap="wrap">
                <Badge color={severityColor(i.severity)} text={i.severity} />
                <span data-testid="aegis-incident-status" data-status={i.status}>
                  <Badge color={statusColor(i.status)} text={label(i.status)} />
                </span>
              </Stack>
              <Text color="secondary">
                {i.services.join(', ') || 'no service'} · {i.namespace ?? 'no namespace'} · source {i.source} · started {when(i.started_at)}
                {i.acknowledged_by ? ` · acknowledged by ${i.acknowledged_by}` : ''}
              </Text>
              {i.description && <Text>{i.description}</Text>}
              <div className={styles.columns}>
                <div className={styles.column}>
                  <RemediationsSection incidentId={i.id} onChanged={incident.reload} />
                  <RcaSection incidentId={i.id} />
                </div>
                <div className={styles.column}>
                  <TimelineSection timeline={i.timeline} />
                  <ExecutionsSection incidentId={i.id} />
                  <SimilarSection incidentId={i.id} />
                </div>
              </div>
              <PostmortemSection incidentId={i.id} />
            </Stack>
          )}
        </ApiStatus>
      </div>
    </PluginPage>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  page: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(2), minWidth: 0 }),
  columns: css({ display: 'grid', gridTemplateColumns: 'repeat(auto-fit, minmax(420px, 1fr))', gap: theme.spacing(2) }),
  column: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(2), minWidth: 0 }),
});

export default IncidentDetailPage;
