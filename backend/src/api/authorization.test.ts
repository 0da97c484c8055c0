import express from 'express';
import { readFile, rm, mkdtemp } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Registry } from 'prom-client';
import { io as connect } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_SIM, startTestServer, type TestServer } from '../../test/helpers/server.js';
import { sign } from '../ingest/signature.js';
import { withMcpEndpoint } from '../pipeline/mcp.js';
import type { ToolRegistry } from '../pipeline/tools.js';
import { systemClock } from '../platform/clock.js';
import { silentLogger } from '../platform/logger.js';
import type { Authenticator } from './auth.js';
import { createPreviewRouter, withPreview } from './preview.js';
import { createApp } from './server.js';

/**
 * Every endpoint × every kind of caller, against the table in docs/authorization.md (read from there,
 * so the documentation is the expectation). One backend without the simulated cluster; the demo
 * preview router is composed around it the way main.ts does in demo mode.
 */
const DOC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../docs/authorization.md');
const COLUMNS = [
  'viewer',
  'operator',
  'admin',
  'ingest',
  'grafana',
  'grafana + user',
  'none',
  'bad token',
  'signed',
] as const;
type Column = (typeof COLUMNS)[number];
type Expectation = 'allowed' | '401' | '403' | '—';
const SECRETS = { grafana: 'authz-grafana-secret', github: 'authz-github-secret', slack: 'authz-slack-secret' };
const SOME_ID = '00000000-0000-4000-8000-000000000000';

async function readMatrix(): Promise<Map<string, Record<Column, Expectation>>> {
  const text = await readFile(DOC, 'utf8');
  const block = /<!-- authorization-matrix:start -->\n([\s\S]*?)<!-- authorization-matrix:end -->/.exec(text)?.[1];
  if (!block) throw new Error(`${DOC} has no authorization-matrix block`);
  const [header, , ...rows] = block.trim().split('\n');
  const cells = (line: string) =>
    line
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim());
  expect(cells(header ?? ''), 'the table header').toEqual(['endpoint', ...COLUMNS, 'notes']);
  const matrix = new Map<string, Record<Column, Expectation>>();
  for (const row of rows) {
    const [endpoint, ...values] = cells(row);
    const name = (endpoint ?? '').replace(/^`|`$/g, '');
    for (const v of values.slice(0, COLUMNS.length)) {
      if (!['allowed', '401', '403', '—'].includes(v)) throw new Error(`${name}: "${v}" is not allowed, 401, 403 or —`);
    }
    if (matrix.has(name)) throw new Error(`${name} has two rows`);
    matrix.set(name, Object.fromEntries(COLUMNS.map((c, i) => [c, values[i]])) as Record<Column, Expectation>);
  }
  return matrix;
}

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  rawPath?: string;
  name?: string;
}

/** The routes an Express app or router declares, as `METHOD /path` (static mounts as `GET /mount/*`). */
function declaredEndpoints(stack: Layer[], { mounts = false } = {}): string[] {
  const out: string[] = [];
  for (const layer of stack) {
    if (layer.route) {
      const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
      for (const method of Object.keys(layer.route.methods).filter((m) => m !== '_all'))
        for (const p of paths) out.push(`${method.toUpperCase()} ${p.replace(/\/\{\*\w+\}$/, '/*')}`);
    } else if (mounts && layer.name === 'serveStatic' && layer.rawPath && layer.rawPath !== '/') {
      out.push(`GET ${layer.rawPath}/*`);
    }
  }
  return out;
}

const stackOf = (app: express.Express | express.Router) =>
  ((app as { router?: { stack: Layer[] } }).router?.stack ?? (app as unknown as { stack: Layer[] }).stack) as Layer[];

