/** Fixtures for tests that post webhooks (ingest, notify, the end-to-end suites). */

/** A Grafana v1 notification with the given alerts (labels → one alert each). */
export function grafanaPayload(
  alerts: Array<{
    labels: Record<string, string>;
    status?: 'firing' | 'resolved';
    fingerprint?: string;
    startsAt?: string;
  }>,
  groupKey = '{}:{alertname="HighMemory"}',
) {
  return {
    receiver: 'aegis',
    status: alerts.some((a) => (a.status ?? 'firing') === 'firing') ? 'firing' : 'resolved',
    orgId: 1,
    alerts: alerts.map((a, i) => ({
      status: a.status ?? 'firing',
      labels: a.labels,
      annotations: { summary: `summary ${i}` },
      startsAt: a.startsAt ?? '2026-01-01T00:00:00Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://grafana:3000/alerting/grafana/abc/view',
      fingerprint: a.fingerprint ?? `fp-${JSON.stringify(a.labels).length}-${i}`,
      silenceURL: '',
      dashboardURL: '',
      panelURL: '',
      values: { B: 0.93, C: 1 },
    })),
    groupLabels: { alertname: 'HighMemory' },
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://grafana:3000/',
    version: '1',
    groupKey,
    truncatedAlerts: 0,
    title: '[FIRING] HighMemory',
    state: 'alerting',
    message: '',
  };
}
