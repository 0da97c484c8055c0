import React from 'react';
import { PanelPlugin, type PanelProps } from '@grafana/data';
import { Text } from '@grafana/ui';
import { prefixRoute, ROUTES } from '../../constants';
import { ApiStatus } from '../../shared/ApiStatus';
import { PanelBox } from '../../shared/PanelBox';
import { IncidentTable } from '../../shared/IncidentTable';
import { useIncidents } from '../../shared/useIncidents';

interface Options {
  status: string;
  limit: number;
}

function IncidentsPanel({ options, width, height }: PanelProps<Options>) {
  const { result } = useIncidents({ status: options.status, limit: options.limit });
  return (
    <PanelBox width={width} height={height}>
      <ApiStatus result={result} what="incidents">
        {(list) =>
          list.items.length ? (
            <IncidentTable compact items={list.items} href={(i) => prefixRoute(`${ROUTES.Incidents}/${i.id}`)} />
          ) : (
            <Text color="secondary">No incidents.</Text>
          )
        }
      </ApiStatus>
    </PanelBox>
  );
}

export const plugin = new PanelPlugin<Options>(IncidentsPanel).setPanelOptions((builder) =>
  builder
    .addSelect({
      path: 'status',
      name: 'Status',
      defaultValue: '',
      settings: {
        options: ['', 'open', 'investigating', 'awaiting_approval', 'remediating', 'resolved', 'closed'].map((v) => ({
          value: v,
          label: v || 'all',
        })),
      },
    })
    .addNumberInput({ path: 'limit', name: 'Max incidents', defaultValue: 20 }),
);
