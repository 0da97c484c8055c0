/** Ingestion: webhooks and internal sources → one signal model → deduped, grouped, durable incidents. */
export { createIngest, type Ingest, type IngestOptions } from './service.js';
export { createSignalWriter, type SignalWriter, type SignalWriterOptions, type DeliveryAudit } from './writer.js';
export { SIGNAL_SOURCES, type Signal, type SignalOutcome, type SignalSource } from './signal.js';
export {
  alertSignals,
  grafanaNotificationSchema,
  alertmanagerNotificationSchema,
  isGrafanaTestAlert,
} from './alerts.js';
export { anomalySignal, kubernetesSignal, INCIDENT_REASONS, type KubeEventInput } from './internal.js';
export {
  sign,
  verifyGithubSignature,
  verifyGrafanaSignature,
  verifySlackSignature,
  REPLAY_WINDOW_SECONDS,
} from './signature.js';
export { GRAFANA_SIGNATURE_HEADER, GRAFANA_TIMESTAMP_HEADER } from './routes.js';
export {
  githubContentsApi,
  githubWebhookRoutes,
  iacEngineScanner,
  type GithubContentsPort,
  type IacScanPort,
} from './github.js';
export { slackWebhookRoutes, type RemediationDecisions, type SlackUser } from './slack.js';
