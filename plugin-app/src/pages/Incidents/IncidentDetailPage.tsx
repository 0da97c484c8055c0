import React from 'react';
import { useParams } from 'react-router-dom';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import { Badge, LinkButton, Stack, Text, useStyles2 } from '@grafana/ui';
import { apiGet } from '../../api/client';
import type { IncidentDetail, RcaResult } from '../../api/types';
import { useApi } from '../../api/useApi';
import { POLL_MS, prefixRoute, ROUTES } from '../../constants';
import { ApiStatus } from '../../shared/ApiStatus';
import { label, severityColor, statusColor, when } from '../../shared/format';
import { testIds } from '../../testIds';
import { ChangesSinceLastLook } from './ChangesSinceLastLook';
import { EvidenceSection } from './Evidence';
import { IncidentActions } from './IncidentActions';
import { PostmortemSection } from './Postmortem';
import { ExecutionsSection, RcaSection, RemediationsSection, SimilarSection, TimelineSection } from './sections';

const FINAL = ['resolved', 'closed'];

function IncidentDetailPage() {
  const { id = '' } = useParams();
  const styles = useStyles2(getStyles);
  const incident = useApi(() => apiGet<IncidentDetail>(`/api/v1/incidents/${encodeURIComponent(id)}`), [id], {
    pollMs: POLL_MS,
    topics: ['incidents', 'remediations', 'agent-activity'],
  });
  const rca = useApi(() => apiGet<RcaResult>(`/api/v1/incidents/${encodeURIComponent(id)}/rca`), [id], { pollMs: POLL_MS * 5 });
  const rcaData = rca.result?.kind === 'ok' ? rca.result.data : undefined;
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
                {i.assignee ? ` · assigned to ${i.assignee}` : ' · unassigned'}
                {i.resolution ? ` · resolution: ${i.resolution}` : ''}
              </Text>
              {i.description && <Text>{i.description}</Text>}
              <IncidentActions incident={i} candidates={(rcaData?.ranking ?? []).map((c) => c.service)} onChanged={incident.reload} />
              <ChangesSinceLastLook incident={i} />
              <EvidenceSection incident={i} rca={rcaData} />
              <div className={styles.columns}>
                <div className={styles.column}>
                  <RemediationsSection incidentId={i.id} incidentFinal={FINAL.includes(i.status)} onChanged={incident.reload} />
                  <RcaSection rca={rca} />
                </div>
                <div className={styles.column}>
                  <TimelineSection timeline={i.timeline} incidentId={i.id} onChanged={incident.reload} />
                  <ExecutionsSection incidentId={i.id} />
                  <SimilarSection incidentId={i.id} />
                </div>
              </div>
              <PostmortemSection incidentId={i.id} final={FINAL.includes(i.status)} onChanged={incident.reload} />
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
