import { z } from 'zod';
import { defineRoute, type RouteDef } from '../api/route.js';
import type { Clock } from '../platform/clock.js';
import { failpoint } from '../platform/failpoints.js';
import {
  alertmanagerNotificationSchema,
  alertSignals,
  grafanaNotificationSchema,
  isGrafanaTestAlert,
  type AlertNotification,
} from './alerts.js';
import { deliveryAudit, rawBody, signatureOrBearer } from './auth.js';
import type { SignalOutcome } from './signal.js';
import { verifyGrafanaSignature } from './signature.js';
import type { SignalWriter } from './writer.js';

export const GRAFANA_SIGNATURE_HEADER = 'x-grafana-alerting-signature';
export const GRAFANA_TIMESTAMP_HEADER = 'x-grafana-alerting-timestamp';

export const acceptedSchema = z
  .object({
    accepted: z.number().int().describe('signals in the delivery'),
    opened: z.number().int(),
    joined: z.number().int(),
    duplicates: z.number().int().describe('re-deliveries of signals already stored'),
    resolved: z.number().int(),
    incidents: z.array(z.uuid()),
    test: z.boolean().optional().describe('a contact-point test notification: accepted, opens no incident'),
  })
  .meta({ id: 'WebhookAccepted' });
export type Accepted = z.infer<typeof acceptedSchema>;

export function summarise(outcomes: SignalOutcome[]): Accepted {
  const count = (r: SignalOutcome['result']) => outcomes.filter((o) => o.result === r).length;
  return {
    accepted: outcomes.length,
    opened: count('opened'),
    joined: count('joined'),
    duplicates: count('duplicate'),
    resolved: count('resolved'),
    incidents: [...new Set(outcomes.flatMap((o) => (o.incident_id ? [o.incident_id] : [])))],
  };
}

export interface AlertWebhookDeps {
  writer: SignalWriter;
  clock: Clock;
  grafanaSecret?: string;
}

/** Grafana alerting (v1) and Alertmanager (v4): answered 202 once every alert is committed. */
export function alertWebhookRoutes({ writer, clock, grafanaSecret }: AlertWebhookDeps): RouteDef[] {
  const ingest = async (
    source: 'grafana' | 'alertmanager',
    notification: AlertNotification,
    audit: Parameters<SignalWriter['submit']>[1],
  ) => {
    failpoint('ingest.after-parse');
    const real = {
      ...notification,
      alerts: notification.alerts.filter((a) => !(source === 'grafana' && isGrafanaTestAlert(a))),
    };
    const test = real.alerts.length < notification.alerts.length;
    const outcomes = await writer.submit(
      alertSignals(source, real),
      audit && { ...audit, details: { ...audit.details, test } },
    );
    failpoint('ingest.after-commit');
    return { status: 202, body: { ...summarise(outcomes), ...(test ? { test } : {}) } };
  };

  return [
    defineRoute({
      method: 'post',
      path: '/webhooks/grafana',
      operationId: 'grafanaWebhook',
      summary: 'Grafana alerting webhook contact point (payload version "1"); HMAC-SHA256 signature or bearer token',
      tags: ['webhooks'],
      permission: 'ingest',
      body: grafanaNotificationSchema,
      response: acceptedSchema,
      status: 202,
      audit: { action: 'webhook.grafana', recordedByHandler: true },
      authenticate: signatureOrBearer({
        source: 'grafana',
        header: GRAFANA_SIGNATURE_HEADER,
        secret: grafanaSecret,
        secretName: 'AEGIS_GRAFANA_WEBHOOK_SECRET',
        verify: (req, signature, secret) =>
          verifyGrafanaSignature({
            secret,
            signature,
            body: rawBody(req),
            timestamp: req.header(GRAFANA_TIMESTAMP_HEADER),
            nowMs: clock.nowMs(),
          }),
      }),
      handler: ({ body, req, principal }) =>
        ingest('grafana', body, deliveryAudit(req, principal, 'webhook.grafana', { receiver: body.receiver })),
    }),
    defineRoute({
      method: 'post',
      path: '/webhooks/alertmanager',
      operationId: 'alertmanagerWebhook',
      summary: 'Prometheus Alertmanager webhook receiver (payload version "4"); bearer token',
      tags: ['webhooks'],
      permission: 'ingest',
      body: alertmanagerNotificationSchema,
      response: acceptedSchema,
      status: 202,
      audit: { action: 'webhook.alertmanager', recordedByHandler: true },
      handler: ({ body, req, principal }) =>
        ingest(
          'alertmanager',
          body,
          deliveryAudit(req, principal, 'webhook.alertmanager', { receiver: body.receiver }),
        ),
    }),
  ];
}
