import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/helpers/server.js';
import { sign } from './signature.js';
import { grafanaPayload } from './testing.js';

const SECRET = 'grafana-webhook-secret-for-tests';
// The pipeline may already be investigating an incident ingestion opened.
const UNRESOLVED = ['open', 'investigating', 'awaiting_approval', 'remediating'];

const GRAFANA_12_TEST = {
  receiver: 'aegis',
  status: 'firing',
  alerts: [
    {
      status: 'firing',
      labels: { alertname: 'TestAlert', instance: 'Grafana' },
      annotations: { summary: 'Notification test' },
      startsAt: '2026-08-04T18:18:14.277530318Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: '?orgId=1',
      fingerprint: '57c6d9296de2ad39',
      silenceURL: 'http://grafana:3000/alerting/silence/new?alertmanager=grafana&matcher=alertname%3DTestAlert',
      dashboardURL: '',
      panelURL: '',
      values: null,
      valueString: "[ metric='foo' labels={instance=bar} value=10 ]",
    },
  ],
  groupLabels: { alertname: 'TestAlert', instance: 'Grafana' },
  commonLabels: { alertname: 'TestAlert', instance: 'Grafana' },
  commonAnnotations: { summary: 'Notification test' },
  externalURL: 'http://grafana:3000/',
  version: '1',
  groupKey: 'test-57c6d9296de2ad39-1754331494',
  truncatedAlerts: 0,
  orgId: 1,
  title: '[FIRING:1] TestAlert Grafana ',
  state: 'alerting',
  message: '**Firing**',
};

