import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgliteTestDatabase, type TestDatabase } from '../../test/helpers/db.js';
import { loadConfig } from '../config/index.js';
import { createInProcessBus } from '../events/bus.js';
import { staticServiceGraph } from '../graph/port.js';
import { createIngest } from '../ingest/service.js';
import { sign } from '../ingest/signature.js';
import { grafanaPayload } from '../ingest/testing.js';
import { createManualClock, systemClock } from '../platform/clock.js';
import { silentLogger } from '../platform/logger.js';
import { createStore, type Store } from '../store/index.js';
import { createAuthenticator } from './auth.js';
import { createRateLimiter, rateLimitsFromConfig, type ApiRateLimits } from './rate-limit.js';
import { incidentRoutes } from './routes/incidents.js';
import { createApp } from './server.js';

const GRAFANA_SECRET = 'rate-limit-test-grafana-secret';
const BODY_LIMIT = 4096;

describe('token bucket', () => {
  it('allows a burst, then one request per 1/rate seconds, and says how long to wait', () => {
    const clock = createManualClock();
    const limiter = createRateLimiter({ policy: { ratePerSecond: 2, burst: 3 }, clock });
    expect([1, 2, 3].map(() => limiter.take('a').ok)).toEqual([true, true, true]);
    expect(limiter.take('a')).toEqual({ ok: false, retryAfterSeconds: 1, deniedInARow: 1 });
    clock.advance(499);
    expect(limiter.take('a').ok).toBe(false);
    clock.advance(1);
    expect(limiter.take('a').ok).toBe(true);
    expect(limiter.take('a').ok).toBe(false);
  });

  it('rounds Retry-After up to whole seconds for slow rates', () => {
    const clock = createManualClock();
    const limiter = createRateLimiter({ policy: { ratePerSecond: 0.1, burst: 1 }, clock });
    expect(limiter.take('slow').ok).toBe(true);
    expect(limiter.take('slow')).toEqual({ ok: false, retryAfterSeconds: 10, deniedInARow: 1 });
    clock.advance(4000);
    expect(limiter.take('slow')).toEqual({ ok: false, retryAfterSeconds: 6, deniedInARow: 2 });
    clock.advance(6000);
    expect(limiter.take('slow').ok).toBe(true);
    expect(limiter.take('slow')).toMatchObject({ ok: false, deniedInARow: 1 });
  });

  it('keeps its state bounded: idle buckets are swept, and past maxKeys the least recently used go', () => {
    const clock = createManualClock();
    const limiter = createRateLimiter({
      policy: { ratePerSecond: 1, burst: 5 },
      clock,
      maxKeys: 100,
      sweepEveryMs: 10_000,
    });
    for (let i = 0; i < 10_000; i++) limiter.take(`client-${i}`);
    expect(limiter.size()).toBeLessThanOrEqual(100);
    // A busy client in the flood keeps its (empty) bucket: eviction takes the least recently used first.
    for (let i = 0; i < 5; i++) limiter.take('busy');
    for (let i = 0; i < 50; i++) limiter.take(`late-${i}`);
    expect(limiter.take('busy').ok).toBe(false);
    // Idle long enough to refill completely: swept at the next sweep.
    clock.advance(10_000);
    limiter.take('one-more');
    expect(limiter.size()).toBe(1);
  });

  it('parses the AEGIS_RATE_LIMIT* keys from the environment, with generous defaults', () => {
    expect(rateLimitsFromConfig(loadConfig({}, { cwd: '/' }))).toEqual({
      perToken: { ratePerSecond: 50, burst: 200 },
      webhooks: undefined,
    });
    const env = { AEGIS_RATE_LIMIT: '2.5', AEGIS_RATE_LIMIT_BURST: '10', AEGIS_INGEST_RATE_LIMIT: '100' };
    expect(rateLimitsFromConfig(loadConfig(env, { cwd: '/' }))).toEqual({
      perToken: { ratePerSecond: 2.5, burst: 10 },
      webhooks: { ratePerSecond: 100, burst: 400 },
    });
    expect(() => loadConfig({ AEGIS_RATE_LIMIT: '-1' }, { cwd: '/' })).toThrow(/AEGIS_RATE_LIMIT/);
  });

  it('reads its limits from the config keys; 0 turns a limit off', () => {
    expect(
      rateLimitsFromConfig({ AEGIS_RATE_LIMIT: 50, AEGIS_RATE_LIMIT_BURST: 200, AEGIS_INGEST_RATE_LIMIT: 0 }),
    ).toEqual({
      perToken: { ratePerSecond: 50, burst: 200 },
      webhooks: undefined,
    });
    expect(
      rateLimitsFromConfig({ AEGIS_RATE_LIMIT: 0, AEGIS_RATE_LIMIT_BURST: 200, AEGIS_INGEST_RATE_LIMIT: 500 }),
    ).toEqual({
      perToken: undefined,
      webhooks: { ratePerSecond: 500, burst: 2000 },
    });
  });
});

