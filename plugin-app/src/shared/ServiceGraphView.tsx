import React from 'react';
import { css } from '@emotion/css';
import { type GrafanaTheme2, getDefaultTimeRange, LoadingState } from '@grafana/data';
import { PanelRenderer } from '@grafana/runtime';
import { Badge, Stack, Text, useStyles2, useTheme2 } from '@grafana/ui';
import { apiGet } from '../api/client';
import type { ServiceGraph } from '../api/types';
import { useApi } from '../api/useApi';
import { POLL_MS } from '../constants';
import { testIds } from '../testIds';
import { ApiStatus } from './ApiStatus';
import { percent } from './format';
import { graphToFrames, ROOT_CAUSE_MIN } from './graphFrames';

/** The service graph in Grafana's own Node Graph panel, with the current root cause named above it. */
export function ServiceGraphView({ width, height, namespace }: { width: number; height: number; namespace?: string }) {
  const styles = useStyles2(getStyles);
  const graph = useApi(() => apiGet<ServiceGraph>('/api/v1/graph', { namespace }), [namespace], POLL_MS * 3);
  return (
    <div data-testid={testIds.graph.container} className={styles.wrap}>
      <ApiStatus result={graph.result} what="the service graph">
        {(g) => {
          const root = [...g.nodes].sort((a, b) => b.rootCause - a.rootCause)[0];
          return (
            <>
              <Stack alignItems="center" gap={1} wrap="wrap">
                <Text color="secondary">
                  {g.nodes.length} services · {g.edges.length} calls
                </Text>
                {root && root.rootCause >= ROOT_CAUSE_MIN ? (
                  <Badge color="red" icon="exclamation-triangle" text={`Root cause: ${root.title} (${percent(root.rootCause)})`} />
                ) : (
                  <Badge color="green" text="No root cause identified" />
                )}
              </Stack>
              <GraphLegend nodes={g.nodes} />
              <PanelRenderer
                title="Service graph"
                pluginId="nodeGraph"
                width={width}
                height={height}
                data={{ state: LoadingState.Done, series: graphToFrames(g), timeRange: getDefaultTimeRange() }}
                options={{}}
              />
            </>
          );
        }}
      </ApiStatus>
    </div>
  );
}

const HEALTH: Array<{ health: string; color: string; meaning: string }> = [
  { health: 'healthy', color: 'green', meaning: 'no open anomaly' },
  { health: 'degraded', color: 'orange', meaning: 'an open anomaly' },
  { health: 'failing', color: 'red', meaning: 'anomaly score ≥ 0.9' },
  { health: 'unknown', color: 'text', meaning: 'no data yet' },
];

/** What the ring colours, sizes and labels of the Node Graph mean, with how many services are in each health state. */
function GraphLegend({ nodes }: { nodes: ServiceGraph['nodes'] }) {
  const styles = useStyles2(getStyles);
  const theme = useTheme2();
  return (
    <div className={styles.legend} data-testid={testIds.graph.legend}>
      {HEALTH.map((h) => (
        <span key={h.health} className={styles.item} title={h.meaning}>
          <span
            className={styles.ring}
            style={{ borderColor: h.color === 'text' ? theme.colors.text.secondary : theme.visualization.getColorByName(h.color) }}
          />
          {h.health} ({nodes.filter((n) => n.health === h.health).length})
        </span>
      ))}
      <span className={styles.item}>size = criticality (services that depend on it)</span>
      <span className={styles.item}>node: requests/s in · p95 · edges: requests/s · p95 · error rate</span>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  wrap: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(1), minWidth: 0 }),
  legend: css({ display: 'flex', flexWrap: 'wrap', gap: theme.spacing(0.5, 2), color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
  item: css({ display: 'inline-flex', alignItems: 'center', gap: theme.spacing(0.5), whiteSpace: 'nowrap' }),
  ring: css({ display: 'inline-block', width: 12, height: 12, borderRadius: '50%', border: '3px solid' }),
});
