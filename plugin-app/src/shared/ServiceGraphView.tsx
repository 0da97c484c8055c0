import React from 'react';
import { css } from '@emotion/css';
import { type GrafanaTheme2, getDefaultTimeRange, LoadingState } from '@grafana/data';
import { PanelRenderer } from '@grafana/runtime';
import { Badge, Stack, Text, useStyles2 } from '@grafana/ui';
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

const getStyles = (theme: GrafanaTheme2) => ({
  wrap: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(1), minWidth: 0 }),
});
