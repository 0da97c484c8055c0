import React, { useEffect, useState } from 'react';
import { Alert, Text } from '@grafana/ui';
import type { IncidentDetail } from '../../api/types';
import { label, when } from '../../shared/format';
import { testIds } from '../../testIds';

interface Seen {
  at: string;
  status: string;
  assignee: string | null;
}

const key = (id: string) => `aegis-app.last-look.${id}`;

function readSeen(id: string): Seen | undefined {
  try {
    const raw = window.localStorage.getItem(key(id));
    return raw ? (JSON.parse(raw) as Seen) : undefined;
  } catch {
    return undefined;
  }
}

/** The changes since the last time this browser showed the incident: new timeline entries, status, owner. */
export function changesSince(incident: IncidentDetail, seen: Seen): string[] {
  const since = Date.parse(seen.at);
  const out: string[] = [];
  if (seen.status !== incident.status) out.push(`status ${label(seen.status)} → ${label(incident.status)}`);
  if ((seen.assignee ?? null) !== (incident.assignee ?? null)) out.push(`assignee ${seen.assignee ?? 'nobody'} → ${incident.assignee ?? 'nobody'}`);
  for (const e of incident.timeline) {
    if (Date.parse(e.at) > since && e.kind !== 'status') out.push(`${when(e.at)} · ${label(e.kind)}${e.actor ? ` by ${e.actor}` : ''}: ${e.message}`);
  }
  return out;
}

export function ChangesSinceLastLook({ incident }: { incident: IncidentDetail }) {
  const [seen] = useState(() => readSeen(incident.id));
  useEffect(() => {
    try {
      const now: Seen = { at: new Date().toISOString(), status: incident.status, assignee: incident.assignee ?? null };
      window.localStorage.setItem(key(incident.id), JSON.stringify(now));
    } catch {
      /* private mode: nothing remembered */
    }
  }, [incident]);
  if (!seen) return null;
  const changes = changesSince(incident, seen);
  return (
    <div data-testid={testIds.incidents.changes} data-count={changes.length}>
      <Alert severity={changes.length ? 'info' : 'success'} title={changes.length ? `Since you last looked (${when(seen.at)})` : `Nothing changed since you last looked (${when(seen.at)})`}>
        {changes.slice(0, 8).map((c) => (
          <div key={c}>
            <Text variant="bodySmall">{c}</Text>
          </div>
        ))}
        {changes.length > 8 && <Text variant="bodySmall">and {changes.length - 8} more in the timeline</Text>}
      </Alert>
    </div>
  );
}
