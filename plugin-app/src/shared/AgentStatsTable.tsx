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


/** Runs that finished and did their job: not refused, not abstained, not failed. */
const done = (s: AgentStat) => s.successes - (s.refusals ?? 0) - (s.abstentions ?? 0);

/** Per agent: runs, what came of them (done, refused by policy, abstained, failed) and durations. */
export function AgentStatsTable({ fromMs, toMs, compact = false }: { fromMs: number; toMs: number; compact?: boolean }) {
  const styles = useStyles2(getStyles);
  const from = new Date(fromMs).toISOString();
  const to = new Date(toMs).toISOString();
  const stats = useApi(() => apiGet<{ items: AgentStat[] }>('/api/v1/agents/stats', { from, to }), [from, to], POLL_MS * 2);
  const columns = useMemo<Array<Column<AgentStat>>>(
    () => [
      { id: 'agent', header: 'Agent' },
      { id: 'runs', header: 'Runs', sortType: 'number' },
      { id: 'done', header: 'Done', cell: ({ row }) => done(row.original) },
      { id: 'refusals', header: 'Refused', cell: ({ row }) => row.original.refusals ?? 0 },
      { id: 'abstentions', header: 'Abstained', cell: ({ row }) => row.original.abstentions ?? 0 },
      { id: 'failed', header: 'Failed', cell: ({ row }) => row.original.runs - row.original.successes },
      {
        id: 'success_rate',
        header: 'Done rate',
        cell: ({ row }) => {
          const rate = row.original.runs ? done(row.original) / row.original.runs : 0;
          return (
            <div className={styles.rate}>
              <div className={styles.bar} style={{ width: `${Math.round(rate * 80)}px` }} />
              <span>{percent(rate, 1)}</span>
            </div>
          );
        },
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
  bar: css({ height: 6, background: theme.colors.success.main, borderRadius: theme.shape.radius.default }),
});
