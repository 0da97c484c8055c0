import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_SIM, startTestServer, type TestServer } from '../../test/helpers/server.js';
import { sign } from './signature.js';
import { grafanaPayload } from './testing.js';

/**
 * Replays that webhooks.test.ts and github-slack.test.ts do not already cover: a captured signature
 * moved onto another timestamp or another body, timestamps from the future, and a GitHub delivery id
 * re-sent with a different payload. Each is refused (401, audited) or visibly not processed twice.
 */
const SECRETS = { grafana: 'replay-grafana-secret', github: 'replay-github-secret', slack: 'replay-slack-secret' };
const nowSeconds = () => Math.floor(Date.now() / 1000);

describe('replayed webhook deliveries', () => {
  let s: TestServer;

  beforeAll(async () => {
    s = await startTestServer({
      env: {
        ...NO_SIM,
        AEGIS_GRAFANA_WEBHOOK_SECRET: SECRETS.grafana,
        AEGIS_GITHUB_WEBHOOK_SECRET: SECRETS.github,
        AEGIS_SLACK_SIGNING_SECRET: SECRETS.slack,
      },
    });
  });
  afterAll(async () => s?.stop());

  const denied = async (action: string) =>
    (await s.handle.store.audit.list({ action, result: 'denied', limit: 100 })).items.filter((e) => e.status === 401);
  const incidentsOf = async (service: string) =>
    (await s.request('GET', `/api/v1/incidents?service=${service}`, { token: s.adminToken })).body.items as unknown[];

  describe('Grafana: the signature covers the timestamp', () => {
    const raw = JSON.stringify(grafanaPayload([{ labels: { alertname: 'Replay', service: 'replayservice' } }]));
    const post = (headers: Record<string, string>) =>
      s.request('POST', '/api/v1/webhooks/grafana', { rawBody: raw, headers });

    it('refuses an old signature sent with a fresh timestamp, or with its timestamp removed', async () => {
      const before = (await denied('webhook.grafana')).length;
      const old = String(nowSeconds() - 600);
      const signature = sign.grafana(SECRETS.grafana, raw, old);
      const moved = await post({
        'x-grafana-alerting-signature': signature,
        'x-grafana-alerting-timestamp': String(nowSeconds()),
      });
      expect(moved.status).toBe(401);
      expect(moved.body.error.message).toMatch(/signature does not match/);
      expect((await post({ 'x-grafana-alerting-signature': signature })).status).toBe(401);
      expect(
        (await post({ 'x-grafana-alerting-signature': signature, 'x-grafana-alerting-timestamp': old })).body.error
          .message,
      ).toMatch(/replay window/);
      expect((await denied('webhook.grafana')).length - before).toBe(3);
      expect(await incidentsOf('replayservice')).toHaveLength(0);
    });

    it('refuses a timestamp more than five minutes in the future', async () => {
      const ahead = String(nowSeconds() + 301);
      const res = await post({
        'x-grafana-alerting-signature': sign.grafana(SECRETS.grafana, raw, ahead),
        'x-grafana-alerting-timestamp': ahead,
      });
      expect(res.status).toBe(401);
    });

    it('processes a fresh delivery once: the same bytes re-sent inside the window are duplicates', async () => {
      const ts = String(nowSeconds());
      const headers = {
        'x-grafana-alerting-signature': sign.grafana(SECRETS.grafana, raw, ts),
        'x-grafana-alerting-timestamp': ts,
      };
      expect((await post(headers)).body).toMatchObject({ opened: 1, duplicates: 0 });
      expect((await post(headers)).body).toMatchObject({ opened: 0, duplicates: 1 });
      expect(await incidentsOf('replayservice')).toHaveLength(1);
    });
  });

  describe('GitHub: no signed timestamp, so the delivery id is the replay protection', () => {
    const repository = { full_name: 'acme/replay', name: 'replay' };
    const failed = (id: number) => ({
      deployment_status: { state: 'failure', description: 'crash loop' },
      deployment: { id, sha: 'abcdef1', ref: 'main', environment: 'prod', payload: { service: 'replay-gh' } },
      repository,
    });
    const post = (delivery: string, raw: string, signature: string) =>
      s.request('POST', '/api/v1/webhooks/github', {
        rawBody: raw,
        headers: {
          'x-github-event': 'deployment_status',
          'x-github-delivery': delivery,
          'x-hub-signature-256': signature,
        },
      });

    it('refuses a captured signature on a different body (401, audited, nothing stored)', async () => {
      const before = (await denied('webhook.github')).length;
      const original = JSON.stringify(failed(41));
      const tampered = JSON.stringify(failed(42));
      const res = await post('replay-gh-tampered', tampered, sign.github(SECRETS.github, original));
      expect(res.status).toBe(401);
      expect((await denied('webhook.github')).length - before).toBe(1);
      expect(await incidentsOf('replay-gh')).toHaveLength(0);
    });

    it('answers a re-sent delivery id with duplicates: 1 and does nothing, even with another (signed) body', async () => {
      const first = JSON.stringify(failed(51));
      expect((await post('replay-gh-1', first, sign.github(SECRETS.github, first))).body).toMatchObject({
        opened: 1,
        duplicates: 0,
      });
      expect((await post('replay-gh-1', first, sign.github(SECRETS.github, first))).body).toMatchObject({
        opened: 0,
        duplicates: 1,
      });
      const other = JSON.stringify(failed(52));
      const again = await post('replay-gh-1', other, sign.github(SECRETS.github, other));
      expect(again.status).toBe(202);
      expect(again.body).toMatchObject({ opened: 0, joined: 0, duplicates: 1 });
      const incidents = (await incidentsOf('replay-gh')) as Array<{ id: string }>;
      expect(incidents).toHaveLength(1);
      const detail = (await s.request('GET', `/api/v1/incidents/${incidents[0]?.id}`, { token: s.adminToken })).body;
      expect(detail.signals).toHaveLength(1);
      const audit = await s.handle.store.audit.list({ action: 'webhook.github', result: 'success', limit: 10 });
      expect(audit.items.filter((e) => (e.details as { duplicate?: boolean }).duplicate)).toHaveLength(2);
    });
  });

  describe('Slack: the signature covers the timestamp', () => {
    const body = new URLSearchParams({
      command: '/aegis',
      text: 'status',
      user_id: 'U0REPLAY',
      trigger_id: 'replay-trigger-1',
    }).toString();
    const post = (ts: string, signature: string) =>
      s.request('POST', '/api/v1/webhooks/slack', {
        rawBody: body,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-slack-request-timestamp': ts,
          'x-slack-signature': signature,
        },
      });

    it('refuses an old signature sent with a fresh timestamp, and a timestamp from the future', async () => {
      const old = String(nowSeconds() - 600);
      expect((await post(String(nowSeconds()), sign.slack(SECRETS.slack, body, old))).status).toBe(401);
      const ahead = String(nowSeconds() + 301);
      expect((await post(ahead, sign.slack(SECRETS.slack, body, ahead))).status).toBe(401);
    });

    it('answers the same request re-sent inside the window once, then "Already handled."', async () => {
      const ts = String(nowSeconds());
      const first = await post(ts, sign.slack(SECRETS.slack, body, ts));
      expect(first.status).toBe(200);
      expect(first.body.text).toMatch(/unresolved incident/);
      expect((await post(ts, sign.slack(SECRETS.slack, body, ts))).body.text).toBe('Already handled.');
    });
  });
});
