import React, { useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import { Badge, Field, Input, RadioButtonGroup, Stack, Text, useStyles2 } from '@grafana/ui';
import { POLL_MS, prefixRoute, ROUTES } from '../../constants';
import { ApiStatus } from '../../shared/ApiStatus';
import { IncidentTable } from '../../shared/IncidentTable';
import { type IncidentFilters, useIncidents } from '../../shared/useIncidents';

const STATUS = ['', 'open', 'investigating', 'awaiting_approval', 'remediating', 'resolved', 'closed'];
const SEVERITY = ['', 'critical', 'high', 'medium', 'low', 'info'];
const options = (values: string[]) => values.map((v) => ({ label: v ? v.replace(/_/g, ' ') : 'all', value: v }));

function IncidentsPage() {
  const styles = useStyles2(getStyles);
  const [search] = useSearchParams();
  // "Investigate in Aegis" links from Grafana alerts arrive with ?service=…
  const [filters, setFilters] = useState<IncidentFilters>({ status: '', severity: '', service: search.get('service') ?? '' });
  const { result, live } = useIncidents(filters);
  const set = (patch: IncidentFilters) => setFilters((f) => ({ ...f, ...patch }));
  return (
    <PluginPage subTitle="Live incidents from detection, Grafana alerts and other sources; updated every few seconds.">
      <div className={styles.filters}>
        <Field label="Status">
          <RadioButtonGroup size="sm" options={options(STATUS)} value={filters.status} onChange={(status) => set({ status })} />
        </Field>
        <Field label="Severity">
          <RadioButtonGroup size="sm" options={options(SEVERITY)} value={filters.severity} onChange={(severity) => set({ severity })} />
        </Field>
        <Field label="Service">
          <Input width={20} placeholder="e.g. cartservice" value={filters.service ?? ''} onChange={(e) => set({ service: e.currentTarget.value })} />
        </Field>
        <Field label="Search">
          <Input width={24} placeholder="title or description" value={filters.q ?? ''} onChange={(e) => set({ q: e.currentTarget.value })} />
        </Field>
      </div>
      <div className={styles.live} data-testid="aegis-live-state" data-live={live}>
        <Badge color={live ? 'green' : 'blue'} icon={live ? 'bolt' : 'sync'} text={live ? 'Live: backend events' : `Polling every ${POLL_MS / 1000} s`} />
      </div>
      <ApiStatus result={result} what="incidents">
        {(list) =>
          list.items.length ? (
            <IncidentTable items={list.items} href={(i) => prefixRoute(`${ROUTES.Incidents}/${i.id}`)} />
          ) : (
            <Stack direction="column">
              <Text color="secondary">No incidents match. Detection and Grafana alerts open them here as they happen.</Text>
            </Stack>
          )
        }
      </ApiStatus>
    </PluginPage>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  filters: css({ display: 'flex', flexWrap: 'wrap', gap: theme.spacing(0, 2), marginBottom: theme.spacing(1) }),
  live: css({ marginBottom: theme.spacing(1) }),
});

export default IncidentsPage;
