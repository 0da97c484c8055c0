import React, { useMemo } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { type Column, InteractiveTable, Text, useStyles2 } from '@grafana/ui';
import { apiGet } from '../api/client';
import type { AgentStat } from '../api/types';
import { useApi } from '../api/useApi';
import { POLL_MS } from '../constants';
import { testIds } from '../testIds';
import { ApiStatus } from './ApiStatus';
import { duration, percent } from './format';


export function AgentStatsTable({ fromMs, toMs, compact = false }: { fromMs: number; toMs: number; compact?: boolean }) {
  const styles = useStyles2(getStyles);
  const from = new Date(fromMs).toISOString();
  const to = new Date(toMs).toISOString();
  const stats = useApi(() => apiGet<{ items: AgentStat[] }>('/api/v1/agents/stats', { from, to }), [from, to], POLL_MS * 2);
  const columns = useMemo<Array<Column<AgentStat>>>(
    () => [
      { id: 'agent', header: 'Agent' },
      { id: 'runs', header: 'Runs', cell: ({ row }) => `${row.original.runs} (${row.original.successes} ok)` },
      {
        id: 'success_rate',
        header: 'Success rate',
        cell: ({ row }) => (
          <div className={styles.rate}>
            <div className={styles.bar} style={{ width: `${Math.round((row.original.success_rate ?? 0) * 100)}%` }} />
            <span>{percent(row.original.success_rate, 1)}</span>
          </div>
        ),
      },
      { id: 'p95_ms', header: 'p95', cell: ({ row }) => duration(row.original.p95_ms) },
      ...(compact
        ? []
        : [
            { id: 'p50_ms', header: 'p50', cell: ({ row }: { row: { original: AgentStat } }) => duration(row.original.p50_ms) },
          ]),
    ],
    [styles, compact],
  );
  return (
    <div data-testid={testIds.agents.table} className={styles.wrap}>
      <ApiStatus result={stats.result} what="agent statistics">
        {(body) => {
          const rows = body.items;
          return rows.length ? (
            <InteractiveTable columns={columns} data={rows} getRowId={(r: AgentStat) => r.agent} />
          ) : (
            <Text color="secondary">No agent has run in this time range.</Text>
          );
        }}
      </ApiStatus>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  wrap: css({ overflowX: 'auto', minWidth: 0 }),
  rate: css({ position: 'relative', minWidth: 120, display: 'flex', alignItems: 'center', gap: theme.spacing(1) }),
  bar: css({ height: 6, maxWidth: 80, background: theme.colors.success.main, borderRadius: theme.shape.radius.default }),
});
