import React, { useMemo } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Badge, type Column, InteractiveTable, TextLink, useStyles2 } from '@grafana/ui';
import type { Incident } from '../api/types';
import { testIds } from '../testIds';
import { label, severityColor, statusColor, when } from './format';

/** Incidents as a sortable table; each title links to the incident's detail page (or calls onOpen). */
export function IncidentTable({ items, href, compact = false }: { items: Incident[]; href: (i: Incident) => string; compact?: boolean }) {
  const styles = useStyles2(getStyles);
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
        cell: ({ row }) => <Badge color={severityColor(row.original.severity)} text={row.original.severity} />,
      },
      {
        id: 'status',
        header: 'Status',
        cell: ({ row }) => <Badge color={statusColor(row.original.status)} text={label(row.original.status)} />,
      },
      ...(compact
        ? []
        : [
            { id: 'services', header: 'Services', cell: ({ row }: { row: { original: Incident } }) => row.original.services.join(', ') || '–' },
            { id: 'source', header: 'Source' },
          ]),
      { id: 'started_at', header: 'Started', cell: ({ row }) => when(row.original.started_at) },
    ],
    [href, styles.title, compact],
  );
  return (
    <div data-testid={testIds.incidents.list} className={styles.wrap}>
      <InteractiveTable columns={columns} data={items} getRowId={(i: Incident) => i.id} pageSize={15} />
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  wrap: css({ overflowX: 'auto', minWidth: 0 }),
  title: css({ fontWeight: theme.typography.fontWeightMedium }),
});
