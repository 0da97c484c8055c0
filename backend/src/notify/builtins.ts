import type { IncidentRepository } from '../store/incidents.js';
import { createGrafanaAnnotator, dashboardRef, type DashboardRef } from './grafana.js';
import type { Notifier } from './notifier.js';
import { createSlackNotifier } from './slack.js';

export interface BuiltinNotifierOptions {
  slackWebhookUrl?: string;
  slackBotToken?: string;
  slackChannel?: string;
  grafanaUrl?: string;
  grafanaToken?: string;
  incidents: Pick<IncidentRepository, 'getDetail'>;
  fetch?: typeof fetch;
}

/** Dashboards an incident's alerts link to (Grafana's dashboardURL / panelURL), deduplicated. */
export async function incidentDashboards(
  incidents: Pick<IncidentRepository, 'getDetail'>,
  id: string,
): Promise<DashboardRef[]> {
  const detail = await incidents.getDetail(id);
  const refs = new Map<string, DashboardRef>();
  for (const s of detail.signals) {
    const p = (s.payload ?? {}) as { panel_url?: string; dashboard_url?: string };
    const ref = dashboardRef(p.panel_url) ?? dashboardRef(p.dashboard_url);
    if (ref) refs.set(`${ref.dashboardUID}/${ref.panelId ?? ''}`, ref);
  }
  return [...refs.values()];
}

/** The notifiers the configuration asks for: Slack when a webhook or bot token is set, Grafana when URL + token are. */
export function builtinNotifiers(o: BuiltinNotifierOptions): Notifier[] {
  const grafanaApp = o.grafanaUrl ? `${o.grafanaUrl.replace(/\/+$/, '')}/a/aegis-app/incidents` : undefined;
  const slack = createSlackNotifier({
    webhookUrl: o.slackWebhookUrl,
    botToken: o.slackBotToken,
    channel: o.slackChannel,
    incidentLink: grafanaApp ? (id) => `${grafanaApp}/${id}` : undefined,
    fetch: o.fetch,
  });
  const grafana =
    o.grafanaUrl && o.grafanaToken
      ? createGrafanaAnnotator({
          url: o.grafanaUrl,
          token: o.grafanaToken,
          dashboardsOf: (id) => incidentDashboards(o.incidents, id),
          fetch: o.fetch,
        })
      : undefined;
  return [slack, grafana].filter((n): n is Notifier => n !== undefined);
}