describe('Grafana and Alertmanager webhooks', () => {
  let server: TestServer;
  let ingestToken: string;
  let viewerToken: string;
  const now = () => String(Math.floor(Date.now() / 1000));

  beforeAll(async () => {
    server = await startTestServer({ env: { AEGIS_GRAFANA_WEBHOOK_SECRET: SECRET, AEGIS_SIMULATOR: '0' } });
    ingestToken = await server.token('ingest');
    viewerToken = await server.token('viewer');
  });
  afterAll(async () => server?.stop());

  const signed = (payload: unknown, opts: { secret?: string; timestamp?: string; bearer?: string } = {}) => {
    const raw = JSON.stringify(payload);
    const headers: Record<string, string> = {
      'x-grafana-alerting-signature': sign.grafana(opts.secret ?? SECRET, raw, opts.timestamp),
    };
    if (opts.timestamp !== undefined) headers['x-grafana-alerting-timestamp'] = opts.timestamp;
    return server.request('POST', '/api/v1/webhooks/grafana', { rawBody: raw, headers, token: opts.bearer });
  };
  const auditFor = async (action: string) =>
    (await server.request('GET', `/api/v1/audit?action=${action}&limit=100`, { token: server.adminToken })).body
      .items as Array<{
      result: string;
      status: number;
      actor: string;
      details: Record<string, unknown>;
    }>;

  it('accepts a signed notification with 202 and opens one incident; a re-delivery opens none', async () => {
    const payload = grafanaPayload([
      { labels: { alertname: 'HighMemory', service: 'cartservice', severity: 'critical' } },
    ]);
    const first = await signed(payload);
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ accepted: 1, opened: 1, duplicates: 0 });
    const again = await signed(payload, { timestamp: now() });
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({ accepted: 1, opened: 0, duplicates: 1, incidents: [] });
    const detail = await server.request('GET', `/api/v1/incidents/${first.body.incidents[0]}`, {
      token: server.adminToken,
    });
    expect(detail.body).toMatchObject({ services: ['cartservice'], severity: 'critical', source: 'grafana' });
    expect(UNRESOLVED).toContain(detail.body.status);
    expect(detail.body.signals).toHaveLength(1);
    const audit = await auditFor('webhook.grafana');
    expect(audit.filter((a) => a.result === 'success').length).toBeGreaterThanOrEqual(2);
    expect(audit[0]).toMatchObject({ actor: 'webhook:grafana', status: 202 });
  });

  it('refuses a forged signature with 401 and audits it, even with a valid bearer token', async () => {
    const payload = grafanaPayload([{ labels: { alertname: 'Forged', service: 'paymentservice' } }]);
    const forged = await signed(payload, { secret: 'not-the-secret' });
    expect(forged.status).toBe(401);
    expect(forged.body.error.code).toBe('unauthenticated');
    const withToken = await signed(payload, { secret: 'not-the-secret', bearer: ingestToken });
    expect(withToken.status).toBe(401);
    const denied = (await auditFor('webhook.grafana')).filter((a) => a.result === 'denied');
    expect(denied.length).toBeGreaterThanOrEqual(2);
    expect(denied.every((a) => a.status === 401)).toBe(true);
    expect(denied.map((a) => a.actor)).toEqual(expect.arrayContaining(['anonymous', 'token:ingest-test']));
    const list = await server.request('GET', '/api/v1/incidents?service=paymentservice', { token: server.adminToken });
    expect(list.body.items).toHaveLength(0);
  });

  it('refuses a signature whose timestamp is outside the 5-minute window', async () => {
    const payload = grafanaPayload([{ labels: { alertname: 'Old', service: 'adservice' } }]);
    const stale = String(Math.floor(Date.now() / 1000) - 301);
    expect((await signed(payload, { timestamp: stale })).status).toBe(401);
    expect((await signed(payload, { timestamp: now() })).status).toBe(202);
  });

  it('takes a bearer token of role ingest, refuses viewer (403) and no credentials (401)', async () => {
    const payload = grafanaPayload([{ labels: { alertname: 'Bearer', service: 'emailservice' } }]);
    const post = (token?: string) => server.request('POST', '/api/v1/webhooks/grafana', { body: payload, token });
    expect((await post(viewerToken)).status).toBe(403);
    expect((await post()).status).toBe(401);
    expect((await post(ingestToken)).status).toBe(202);
    expect((await post(server.adminToken)).body).toMatchObject({ duplicates: 1 });
  });

  it('answers 400 with a reason for malformed payloads, and audits them', async () => {
    const bad = { ...grafanaPayload([{ labels: { alertname: 'X' } }]), version: '4' };
    const res = await signed(bad);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/version/);
    const noAlerts = await signed({ ...grafanaPayload([{ labels: { alertname: 'X' } }]), alerts: [] });
    expect(noAlerts.status).toBe(400);
    expect(noAlerts.body.error.message).toMatch(/at least one alert/);
    const broken = await server.request('POST', '/api/v1/webhooks/grafana', {
      rawBody: '{"receiver":',
      token: ingestToken,
    });
    expect(broken.status).toBe(400);
    expect((await auditFor('webhook.grafana')).some((a) => a.result === 'rejected' && a.status === 400)).toBe(true);
  });

  it('accepts a Grafana 12 test notification (relative generatorURL) without opening an incident', async () => {
    const res = await signed(GRAFANA_12_TEST, { timestamp: now() });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ test: true, opened: 0, incidents: [] });
  });

  it('resolves the incident when every alert in it has resolved', async () => {
    const alerts = [
      { labels: { alertname: 'Latency', service: 'checkoutservice' }, fingerprint: 'lat-1' },
      { labels: { alertname: 'Errors', service: 'checkoutservice' }, fingerprint: 'err-1' },
    ];
    const fired = await signed(grafanaPayload(alerts, 'g-checkout'));
    expect(fired.body).toMatchObject({ opened: 1, joined: 1 });
    const id = fired.body.incidents[0];
    const partly = await signed(grafanaPayload([{ ...alerts[0]!, status: 'resolved' }], 'g-checkout'));
    expect(partly.body).toMatchObject({ resolved: 1 });
    expect(UNRESOLVED).toContain(
      (await server.request('GET', `/api/v1/incidents/${id}`, { token: server.adminToken })).body.status,
    );
    await signed(grafanaPayload([{ ...alerts[1]!, status: 'resolved' }], 'g-checkout'));
    const done = await server.request('GET', `/api/v1/incidents/${id}`, { token: server.adminToken });
    expect(done.body.status).toBe('resolved');
    expect(done.body.signals.every((s: { status: string }) => s.status === 'resolved')).toBe(true);
  });

  it('takes Alertmanager v4 payloads with a bearer token and dedupes their re-sends', async () => {
    const payload = {
      ...grafanaPayload(
        [{ labels: { alertname: 'KubePodCrashLooping', namespace: 'shop', app: 'currencyservice' } }],
        'am-1',
      ),
      version: '4',
    };
    const { orgId: _o, title: _t, state: _s, message: _m, ...am } = payload;
    const post = () => server.request('POST', '/api/v1/webhooks/alertmanager', { body: am, token: ingestToken });
    const first = await post();
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ opened: 1 });
    expect((await post()).body).toMatchObject({ duplicates: 1, opened: 0 });
    expect((await server.request('POST', '/api/v1/webhooks/alertmanager', { body: am })).status).toBe(401);
    const detail = await server.request('GET', `/api/v1/incidents/${first.body.incidents[0]}`, {
      token: server.adminToken,
    });
    expect(detail.body).toMatchObject({ namespace: 'shop', services: ['currencyservice'], source: 'alertmanager' });
  });

  it('dedupes Alertmanager alerts by fingerprint and start, whatever their group key (group_by changed and reloaded)', async () => {
    const alertmanager = (groupKey: string, status: 'firing' | 'resolved') => {
      const { orgId: _o, title: _t, state: _s, message: _m, ...am } = {
        ...grafanaPayload([{ labels: { alertname: 'HighErrorRate', namespace: 'shop', app: 'paymentservice' }, status, fingerprint: 'a1b2c3d4e5f60718', startsAt: '2026-03-01T10:00:00Z' }], groupKey),
        version: '4',
      };
      return server.request('POST', '/api/v1/webhooks/alertmanager', { body: am, token: ingestToken });
    };
    const opened = await alertmanager('{}:{alertname="HighErrorRate"}', 'firing');
    expect(opened.body).toMatchObject({ opened: 1 });
    // After `group_by: [alertname, app]` and a reload, the same alert arrives under a new group key.
    expect((await alertmanager('{}:{alertname="HighErrorRate", app="paymentservice"}', 'firing')).body).toMatchObject({ duplicates: 1, opened: 0 });
    const resolved = await alertmanager('{}:{alertname="HighErrorRate", app="paymentservice"}', 'resolved');
    expect(resolved.status).toBe(202);
    const detail = await server.request('GET', `/api/v1/incidents/${opened.body.incidents[0]}`, { token: server.adminToken });
    expect(detail.body.signals).toHaveLength(1);
    expect(detail.body.signals[0].status).toBe('resolved');
    expect(detail.body.status).toBe('resolved');
  });
});
