import React from 'react';
import { PanelPlugin, type PanelProps } from '@grafana/data';

import { AgentStatsTable } from '../../shared/AgentStatsTable';
import { PanelBox } from '../../shared/PanelBox';

function AgentsPanel({ timeRange, width, height }: PanelProps) {
  return (
    <PanelBox width={width} height={height}>
      <AgentStatsTable compact fromMs={timeRange.from.valueOf()} toMs={timeRange.to.valueOf()} />
    </PanelBox>
  );
}

export const plugin = new PanelPlugin(AgentsPanel);
