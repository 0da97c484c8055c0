/** Notifications: WebSocket events, Slack messages with approval buttons, Grafana annotations. */
export { attachRealtime, type Realtime, type RealtimeOptions } from './realtime.js';
export { dispatchNotifications, isNotifier, type Notifier, type NotificationDispatcher } from './notifier.js';
export {
  APPROVE_ACTION,
  REJECT_ACTION,
  createSlackNotifier,
  loadSlackSettings,
  slackMessageFor,
  slackSettingsSchema,
  type SlackMessage,
  type SlackNotifierOptions,
  type SlackSettings,
} from './slack.js';
export { createGrafanaAnnotator, dashboardRef, type DashboardRef, type GrafanaAnnotationOptions } from './grafana.js';
export { builtinNotifiers, incidentDashboards, type BuiltinNotifierOptions } from './builtins.js';
