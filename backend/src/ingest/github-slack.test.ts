import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgliteTestDatabase, type TestDatabase } from '../../test/helpers/db.js';
import { createApp, createAuthenticator } from '../api/index.js';
import type { RouteDef } from '../api/route.js';
import { createInProcessBus, type BusEvent } from '../events/bus.js';
import { staticServiceGraph } from '../graph/port.js';
import { createIacFindingStore } from '../iac/index.js';
import { systemClock } from '../platform/clock.js';
import { silentLogger } from '../platform/logger.js';
import { createStore, type Store } from '../store/index.js';
import { githubContentsApi, githubWebhookRoutes, iacEngineScanner } from './github.js';
import { sign } from './signature.js';
import { slackWebhookRoutes, type RemediationDecisions } from './slack.js';
import { createSignalWriter } from './writer.js';

const GITHUB_SECRET = 'github-webhook-secret';
const SLACK_SECRET = 'slack-signing-secret';
const DEPLOYMENT_YAML = `apiVersion: apps/v1
kind: Deployment
metadata: { name: cart, namespace: shop }
spec:
  selector: { matchLabels: { app: cart } }
  template:
    metadata: { labels: { app: cart } }
    spec:
      containers:
        - name: cart
          image: cart:latest
`;

/** A local stand-in for GitHub's contents API, serving recorded responses and recording the requests. */
async function startGithubStandIn() {
  const requests: Array<{ url: string; auth?: string; accept?: string }> = [];
  const files: Record<string, string> = { '/repos/acme/shop/contents/k8s/cart.yaml?ref=abc123': DEPLOYMENT_YAML };
  const server = http.createServer((req, res) => {
    requests.push({ url: req.url ?? '', auth: req.headers.authorization, accept: req.headers.accept });
    const body = files[req.url ?? ''];
    res.statusCode = body === undefined ? 404 : 200;
    res.end(body ?? '{"message":"Not Found"}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

async function startRoutes(store: Store, routes: RouteDef[]) {
  const authenticator = createAuthenticator({ tokens: store.tokens, clock: systemClock });
  const app = createApp({
    routes,
    authenticator,
    audit: store.audit,
    logger: silentLogger,
    metrics: new Registry(),
    version: 'test',
    bodyLimit: 1_000_000,
    ready: async () => {},
    signatureAuthPrefix: '/api/v1/webhooks/',
  });
  const server = http.createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe('GitHub and Slack webhooks', () => {
  let t: TestDatabase;
  let store: Store;
  let github: Awaited<ReturnType<typeof startGithubStandIn>>;
  let api: Awaited<ReturnType<typeof startRoutes>>;
  const bus = createInProcessBus({ logger: silentLogger, now: () => new Date() });
  const events: BusEvent[] = [];
  bus.subscribe('*', (e) => {
    events.push(e);
  });
  const decisions: Array<[string, string, string]> = [];
  const fakeDecisions: RemediationDecisions = {
    approve: async (id, actor) => (decisions.push(['approve', id, actor]), { id, status: 'approved' }),
    reject: async (id, actor) => (decisions.push(['reject', id, actor]), { id, status: 'rejected' }),
  };

  beforeAll(async () => {
    t = await pgliteTestDatabase();
    store = createStore({ db: t.db, clock: systemClock });
    github = await startGithubStandIn();
    const writer = createSignalWriter({
      store,
      graph: staticServiceGraph([]),
      bus,
      clock: systemClock,
      logger: silentLogger,
    });
    api = await startRoutes(store, [
      ...githubWebhookRoutes({
        writer,
        signals: store.signals,
        bus,
        logger: silentLogger,
        secret: GITHUB_SECRET,
        contents: githubContentsApi({ token: 'ghp_test', apiUrl: github.url }),
        iac: iacEngineScanner({ db: t.db, clock: systemClock }),
        now: () => new Date(),
      }),
      ...slackWebhookRoutes({
        writer,
        signals: store.signals,
        incidents: store.incidents,
        users: async () => ({ U0ALICE: { name: 'alice', role: 'operator' }, U0VIC: { name: 'vic', role: 'viewer' } }),
        decisions: fakeDecisions,
        secret: SLACK_SECRET,
        nowMs: () => Date.now(),
        responseUrlPrefix: 'http://127.0.0.1:',
      }),
    ]);
  });
  afterAll(async () => {
    await api?.close();
    await github?.close();
    await t?.dispose();
  });

  const postGithub = (event: string, delivery: string, payload: unknown, opts: { secret?: string } = {}) => {
    const raw = JSON.stringify(payload);
    return fetch(`${api.url}/api/v1/webhooks/github`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': event,
        'x-github-delivery': delivery,
        'x-hub-signature-256': sign.github(opts.secret ?? GITHUB_SECRET, raw),
      },
      body: raw,
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));
  };
  const repository = { full_name: 'acme/shop', name: 'shop', default_branch: 'main' };

  it('scans the IaC files a push changed, fetched through the contents API, after answering 202', async () => {
    const push = {
      ref: 'refs/heads/main',
      after: 'abc123',
      repository,
      commits: [{ id: 'abc123', added: ['k8s/cart.yaml', 'README.md'], modified: [], removed: [] }],
    };
    const res = await postGithub('push', 'delivery-push-1', push);
    expect(res.status).toBe(202);
    const scanned = await until(() => events.find((e) => e.type === 'iac.push_scanned'));
    expect(github.requests).toEqual([
      {
        url: '/repos/acme/shop/contents/k8s/cart.yaml?ref=abc123',
        auth: 'Bearer ghp_test',
        accept: 'application/vnd.github.raw+json',
      },
    ]);
    const data = scanned.data as { files: string[]; findings: Array<{ ruleId: string; file: string }> };
    expect(data.files).toEqual(['k8s/cart.yaml']);
    expect(data.findings.length).toBeGreaterThan(0);
    expect(data.findings.every((f) => f.file === 'k8s/cart.yaml')).toBe(true);
    expect(data.findings.map((f) => f.ruleId)).toContain('k8s-container-no-liveness-probe');
    // Stored as a webhook scan, so GET /iac/findings lists them.
    const stored = await createIacFindingStore({ db: t.db }).listFindings({ file: 'k8s/cart.yaml', limit: 100 });
    expect(stored.items.length).toBe(data.findings.length);
  });

  it('dedupes re-deliveries by delivery id and refuses forged signatures (401, audited)', async () => {
    const deployment = {
      deployment: { id: 7, sha: 'abc1234', ref: 'main', environment: 'prod', payload: { service: 'cartservice' } },
      repository,
    };
    expect((await postGithub('deployment', 'delivery-deploy-7', deployment)).body).toMatchObject({
      event: 'deployment',
      duplicates: 0,
    });
    expect((await postGithub('deployment', 'delivery-deploy-7', deployment)).body).toMatchObject({ duplicates: 1 });
    expect(
      events.filter((e) => e.topic === 'deployments' && (e.data as { service?: string }).service === 'cartservice'),
    ).toHaveLength(1);
    const forged = await postGithub('deployment', 'delivery-deploy-8', deployment, { secret: 'wrong' });
    expect(forged.status).toBe(401);
    const denied = await store.audit.list({ action: 'webhook.github', result: 'denied', limit: 10 });
    expect(denied.items[0]).toMatchObject({ status: 401 });
  });

  it('opens an incident for a failed deployment and answers 400 for a malformed event', async () => {
    const failed = {
      deployment_status: {
        state: 'failure',
        description: 'health checks failed',
        created_at: new Date().toISOString(),
      },
      deployment: { id: 9, sha: 'def5678', ref: 'main', environment: 'prod', payload: '{"service":"paymentservice"}' },
      repository,
    };
    const res = await postGithub('deployment_status', 'delivery-status-9', failed);
    expect(res.body).toMatchObject({ opened: 1 });
    expect((await store.incidents.get(res.body.incidents[0])).services).toEqual(['paymentservice']);
    const bad = await postGithub('push', 'delivery-bad', { ref: 'x', repository });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/after/);
  });

  const postSlack = (form: Record<string, string>, opts: { secret?: string; ageSeconds?: number } = {}) => {
    const raw = new URLSearchParams(form).toString();
    const ts = String(Math.floor(Date.now() / 1000) - (opts.ageSeconds ?? 0));
    return fetch(`${api.url}/api/v1/webhooks/slack`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-slack-request-timestamp': ts,
        'x-slack-signature': sign.slack(opts.secret ?? SLACK_SECRET, raw, ts),
      },
      body: raw,
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));
  };
  let trigger = 0;
  const command = (user: string, text: string) => ({
    command: '/aegis',
    text,
    user_id: user,
    trigger_id: `trig-${++trigger}`,
    team_id: 'T1',
  });
  const remediationId = '00000000-0000-4000-8000-0000000000ab';

  it('answers /aegis status, incidents and show', async () => {
    const status = await postSlack(command('U0VIC', 'status'));
    expect(status.status).toBe(200);
    expect(status.body.text).toMatch(/Aegis: 1 unresolved incident\(s\) \(1 high\)/);
    const list = await postSlack(command('U0NOBODY', 'incidents'));
    expect(list.body.text).toMatch(/Deployment failure on paymentservice/);
    const id = /`([0-9a-f-]{36})`/.exec(list.body.text)?.[1] ?? '';
    expect((await postSlack(command('U0VIC', `show ${id}`))).body.text).toMatch(/services: paymentservice · 1 signal/);
    expect((await postSlack(command('U0VIC', 'dance'))).body.text).toMatch(/^Usage/);
  });

  it('approves and rejects as the mapped Aegis user, by command and by button; refuses unmapped users and viewers', async () => {
    const ok = await postSlack(command('U0ALICE', `approve ${remediationId}`));
    expect(ok.body).toMatchObject({
      response_type: 'in_channel',
      text: `Remediation ${remediationId} approved by alice.`,
    });
    expect((await postSlack(command('U0VIC', `approve ${remediationId}`))).body.text).toMatch(
      /Role viewer may not approve/,
    );
    expect((await postSlack(command('U0NOBODY', `reject ${remediationId}`))).body.text).toMatch(/not mapped/);
    const button = {
      type: 'block_actions',
      user: { id: 'U0ALICE' },
      trigger_id: 'trig-button-1',
      response_url: `${github.url}/slack-response`,
      actions: [{ action_id: 'aegis_reject', value: remediationId }],
    };
    expect((await postSlack({ payload: JSON.stringify(button) })).body.text).toMatch(/rejected by alice/);
    // The outcome is also posted to the button's response_url (the stand-in records it).
    await until(() => github.requests.find((r) => r.url === '/slack-response'));
    expect((await postSlack({ payload: JSON.stringify(button) })).body.text).toBe('Already handled.');
    expect(decisions).toEqual([
      ['approve', remediationId, 'slack:alice'],
      ['reject', remediationId, 'slack:alice'],
    ]);
  });

  const postSlackBearer = (form: Record<string, string>, token: string) =>
    fetch(`${api.url}/api/v1/webhooks/slack`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${token}` },
      body: new URLSearchParams(form).toString(),
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));

  it('never approves or rejects without a Slack signature: a bearer token may only read, and only a role that may read', async () => {
    const before = decisions.length;
    const { secret: ingest } = await store.tokens.create({ name: 'slack-ingest', role: 'ingest', createdBy: 'test' });
    const { secret: admin } = await store.tokens.create({ name: 'slack-admin', role: 'admin', createdBy: 'test' });
    // The ingest token sits in every contact point: it may not act as a mapped Slack user, nor read.
    const approve = await postSlackBearer(command('U0ALICE', `approve ${remediationId}`), ingest);
    expect(approve.status).toBe(403);
    expect((await postSlackBearer(command('U0ALICE', 'incidents'), ingest)).status).toBe(403);
    // Even an admin token: approving in Slack's name needs Slack's signature.
    expect((await postSlackBearer(command('U0ALICE', `reject ${remediationId}`), admin)).status).toBe(403);
    const button = { type: 'block_actions', user: { id: 'U0ALICE' }, trigger_id: 'trig-bearer-button', actions: [{ action_id: 'aegis_approve', value: remediationId }] };
    expect((await postSlackBearer({ payload: JSON.stringify(button) }, admin)).status).toBe(403);
    expect((await postSlackBearer(command('U0ALICE', 'incidents'), admin)).status).toBe(200);
    expect(decisions.length).toBe(before);
    const denied = await store.audit.list({ action: 'webhook.slack', result: 'denied', limit: 10 });
    expect(denied.items.some((e) => e.actor === 'token:slack-ingest')).toBe(true);
  });

  it('audits a signed Slack decision with the credential used and the Slack user it claims', async () => {
    const ok = await postSlack(command('U0ALICE', `approve ${remediationId}`));
    expect(ok.status).toBe(200);
    const rows = await store.audit.list({ action: 'webhook.slack', result: 'success', limit: 1 });
    expect(rows.items[0]).toMatchObject({
      actor: 'slack:alice',
      details: expect.objectContaining({ credential: 'slack-signature', slack_user: 'U0ALICE', as: 'alice' }),
    });
  });

  it('refuses a bad Slack signature and a replayed timestamp outside the 5-minute window', async () => {
    const deniedBefore = (await store.audit.list({ action: 'webhook.slack', result: 'denied', limit: 50 })).items.length;
    expect((await postSlack(command('U0ALICE', 'status'), { secret: 'wrong' })).status).toBe(401);
    expect((await postSlack(command('U0ALICE', 'status'), { ageSeconds: 301 })).status).toBe(401);
    expect((await postSlack(command('U0ALICE', 'status'), { ageSeconds: 200 })).status).toBe(200);
    const denied = await store.audit.list({ action: 'webhook.slack', result: 'denied', limit: 50 });
    expect(denied.items).toHaveLength(deniedBefore + 2);
  });
});

async function until<T>(probe: () => T | undefined, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('GitHub contents API path', () => {
  it('encodes owner/name and refuses one that would steer the API path', async () => {
    const urls: string[] = [];
    const api = githubContentsApi({ apiUrl: 'http://gh.local', fetch: (async (url: string) => (urls.push(url), new Response('x'))) as never });
    await api.fileAt('acme/shop?x=1', 'k8s/a.yaml', 'abc');
    expect(urls[0]).toBe('http://gh.local/repos/acme/shop%3Fx%3D1/contents/k8s/a.yaml?ref=abc');
    for (const bad of ['../../admin', 'acme/../../orgs/x', 'acme', 'a/b/c'])
      await expect(api.fileAt(bad, 'k8s/a.yaml', 'abc')).rejects.toThrow(/not owner\/name/);
    expect(urls).toHaveLength(1);
  });
});
