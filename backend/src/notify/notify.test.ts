import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/helpers/server.js';
import type { BusEvent } from '../events/bus.js';
import { grafanaPayload } from '../ingest/testing.js';
import { APPROVE_ACTION, REJECT_ACTION } from './slack.js';

interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: any;
}

/** A local stand-in for Slack's incoming webhook and Grafana's annotation API, recording what it receives. */
async function startReceiver() {
  const received: Received[] = [];
  let nextId = 100;
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      received.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: raw ? JSON.parse(raw) : undefined,
      });
      res.setHeader('content-type', 'application/json');
      res.end(
        req.url?.startsWith('/api/annotations') && req.method === 'POST'
          ? JSON.stringify({ id: nextId++, message: 'Annotation added' })
          : '{"ok":true}',
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, received, close: () => new Promise<void>((r) => server.close(() => r())) };
}

async function until<T>(probe: () => T | undefined, what: string, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('notifications', () => {
  let server: TestServer;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let ingestToken: string;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    receiver = await startReceiver();
    server = await startTestServer({
      env: {
        AEGIS_SIMULATOR: '0',
        AEGIS_SLACK_WEBHOOK_URL: `${receiver.url}/slack/hook`,
        AEGIS_GRAFANA_URL: `${receiver.url}/`,
        AEGIS_GRAFANA_API_TOKEN: 'glsa_test_token',
      },
    });
    ingestToken = await server.token('ingest');
  });
  afterAll(async () => {
    sockets.forEach((s) => s.close());
    await server?.stop();
    await receiver?.close();
  });

  const client = (auth: Record<string, unknown>) => {
    const socket = connect(server.url, { auth, transports: ['websocket'], reconnection: false });
    sockets.push(socket);
    return socket;
  };
  const connected = (socket: Socket) =>
    new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', (err) => reject(err));
    });

  it('refuses WebSocket clients without a token or without read permission', async () => {
    await expect(connected(client({}))).rejects.toThrow(/bearer token is required/);
    await expect(connected(client({ token: 'aeg_not-a-token' }))).rejects.toThrow(/invalid/);
    await expect(connected(client({ token: ingestToken }))).rejects.toThrow(/may not read/);
  });

  it('streams incident events to WebSocket clients, per topic', async () => {
    const viewer = await server.token('viewer', 'ws-viewer');
    const all = client({ token: viewer });
    const onlyRemediations = client({ token: viewer, topics: ['remediations'] });
    await Promise.all([connected(all), connected(onlyRemediations)]);
    const seen: BusEvent[] = [];
    const seenByOther: BusEvent[] = [];
    all.on('incidents', (e: BusEvent) => seen.push(e));
    onlyRemediations.on('incidents', (e: BusEvent) => seenByOther.push(e));
    const res = await server.request('POST', '/api/v1/webhooks/grafana', {
      token: ingestToken,
      body: grafanaPayload([{ labels: { alertname: 'WsTest', service: 'ws-service' } }], 'ws'),
    });
    expect(res.status).toBe(202);
    const opened = await until(
      () => seen.find((e) => e.type === 'incident.opened'),
      'incident.opened over the WebSocket',
    );
    expect(opened).toMatchObject({ topic: 'incidents', data: { id: res.body.incidents[0], services: ['ws-service'] } });
    const ack = await onlyRemediations.emitWithAck('subscribe', ['incidents']);
    expect(ack).toMatchObject({ ok: true, topics: expect.arrayContaining(['incidents', 'remediations']) });
    expect(await onlyRemediations.emitWithAck('subscribe', ['nonsense'])).toMatchObject({ ok: false });
    expect(seenByOther).toHaveLength(0);
  });

  it('posts incidents to Slack, and remediation proposals with Approve / Reject buttons', async () => {
    const res = await server.request('POST', '/api/v1/webhooks/grafana', {
      token: ingestToken,
      body: grafanaPayload(
        [{ labels: { alertname: 'SlackTest', service: 'slack-service', severity: 'critical' } }],
        'slack',
      ),
    });
    const incidentId = res.body.incidents[0];
    const opened = await until(
      () => receiver.received.find((r) => r.url === '/slack/hook' && String(r.body?.text).includes('SlackTest')),
      'the Slack message',
    );
    expect(opened.body.text).toMatch(/Incident opened: SlackTest on slack-service \(critical\)/);
    server.handle.bus.publish('remediations', 'remediation.proposed', {
      id: '00000000-0000-4000-8000-00000000beef',
      incident_id: incidentId,
      action_type: 'restart',
      target: 'slack-service',
      namespace: 'shop',
      status: 'proposed',
      confidence: 0.82,
      plan: { summary: 'rollout restart deployment/slack-service' },
    });
    const proposal = await until(
      () =>
        receiver.received.find((r) => r.url === '/slack/hook' && String(r.body?.text).includes('Remediation proposed')),
      'the Slack proposal',
    );
    const actions = proposal.body.blocks.find((b: { type: string }) => b.type === 'actions');
    expect(actions.elements.map((e: { action_id: string; value: string }) => [e.action_id, e.value])).toEqual([
      [APPROVE_ACTION, '00000000-0000-4000-8000-00000000beef'],
      [REJECT_ACTION, '00000000-0000-4000-8000-00000000beef'],
    ]);
  });

  it('annotates the dashboards an alert links to, and closes the region when the incident resolves', async () => {
    const payload = grafanaPayload(
      [{ labels: { alertname: 'AnnTest', service: 'ann-service' }, fingerprint: 'ann' }],
      'ann',
    );
    const alert = payload.alerts[0] as Record<string, unknown>;
    alert.panelURL = 'http://grafana:3000/d/shop-overview/shop?orgId=1&viewPanel=4';
    alert.dashboardURL = 'http://grafana:3000/d/shop-overview/shop?orgId=1';
    const res = await server.request('POST', '/api/v1/webhooks/grafana', { token: ingestToken, body: payload });
    const created = await until(
      () =>
        receiver.received.find(
          (r) => r.method === 'POST' && r.url === '/api/annotations' && String(r.body?.text).includes('AnnTest'),
        ),
      'the annotation',
    );
    expect(created.headers.authorization).toBe('Bearer glsa_test_token');
    expect(created.body).toMatchObject({
      dashboardUID: 'shop-overview',
      panelId: 4,
      tags: expect.arrayContaining(['aegis', 'service:ann-service']),
    });
    const resolved = { ...payload, alerts: [{ ...alert, status: 'resolved' }] };
    await server.request('POST', '/api/v1/webhooks/grafana', { token: ingestToken, body: resolved });
    const patch = await until(
      () => receiver.received.find((r) => r.method === 'PATCH' && r.url.startsWith('/api/annotations/')),
      'the PATCH',
    );
    expect(patch.body).toEqual({ timeEnd: expect.any(Number) });
    expect(
      (await server.request('GET', `/api/v1/incidents/${res.body.incidents[0]}`, { token: server.adminToken })).body
        .status,
    ).toBe('resolved');
  });

  it('scrubs secrets from what it sends to Slack and to Grafana annotations', async () => {
    const incidentId = (await server.request('POST', '/api/v1/incidents', { token: server.adminToken, body: { title: 'scrub test' } })).body.id;
    server.handle.bus.publish('remediations', 'remediation.proposed', {
      id: '00000000-0000-4000-8000-00000000cafe',
      incident_id: incidentId,
      action_type: 'restart',
      target: 'scrub-service',
      namespace: 'shop',
      status: 'proposed',
      confidence: 0.5,
      plan: { summary: 'restart: DB_PASSWORD=hunter2hunter2 was rotated, token ghp_abcdefghijklmnopqrstuvwxyz0123456789' },
    });
    server.handle.bus.publish('remediations', 'remediation.approved', {
      id: '00000000-0000-4000-8000-00000000cafe',
      incident_id: incidentId,
      action_type: 'restart',
      target: 'postgres://app:annot8pass@db:5432/shop',
      status: 'approved',
    });
    const slack = await until(() => receiver.received.find((r) => r.url === '/slack/hook' && JSON.stringify(r.body).includes('00000000cafe')), 'the Slack proposal');
    const annotation = await until(() => receiver.received.find((r) => r.url === '/api/annotations' && JSON.stringify(r.body).includes('postgres://')), 'the annotation');
    expect(JSON.stringify(slack.body)).not.toMatch(/hunter2hunter2|ghp_abcdefghij/);
    expect(JSON.stringify(annotation.body)).not.toContain('annot8pass');
  });

  it('throttles and audits failed WebSocket handshakes, and closes the sockets of a revoked token', async () => {
    const outcomes: string[] = [];
    for (let i = 0; i < 25; i++) {
      const socket = client({ token: `not-a-token-${i}` });
      outcomes.push(await new Promise<string>((resolve) => socket.once('connect_error', (e) => resolve(e.message))));
      socket.close();
    }
    expect(outcomes.filter((m) => /too many failed authentications/.test(m)).length).toBeGreaterThan(0);
    const audited = (await server.request('GET', '/api/v1/audit?action=socket.authenticate&limit=100', { token: server.adminToken })).body.items;
    expect(audited.length).toBeGreaterThanOrEqual(20);
    expect(audited[0]).toMatchObject({ result: 'denied', actor: 'anonymous' });

    const created = (await server.request('POST', '/api/v1/tokens', { token: server.adminToken, body: { name: 'ws-revoke', role: 'viewer' } })).body;
    // Same address as the guesses above: past its failure budget even a valid token waits for a refill (1/s).
    await new Promise((r) => setTimeout(r, 1100));
    const socket = client({ token: created.secret });
    await connected(socket);
    const closed = new Promise<string>((resolve) => socket.once('disconnect', (reason) => resolve(reason)));
    expect((await server.request('DELETE', `/api/v1/tokens/${created.token.id}`, { token: server.adminToken })).status).toBeLessThan(300);
    expect(await closed).toBe('io server disconnect');
  });
});
