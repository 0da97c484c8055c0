import { z } from 'zod';
import { clip } from '../platform/storable.js';
import { namespaceFromLabels, serviceFromLabels, severityFromLabel, type Signal, type SignalSource } from './signal.js';

const labelMap = z.record(z.string().max(1000), z.string().max(10_000)).default({});
const timestamp = z
  .string()
  .max(64)
  .refine((s) => !Number.isNaN(Date.parse(s)), 'must be an RFC 3339 timestamp');

/** One alert of an Alertmanager (v4) or Grafana (v1) notification; Grafana adds URLs and values. */
const alertSchema = z.object({
  status: z.enum(['firing', 'resolved']),
  labels: labelMap,
  annotations: labelMap,
  startsAt: timestamp,
  endsAt: timestamp.optional(),
  // Grafana 12 test notifications send a relative URL ("?orgId=1"): any string is accepted.
  generatorURL: z.string().max(4000).optional().default(''),
  fingerprint: z.string().min(1).max(200).optional(),
  silenceURL: z.string().max(4000).optional(),
  dashboardURL: z.string().max(4000).optional(),
  panelURL: z.string().max(4000).optional(),
  ruleUID: z.string().max(200).optional(),
  values: z.record(z.string(), z.number().nullable()).nullable().optional(),
  valueString: z.string().max(20_000).optional(),
  imageURL: z.string().max(4000).optional(),
  orgId: z.number().optional(),
});
export type WebhookAlert = z.infer<typeof alertSchema>;

const notificationBase = {
  receiver: z.string().max(500).default(''),
  status: z.enum(['firing', 'resolved']),
  alerts: z.array(alertSchema).min(1, 'a notification carries at least one alert').max(10_000),
  groupLabels: labelMap,
  commonLabels: labelMap,
  commonAnnotations: labelMap,
  externalURL: z.string().max(4000).default(''),
  groupKey: z.string().max(10_000).default(''),
  truncatedAlerts: z.number().int().min(0).optional(),
};

/** Grafana-managed alerting's webhook contact point (payload version "1"). */
export const grafanaNotificationSchema = z
  .object({
    ...notificationBase,
    version: z.literal('1', { message: 'Grafana webhook payload version must be "1"' }),
    orgId: z.number().optional(),
    title: z.string().max(10_000).optional(),
    state: z.string().max(50).optional(),
    message: z.string().max(100_000).optional(),
  })
  .meta({ id: 'GrafanaWebhook' });

/** Prometheus Alertmanager's webhook_config (payload version "4"). */
export const alertmanagerNotificationSchema = z
  .object({
    ...notificationBase,
    version: z.literal('4', { message: 'Alertmanager webhook payload version must be "4"' }),
  })
  .meta({ id: 'AlertmanagerWebhook' });

export interface AlertNotification {
  groupKey: string;
  alerts: WebhookAlert[];
  commonLabels: Record<string, string>;
  externalURL: string;
}

/** Grafana's "Test" button on a contact point sends this fixed alert. */
export function isGrafanaTestAlert(alert: WebhookAlert): boolean {
  return alert.labels.alertname === 'TestAlert' && alert.labels.instance === 'Grafana';
}

/**
 * One signal per alert. The dedupe key is the alert's fingerprint and when it started: re-sends at every
 * group interval carry both unchanged, while a new firing of the same alert starts later. The group key
 * is context only (kept in the payload): a `group_by` change and reload re-sends the same alert under a
 * new group key, and its resolve comes only under that one. A resolved alert carries the same key, so it
 * resolves the signal it fired as.
 */
export function alertSignals(
  source: Extract<SignalSource, 'grafana' | 'alertmanager'>,
  n: AlertNotification,
): Signal[] {
  return n.alerts.map((alert) => {
    const labels = { ...n.commonLabels, ...alert.labels };
    const fingerprint = alert.fingerprint ?? fingerprintOf(labels);
    const startsAt = new Date(alert.startsAt);
    const name = labels.alertname ?? 'alert';
    const service = serviceFromLabels(labels);
    const summary = alert.annotations.summary ?? alert.annotations.description ?? alert.annotations.message ?? '';
    return {
      source,
      kind: 'alert',
      dedupe_key: `${source}:${fingerprint}:${startsAt.toISOString()}`,
      status: alert.status,
      service,
      namespace: namespaceFromLabels(labels),
      severity: severityFromLabel(labels.severity ?? labels.priority),
      title: service ? `${name} on ${service}` : name,
      summary: clip(summary, 2000),
      labels,
      starts_at: startsAt,
      group_hint: n.groupKey || name,
      payload: {
        alertname: name,
        fingerprint,
        group_key: n.groupKey,
        labels,
        annotations: alert.annotations,
        generator_url: absoluteUrl(alert.generatorURL, n.externalURL),
        dashboard_url: alert.dashboardURL || undefined,
        panel_url: alert.panelURL || undefined,
        silence_url: alert.silenceURL || undefined,
        rule_uid: alert.ruleUID,
        values: alert.values ?? undefined,
      },
    };
  });
}

/** Alertmanager fingerprints a label set; when a sender omits it we derive a stable one the same way. */
function fingerprintOf(labels: Record<string, string>): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',');
}

/** Relative generator URLs (Grafana 12 tests) are resolved against the sender's external URL when it has one. */
function absoluteUrl(url: string, base: string): string | undefined {
  if (!url) return undefined;
  if (/^https?:\/\//i.test(url)) return url;
  try {
    return new URL(url, base || undefined).toString();
  } catch {
    return url;
  }
}
