import React from 'react';
import type { PanelProps } from '@grafana/data';
import { Stack, Text, TextLink } from '@grafana/ui';
import { apiGet } from '../../api/client';
import type { Incident, IncidentList, Remediation } from '../../api/types';
import { useApi } from '../../api/useApi';
import { POLL_MS, prefixRoute, ROUTES } from '../../constants';
import { ApiStatus } from '../../shared/ApiStatus';
import { PanelBox } from '../../shared/PanelBox';
import { RemediationCard } from '../../shared/RemediationCard';

interface Pending {
  incident: Incident;
  remediation: Remediation;
}

/** Remediations waiting for a human: those of incidents in `awaiting_approval` that are still proposed. */
async function loadPending() {
  const incidents = await apiGet<IncidentList>('/api/v1/incidents', { status: 'awaiting_approval', limit: 20 });
  if (incidents.kind !== 'ok') return incidents;
  const lists = await Promise.all(
    incidents.data.items.map(async (incident) => {
      const r = await apiGet<{ items: Remediation[] }>(`/api/v1/incidents/${incident.id}/remediations`);
      return r.kind === 'ok' ? r.data.items.filter((x) => x.status === 'proposed').map((remediation) => ({ incident, remediation })) : [];
    }),
  );
  return { kind: 'ok' as const, data: lists.flat() };
}

export function ApprovalPanel({ width, height }: PanelProps) {
  const pending = useApi<Pending[]>(loadPending, [], POLL_MS);
  return (
    <PanelBox width={width} height={height}>
      <ApiStatus result={pending.result} what="remediations awaiting approval">
        {(items) =>
          items.length ? (
            <Stack direction="column" gap={1}>
              {items.map(({ incident, remediation }) => (
                <Stack key={remediation.id} direction="column" gap={0.5}>
                  <TextLink href={prefixRoute(`${ROUTES.Incidents}/${incident.id}`)} inline={false}>
                    {incident.title}
                  </TextLink>
                  <RemediationCard remediation={remediation} onChanged={pending.reload} />
                </Stack>
              ))}
            </Stack>
          ) : (
            <Text color="secondary">Nothing awaits approval.</Text>
          )
        }
      </ApiStatus>
    </PanelBox>
  );
}
