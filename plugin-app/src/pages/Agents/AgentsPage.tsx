import React, { useState } from 'react';
import { PluginPage } from '@grafana/runtime';
import { Field, RadioButtonGroup, Text } from '@grafana/ui';
import { AgentActivityFeed } from '../../shared/AgentActivityFeed';
import { AgentStatsTable } from '../../shared/AgentStatsTable';

const RANGES = [
  { label: 'Last hour', value: 3_600_000 },
  { label: 'Last 24 hours', value: 86_400_000 },
  { label: 'Last 7 days', value: 7 * 86_400_000 },
];

function AgentsPage() {
  const [span, setSpan] = useState(86_400_000);
  // The window ends now at each render; the table re-polls on its own.
  const [toMs] = useState(() => Date.now() + 3_600_000);
  return (
    <PluginPage subTitle="What the incident pipeline's agents did: runs, success rates and durations.">
      <Field label="Time range">
        <RadioButtonGroup size="sm" options={RANGES} value={span} onChange={setSpan} />
      </Field>
      <AgentStatsTable fromMs={toMs - 3_600_000 - span} toMs={toMs} />
      <div style={{ marginTop: 24 }}>
        <Text element="h3">Activity</Text>
        <AgentActivityFeed />
      </div>
    </PluginPage>
  );
}

export default AgentsPage;
