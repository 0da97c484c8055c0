import React, { Suspense, lazy } from 'react';
import { AppPlugin, type AppRootProps, PluginExtensionPoints } from '@grafana/data';
import { LoadingPlaceholder } from '@grafana/ui';
import type { AppConfigProps, AppJsonData } from './components/AppConfig/AppConfig';
import { prefixRoute, ROUTES } from './constants';

const LazyApp = lazy(() => import('./components/App/App'));
const LazyAppConfig = lazy(() => import('./components/AppConfig/AppConfig'));

const App = (props: AppRootProps) => (
  <Suspense fallback={<LoadingPlaceholder text="" />}>
    <LazyApp {...props} />
  </Suspense>
);

const AppConfig = (props: AppConfigProps) => (
  <Suspense fallback={<LoadingPlaceholder text="" />}>
    <LazyAppConfig {...props} />
  </Suspense>
);

interface AlertLinkContext {
  name?: string;
  labels?: Record<string, string>;
  rule?: { name?: string; uid?: string; labels?: Record<string, string> };
  instance?: { labels?: Record<string, string> };
}

/** "Investigate in Aegis" from an alert rule or instance: the incident list filtered to the alert's service. */
export function investigatePath(ctx: AlertLinkContext | undefined): string | undefined {
  const labels = { ...ctx?.labels, ...ctx?.rule?.labels, ...ctx?.instance?.labels };
  const alertname = labels.alertname ?? ctx?.rule?.name ?? ctx?.name;
  if (!alertname && !labels.service) return undefined;
  const q = new URLSearchParams();
  if (labels.service) q.set('service', labels.service);
  if (alertname) q.set('alertname', alertname);
  if (ctx?.rule?.uid) q.set('ruleUID', ctx.rule.uid);
  return `${prefixRoute(ROUTES.Incidents)}?${q.toString()}`;
}

export const plugin = new AppPlugin<AppJsonData>()
  .setRootPage(App)
  .addConfigPage({ title: 'Configuration', icon: 'cog', body: AppConfig, id: 'configuration' })
  .addLink<AlertLinkContext>({
    targets: [PluginExtensionPoints.AlertInstanceAction, PluginExtensionPoints.AlertingAlertingRuleAction],
    title: 'Investigate in Aegis',
    description: 'Open the Aegis incidents, root cause ranking and remediation for this alert',
    icon: 'search',
    configure: (ctx) => {
      const path = investigatePath(ctx);
      return path ? { path } : undefined;
    },
  });
