import React from 'react';
import { PanelPlugin, type PanelProps } from '@grafana/data';
import { ScrollContainer } from '@grafana/ui';
import { AgentStatsTable } from '../../shared/AgentStatsTable';

function AgentsPanel({ timeRange, width, height }: PanelProps) {
  return (
    <ScrollContainer height={height} width={width}>
      <AgentStatsTable fromMs={timeRange.from.valueOf()} toMs={timeRange.to.valueOf()} />
    </ScrollContainer>
  );
}

export const plugin = new PanelPlugin(AgentsPanel);
