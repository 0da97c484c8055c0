import React from 'react';
import { PanelPlugin, type PanelProps } from '@grafana/data';
import { ServiceGraphView } from '../../shared/ServiceGraphView';

interface Options {
  namespace: string;
}

function ServiceGraphPanel({ options, width, height }: PanelProps<Options>) {
  // Leave room for the summary line above the graph.
  return <ServiceGraphView width={width} height={Math.max(120, height - 32)} namespace={options.namespace || undefined} />;
}

export const plugin = new PanelPlugin<Options>(ServiceGraphPanel).setPanelOptions((builder) =>
  builder.addTextInput({ path: 'namespace', name: 'Namespace', description: 'Empty: all namespaces', defaultValue: '' }),
);
