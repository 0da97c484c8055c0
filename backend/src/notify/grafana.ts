import type { BusEvent } from '../events/bus.js';
import { UnavailableError } from '../platform/errors.js';
import type { Notifier } from './notifier.js';
import { scrubValue } from '../platform/scrub.js';

export interface DashboardRef {
  dashboardUID: string;
  panelId?: number;
}

/** `/d/<uid>/<slug>?viewPanel=4` (or `panel-4`, Grafana 11+) → the dashboard and panel an alert links to. */
export function dashboardRef(url: string | undefined): DashboardRef | undefined {
  if (!url) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url, 'http://grafana.invalid');
  } catch {
    return undefined;
  }
  const uid = /\/d\/([^/?#]+)/.exec(parsed.pathname)?.[1];
  if (!uid) return undefined;
  const panel = /^(?:panel-)?(\d+)$/.exec(parsed.searchParams.get('viewPanel') ?? '')?.[1];
  return { dashboardUID: decodeURIComponent(uid), ...(panel ? { panelId: Number(panel) } : {}) };
}

export interface GrafanaAnnotationOptions {
  url: string;
  token: string;
  /** Dashboards the incident's signals link to (Grafana alerts carry dashboardURL / panelURL). */
  dashboardsOf(incidentId: string): Promise<DashboardRef[]>;
  fetch?: typeof fetch;
}

interface IncidentLike {
  id: string;
  title: string;
  severity: string;
  services: string[];
  started_at?: string;
}

/**
 * Grafana annotations: an incident marks each dashboard its alerts came from (or the organisation,
 * when none is known) from its start; resolving it closes that region; remediation steps add points.
 */
export function createGrafanaAnnotator(o: GrafanaAnnotationOptions): Notifier {
  const send = o.fetch ?? fetch;
  const base = o.url.replace(/\/+$/, '');
  const byIncident = new Map<string, number[]>();
  const refsByIncident = new Map<string, DashboardRef[]>();

  const api = async (method: string, path: string, body: unknown): Promise<{ id?: number }> => {
    const res = await send(`${base}${path}`, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${o.token}` },
      // Annotation texts quote incident titles (alerts, logs): scrubbed before they leave.
      body: JSON.stringify(scrubValue(body)),
    });
    if (!res.ok) throw new UnavailableError(`Grafana ${method} ${path} answered ${res.status}`);
    return (await res.json().catch(() => ({}))) as { id?: number };
  };

  const refsFor = async (incidentId: string) => {
    const refs = refsByIncident.get(incidentId) ?? (await o.dashboardsOf(incidentId));
    refsByIncident.set(incidentId, refs);
    return refs.length ? refs : [undefined];
  };

  const annotate = async (incidentId: string, at: number, text: string, tags: string[]) => {
    const ids: number[] = [];
    for (const ref of await refsFor(incidentId)) {
      const created = await api('POST', '/api/annotations', { ...ref, time: at, tags, text });
      if (typeof created.id === 'number') ids.push(created.id);
    }
    return ids;
  };

  const onIncident = async (event: BusEvent) => {
    const incident = event.data as IncidentLike;
    if (event.type === 'incident.opened') {
      const at = Date.parse(incident.started_at ?? event.at);
      const tags = [
        'aegis',
        'incident',
        `severity:${incident.severity}`,
        ...incident.services.map((s) => `service:${s}`),
      ];
      byIncident.set(incident.id, await annotate(incident.id, at, `Aegis incident: ${incident.title}`, tags));
    } else if (event.type === 'incident.resolved') {
      for (const id of byIncident.get(incident.id) ?? [])
        await api('PATCH', `/api/annotations/${id}`, { timeEnd: Date.parse(event.at) });
      byIncident.delete(incident.id);
      refsByIncident.delete(incident.id);
    }
  };

  const onRemediation = async (event: BusEvent) => {
    const r = event.data as { incident_id?: string; action_type?: string; target?: string; status?: string };
    if (!r.incident_id || !['approved', 'succeeded', 'failed', 'reverted'].includes(r.status ?? '')) return;
    await annotate(r.incident_id, Date.parse(event.at), `Aegis remediation ${r.action_type} ${r.target}: ${r.status}`, [
      'aegis',
      'remediation',
      `remediation:${r.status}`,
    ]);
  };

  return {
    id: 'grafana-annotations',
    description: `Grafana annotations at ${base}`,
    topics: ['incidents', 'remediations'],
    notify: (event) => (event.topic === 'incidents' ? onIncident(event) : onRemediation(event)),
  };
}
