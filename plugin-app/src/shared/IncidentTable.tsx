import React, { useMemo } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Badge, type Column, InteractiveTable, TextLink, useStyles2 } from '@grafana/ui';
import type { Incident } from '../api/types';
import { testIds } from '../testIds';
import { elapsed, label, severityColor, severityRank, statusColor, when } from './format';

/** Incidents as a sortable table; each title links to the incident's detail page (or calls onOpen). */
export function IncidentTable({ items, href, compact = false }: { items: Incident[]; href: (i: Incident) => string; compact?: boolean }) {
  const styles = useStyles2(getStyles);
  const [nowMs] = React.useState(() => Date.now());
  const columns = useMemo<Array<Column<Incident>>>(
    () => [
      {
        id: 'title',
        header: 'Incident',
        cell: ({ row }) => (
          <span data-testid={testIds.incidents.row(row.original.id)} className={styles.title}>
            <TextLink href={href(row.original)} inline={false}>
              {row.original.title}
            </TextLink>
          </span>
        ),
      },
      {
        id: 'severity',
        header: 'Severity',
        cell: ({ row }) => (
          <span className={styles.nowrap}>
            <Badge color={severityColor(row.original.severity)} text={row.original.severity} />
          </span>
        ),
        sortType: (a, b) => severityRank(b.original.severity) - severityRank(a.original.severity),
      },
      {
        id: 'status',
        header: 'Status',
        cell: ({ row }) => (
          <span className={styles.nowrap}>
            <Badge color={statusColor(row.original.status)} text={label(row.original.status)} />
          </span>
        ),
        sortType: 'alphanumeric',
      },
      ...(compact
        ? []
        : [
            { id: 'services', header: 'Services', cell: ({ row }: { row: { original: Incident } }) => row.original.services.join(', ') || '–' },
            { id: 'assignee', header: 'Assignee', cell: ({ row }: { row: { original: Incident } }) => row.original.assignee ?? '–' },
            { id: 'source', header: 'Source' },
          ]),
      {
        id: 'started_at',
        header: 'Started',
        cell: ({ row }) => <span className={styles.nowrap}>{when(row.original.started_at)}</span>,
        sortType: (a, b) => Date.parse(a.original.started_at) - Date.parse(b.original.started_at),
      },
      {
        id: 'duration',
        header: 'Duration',
        cell: ({ row }) => <span className={styles.nowrap}>{elapsed(row.original.started_at, row.original.resolved_at, nowMs)}</span>,
      },
    ],
    [href, styles.title, styles.nowrap, compact, nowMs],
  );
  return (
    <div data-testid={testIds.incidents.list} className={styles.wrap}>
      <InteractiveTable columns={columns} data={items} getRowId={(i: Incident) => i.id} pageSize={15} initialSortBy={[{ id: 'started_at', desc: true }]} />
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  wrap: css({ overflowX: 'auto', minWidth: 0 }),
  title: css({ fontWeight: theme.typography.fontWeightMedium }),
  nowrap: css({ whiteSpace: 'nowrap' }),
});