describe('API request limits over HTTP', () => {
  const clock = createManualClock(Date.now());
  let t: TestDatabase;
  let store: Store;
  let servers: Array<{ close(): Promise<void> }> = [];
  let limited: string;
  let ingest: ReturnType<typeof createIngest>;
  let tokens: Record<'a' | 'b' | 'ingest' | 'grafana', string>;

  async function serve(rateLimit: ApiRateLimits | undefined, maxQueued = 50_000) {
    ingest = createIngest({
      store,
      graph: staticServiceGraph([]),
      bus: createInProcessBus({ logger: silentLogger, now: () => new Date() }),
      clock: systemClock,
      logger: silentLogger,
      grafanaSecret: GRAFANA_SECRET,
      github: { secret: 'gh-secret', contents: { fileAt: async () => '' } },
      slack: { secret: 'slack-secret', users: async () => ({}) },
      writer: { maxQueued },
    });
    const app = createApp({
      routes: [
        ...ingest.routes,
        ...incidentRoutes({ store, bus: createInProcessBus({ logger: silentLogger, now: () => new Date() }) }),
      ],
      authenticator: createAuthenticator({ tokens: store.tokens, clock: systemClock }),
      audit: store.audit,
      logger: silentLogger,
      metrics: new Registry(),
      version: 'test',
      bodyLimit: BODY_LIMIT,
      ready: async () => {},
      signatureAuthPrefix: '/api/v1/webhooks/',
      rateLimit,
    });
    const server = http.createServer(app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const closeIngest = ingest;
    servers.push({
      close: async () => {
        await new Promise<void>((r) => server.close(() => r()));
        await closeIngest.close();
      },
    });
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  beforeAll(async () => {
    t = await pgliteTestDatabase();
    store = createStore({ db: t.db, clock: systemClock });
    const make = async (name: string, role: 'viewer' | 'ingest' | 'grafana') =>
      (await store.tokens.create({ name, role, createdBy: 'test' })).secret;
    tokens = {
      a: await make('limited-a', 'viewer'),
      b: await make('limited-b', 'viewer'),
      ingest: await make('ingest', 'ingest'),
      grafana: await make('grafana', 'grafana'),
    };
    limited = await serve({ perToken: { ratePerSecond: 1, burst: 5 }, clock });
  });
  afterAll(async () => {
    for (const s of servers) await s.close();
    servers = [];
    await t?.dispose();
  });

  const get = (base: string, token?: string) =>
    fetch(`${base}/api/v1/incidents`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

  it('answers 429 with Retry-After and a JSON error past the burst; another token is unaffected; waiting recovers', async () => {
    for (let i = 0; i < 5; i++) expect((await get(limited, tokens.a)).status).toBe(200);
    const refused = await get(limited, tokens.a);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(await refused.json()).toEqual({
      error: { code: 'rate_limited', message: 'too many requests: retry in 1 s' },
    });
    expect((await get(limited, tokens.b)).status).toBe(200);
    clock.advance(1000);
    expect((await get(limited, tokens.a)).status).toBe(200);
    expect((await get(limited, tokens.a)).status).toBe(429);
    const audit = await store.audit.list({ result: 'denied', actor: 'token:limited-a', limit: 10 });
    expect(audit.items.map((e) => e.status)).toEqual([429, 429]);
    expect(audit.items[0]).toMatchObject({ action: 'GET /api/v1/incidents', actor_role: 'viewer' });
  });

  it('audits a throttled flood as the first refusal of the run and every 100th, with the count', async () => {
    clock.advance(10_000);
    const before = (await store.audit.list({ actor: 'token:limited-b', result: 'denied', limit: 500 })).items.length;
    const statuses: number[] = [];
    for (let i = 0; i < 205; i++) statuses.push((await get(limited, tokens.b)).status);
    expect(statuses.filter((x) => x === 200)).toHaveLength(5);
    expect(statuses.filter((x) => x === 429)).toHaveLength(200);
    const denied = (await store.audit.list({ actor: 'token:limited-b', result: 'denied', limit: 500 })).items;
    expect(denied.length - before).toBe(3);
    expect(denied.slice(0, 3).map((e) => (e.details as { denied_in_a_row?: number }).denied_in_a_row)).toEqual([200, 100, 1]);
    expect(denied.slice(0, 3).map((e) => e.details)).toEqual([
      { denied_in_a_row: 200, credential: 'token:limited-b' },
      { denied_in_a_row: 100, credential: 'token:limited-b' },
      { denied_in_a_row: 1, credential: 'token:limited-b' },
    ]);
  });

  it('gives each Grafana user behind the one grafana token a bucket of their own', async () => {
    clock.advance(10_000);
    const as = (user?: string) =>
      fetch(`${limited}/api/v1/incidents`, {
        headers: { authorization: `Bearer ${tokens.grafana}`, ...(user ? { 'x-grafana-user': user } : {}) },
      }).then((r) => r.status);
    for (let i = 0; i < 5; i++) expect(await as('alice')).toBe(200);
    expect(await as('alice')).toBe(429);
    expect(await as('bob')).toBe(200);
    expect(await as()).toBe(200);
  });

  it('throttles requests without a valid token by client address (guessing tokens gets 429 too)', async () => {
    clock.advance(10_000);
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await get(limited, i % 2 ? `guess-${i}` : undefined)).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429]);
    const audit = await store.audit.list({ result: 'denied', actor: 'anonymous', limit: 10 });
    // Two refusals in a row: the first is audited (the rest of a run only every 100th).
    expect(audit.items.filter((e) => e.status === 429).map((e) => e.details)).toEqual([{ denied_in_a_row: 1 }]);
  });

  it('does not limit webhook deliveries by default (the ingestion queue pushes back instead)', async () => {
    const body = JSON.stringify(grafanaPayload([{ labels: { alertname: 'Storm', service: 'storm' } }]));
    const headers = {
      'content-type': 'application/json',
      'x-grafana-alerting-signature': sign.grafana(GRAFANA_SECRET, body),
    };
    const answers = await Promise.all(
      Array.from({ length: 30 }, () => fetch(`${limited}/api/v1/webhooks/grafana`, { method: 'POST', headers, body })),
    );
    expect(answers.map((r) => r.status)).toEqual(Array(30).fill(202));
    const withToken = await Promise.all(
      Array.from({ length: 10 }, () =>
        fetch(`${limited}/api/v1/webhooks/alertmanager`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.ingest}` },
          body: JSON.stringify({
            ...grafanaPayload([{ labels: { alertname: 'Storm', service: 'storm' } }]),
            version: '4',
          }),
        }),
      ),
    );
    expect(withToken.map((r) => r.status)).toEqual(Array(10).fill(202));
  });

  it('limits webhook deliveries per sender when AEGIS_INGEST_RATE_LIMIT sets a rate', async () => {
    const url = await serve({ webhooks: { ratePerSecond: 1, burst: 2 }, clock });
    const post = () =>
      fetch(`${url}/api/v1/webhooks/alertmanager`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.ingest}` },
        body: JSON.stringify({
          ...grafanaPayload([{ labels: { alertname: 'Paced', service: 'paced' } }]),
          version: '4',
        }),
      });
    expect([(await post()).status, (await post()).status, (await post()).status]).toEqual([202, 202, 429]);
  });

  it('carries the ingestion queue back-pressure through HTTP: 429 with Retry-After, audited, nothing stored', async () => {
    const url = await serve(undefined, 2);
    const payload = grafanaPayload([1, 2, 3].map((i) => ({ labels: { alertname: `Full${i}`, service: 'full' } })));
    const body = JSON.stringify(payload);
    const res = await fetch(`${url}/api/v1/webhooks/grafana`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-grafana-alerting-signature': sign.grafana(GRAFANA_SECRET, body),
      },
      body,
    });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('rate_limited');
    const audit = await store.audit.list({ action: 'webhook.grafana', limit: 10 });
    expect(audit.items[0]).toMatchObject({ status: 429, actor: 'webhook:grafana' });
    const stored = await t.db.query("SELECT count(*)::int AS n FROM incident_signals WHERE service = 'full'");
    expect(stored.rows[0]).toEqual({ n: 0 });
  });

  it('answers 413 for an oversized body on every webhook route, signed or not, before any handler runs', async () => {
    const big = 'x'.repeat(BODY_LIMIT + 1);
    const json = JSON.stringify({
      ...grafanaPayload([{ labels: { alertname: 'Big', service: 'big' } }]),
      padding: big,
    });
    const form = `payload=${encodeURIComponent(JSON.stringify({ padding: big }))}`;
    const cases: Array<[string, string, string, Record<string, string>]> = [
      ['grafana', 'application/json', json, { 'x-grafana-alerting-signature': sign.grafana(GRAFANA_SECRET, json) }],
      ['alertmanager', 'application/json', json, { authorization: `Bearer ${tokens.ingest}` }],
      [
        'github',
        'application/x-www-form-urlencoded',
        form,
        {
          'x-hub-signature-256': sign.github('gh-secret', form),
          'x-github-event': 'push',
          'x-github-delivery': 'big-1',
        },
      ],
      [
        'slack',
        'application/x-www-form-urlencoded',
        form,
        { 'x-slack-signature': 'v0=00', 'x-slack-request-timestamp': '1' },
      ],
    ];
    for (const [route, type, body, headers] of cases) {
      const res = await fetch(`${limited}/api/v1/webhooks/${route}`, {
        method: 'POST',
        headers: { 'content-type': type, ...headers },
        body,
      });
      expect(res.status, route).toBe(413);
      expect(((await res.json()) as { error: { code: string } }).error.code, route).toBe('payload_too_large');
    }
  });
});
