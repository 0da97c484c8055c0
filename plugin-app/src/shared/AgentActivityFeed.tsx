import React, { useEffect, useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Badge, Text, useStyles2 } from '@grafana/ui';
import { type LiveEvent, subscribeLive } from '../api/live';
import { duration, statusColor } from './format';

const KEEP = 30;

/** Agent starts and finishes as the pipeline reports them, newest first, while the page is open. */
export function AgentActivityFeed() {
  const styles = useStyles2(getStyles);
  const [events, setEvents] = useState<LiveEvent[]>([]);
  const [connected, setConnected] = useState(false);
  useEffect(() => subscribeLive(['agent-activity'], (e) => setEvents((list) => [e, ...list].slice(0, KEEP)), setConnected), []);
  return (
    <div className={styles.feed} data-testid="aegis-agent-activity">
      <Text color="secondary" variant="bodySmall">
        {connected ? 'Live: agent events from the backend appear here as they happen.' : 'Connecting to the backend for live agent events…'}
      </Text>
      {events.length === 0 && connected && <Text color="secondary">No agent activity since this page opened.</Text>}
      <ul className={styles.list}>
        {events.map((e, n) => {
          const status = typeof e.data.status === 'string' ? e.data.status : e.type.endsWith('started') ? 'running' : '';
          return (
            <li key={`${e.at}-${n}`} className={styles.item}>
              <Text variant="bodySmall" color="secondary">
                {new Date(e.at).toLocaleTimeString()}
              </Text>
              <span>{String(e.data.agent ?? e.type)}</span>
              {status && <Badge color={statusColor(status)} text={status} />}
              {typeof e.data.duration_ms === 'number' && <Text variant="bodySmall">{duration(e.data.duration_ms)}</Text>}
              {typeof e.data.error === 'string' && <Text variant="bodySmall" color="error">{e.data.error}</Text>}
            </li>
          );
        })}
      </ul>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  feed: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(1), marginTop: theme.spacing(3) }),
  list: css({ listStyle: 'none', margin: 0, padding: 0, display: 'flex', flexDirection: 'column', gap: theme.spacing(0.5) }),
  item: css({ display: 'flex', alignItems: 'center', gap: theme.spacing(1), flexWrap: 'wrap' }),
});