/** App-level endpoints outside the OpenAPI document: the API app's own, the MCP endpoint's and the preview's. */
function outsideOpenApi(): { app: string[]; mcp: string[]; preview: string[] } {
  const noAuth: Authenticator = { authenticate: async () => undefined, forget: () => {} };
  const app = createApp({
    routes: [],
    authenticator: noAuth,
    audit: { record: async () => {}, list: async () => ({ items: [], next: null }) },
    logger: silentLogger,
    metrics: new Registry(),
    version: 'test',
    bodyLimit: 1000,
    ready: async () => {},
  });
  const mcp = withMcpEndpoint({
    inner: express(),
    registry: {} as ToolRegistry,
    authenticator: noAuth,
    logger: silentLogger,
  });
  const preview = createPreviewRouter({
    repoRoot: tmpdir(),
    tokens: {} as never,
    audit: {} as never,
    clock: systemClock,
    logger: silentLogger,
  });
  return {
    app: declaredEndpoints(stackOf(app)),
    mcp: declaredEndpoints(stackOf(mcp)),
    preview: declaredEndpoints(stackOf(preview), { mounts: true }),
  };
}

describe('authorisation matrix (docs/authorization.md)', () => {
  let s: TestServer;
  let previewUrl: string;
  let previewServer: http.Server;
  let previewRoot: string;
  let matrix: Map<string, Record<Column, Expectation>>;
  let endpoints: { openapi: string[]; app: string[]; mcp: string[]; preview: string[] };
  const credentials: Partial<Record<Column, Record<string, string>>> = {};

  beforeAll(async () => {
    s = await startTestServer({
      env: {
        ...NO_SIM,
        // Hundreds of requests from one address: a 429 would hide the authorisation answer.
        AEGIS_RATE_LIMIT: '0',
        AEGIS_GRAFANA_WEBHOOK_SECRET: SECRETS.grafana,
        AEGIS_GITHUB_WEBHOOK_SECRET: SECRETS.github,
        AEGIS_SLACK_SIGNING_SECRET: SECRETS.slack,
      },
    });
    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
    const [viewer, operator, ingest, grafana] = await Promise.all(
      (['viewer', 'operator', 'ingest', 'grafana'] as const).map((r) => s.token(r, `authz-${r}`)),
    );
    Object.assign(credentials, {
      viewer: bearer(viewer!),
      operator: bearer(operator!),
      admin: bearer(s.adminToken),
      ingest: bearer(ingest!),
      grafana: bearer(grafana!),
      'grafana + user': { ...bearer(grafana!), 'x-grafana-user': 'alice' },
      none: {},
      'bad token': bearer('aegis_not_a_real_token_0000000000'),
    });
    previewRoot = await mkdtemp(path.join(tmpdir(), 'aegis-authz-preview-'));
    const preview = createPreviewRouter({
      repoRoot: previewRoot,
      tokens: s.handle.store.tokens,
      audit: s.handle.store.audit,
      clock: systemClock,
      logger: silentLogger,
    });
    previewServer = http.createServer(withPreview(preview, express(), silentLogger));
    await new Promise<void>((r) => previewServer.listen(0, '127.0.0.1', r));
    previewUrl = `http://127.0.0.1:${(previewServer.address() as AddressInfo).port}`;

    matrix = await readMatrix();
    const doc = (await s.request('GET', '/api/openapi.json', { token: s.adminToken })).body as {
      paths: Record<string, Record<string, unknown>>;
    };
    const openapi = Object.entries(doc.paths).flatMap(([p, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`),
    );
    endpoints = { openapi, ...outsideOpenApi() };
  });
  afterAll(async () => {
    await new Promise<void>((r) => (previewServer ? previewServer.close(() => r()) : r()));
    await s?.stop();
    if (previewRoot) await rm(previewRoot, { recursive: true, force: true });
  });

  it('has exactly one row for every endpoint served, and none for endpoints that do not exist', () => {
    const served = [...endpoints.openapi, ...endpoints.app, ...endpoints.mcp, ...endpoints.preview, 'WS /socket.io'];
    expect(endpoints.openapi.length).toBeGreaterThan(30);
    expect(endpoints.app).toEqual(expect.arrayContaining(['GET /healthz', 'GET /metrics']));
    expect(endpoints.mcp).toEqual(['POST /api/v1/mcp']);
    expect(endpoints.preview).toEqual(expect.arrayContaining(['POST /preview/session', 'GET /preview/assets/*']));
    const missing = served.filter((e) => !matrix.has(e));
    expect(missing, 'endpoints without a row in docs/authorization.md').toEqual([]);
    const stale = [...matrix.keys()].filter((e) => !served.includes(e));
    expect(stale, 'rows in docs/authorization.md for endpoints that are not served').toEqual([]);
  });

  /** The request a cell stands for: the column's credentials, a placeholder id and body. */
  function requestFor(endpoint: string, column: Column): { url: string; init: RequestInit } {
    const [method = 'GET', template = '/'] = endpoint.split(' ');
    const pathname = template.replaceAll('{id}', SOME_ID).replace(/\*$/, 'missing.js');
    const base = endpoints.preview.includes(endpoint) ? previewUrl : s.url;
    const headers: Record<string, string> = { ...credentials[column] };
    let body: string | undefined = method === 'GET' ? undefined : '{}';
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (column === 'signed') {
      const source = /\/webhooks\/(\w+)$/.exec(pathname)?.[1];
      body = '{}';
      if (source === 'grafana') headers['x-grafana-alerting-signature'] = sign.grafana(SECRETS.grafana, body);
      else if (source === 'github') {
        Object.assign(headers, {
          'x-hub-signature-256': sign.github(SECRETS.github, body),
          'x-github-event': 'ping',
          'x-github-delivery': `authz-${Math.random().toString(36).slice(2)}`,
        });
      } else if (source === 'slack') {
        body = 'text=status';
        const ts = String(Math.floor(Date.now() / 1000));
        Object.assign(headers, {
          'content-type': 'application/x-www-form-urlencoded',
          'x-slack-request-timestamp': ts,
          'x-slack-signature': sign.slack(SECRETS.slack, body, ts),
        });
      } else throw new Error(`${endpoint}: no signature known for column "signed"`);
    }
    return { url: base + pathname, init: { method, headers, body } };
  }

  const verdict = (status: number): Expectation | '429' =>
    status === 401 ? '401' : status === 403 ? '403' : status === 429 ? '429' : 'allowed';

  it('answers every HTTP endpoint × caller as documented (allowed = neither 401 nor 403)', async () => {
    const mismatches: string[] = [];
    let checked = 0;
    for (const [endpoint, expected] of matrix) {
      if (endpoint.startsWith('WS ')) continue;
      for (const column of COLUMNS) {
        if (expected[column] === '—') continue;
        const { url, init } = requestFor(endpoint, column);
        const res = await fetch(url, init);
        const text = await res.text();
        checked++;
        const got = verdict(res.status);
        if (got !== expected[column])
          mismatches.push(
            `${endpoint} as ${column}: documented ${expected[column]}, got ${res.status} ${text.slice(0, 120)}`,
          );
        else if (got !== 'allowed') expect(JSON.parse(text).error.code, `${endpoint} as ${column}`).toBeTruthy();
      }
    }
    expect(mismatches).toEqual([]);
    expect(checked).toBeGreaterThan(300);
  }, 60_000);

  it('authenticates WebSocket (socket.io) clients as documented: read permission, 401 without a valid token', async () => {
    const expected = matrix.get('WS /socket.io');
    expect(expected).toBeDefined();
    const outcome = (column: Column) =>
      new Promise<Expectation>((resolve) => {
        const headers = credentials[column] ?? {};
        const token = headers.authorization?.replace(/^Bearer /, '');
        const socket = connect(s.url, {
          auth: token ? { token } : {},
          extraHeaders: headers['x-grafana-user'] ? { 'x-grafana-user': headers['x-grafana-user'] } : {},
          transports: ['websocket'],
          reconnection: false,
          timeout: 5000,
        });
        socket.on('connect', () => {
          socket.close();
          resolve('allowed');
        });
        socket.on('connect_error', (err) => {
          socket.close();
          resolve(/may not/.test(err.message) ? '403' : '401');
        });
      });
    const mismatches: string[] = [];
    for (const column of COLUMNS) {
      const want = expected?.[column];
      if (!want || want === '—') continue;
      const got = await outcome(column);
      if (got !== want) mismatches.push(`WS /socket.io as ${column}: documented ${want}, got ${got}`);
    }
    expect(mismatches).toEqual([]);
  });
});
