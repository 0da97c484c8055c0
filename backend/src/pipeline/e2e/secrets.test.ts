import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, secretValues, type AegisConfig } from '../../config/index.js';
import { sign } from '../../ingest/signature.js';
import { type AegisHandle, startAegis } from '../../main.js';
import { createLogger } from '../../platform/logger.js';
import { remediationPolicySchema } from '../../remediation/policy.js';
import { scaledClock } from '../../remediation/testing.js';
import { signedGrafanaAlert, waitFor } from './harness.js';

/**
 * Secrets never leak: the backend starts with a known, unique value in every secret setting, runs a
 * whole incident (signed alert → agents → proposal → approval → remediation → postmortem through a
 * fake OpenAI-compatible LLM), answers some requests with errors, and then every log line, every error
 * body, every database row and every outbound request body is searched for each value. The only
 * allowed sighting: a credential in the Authorization header of a request to its own service.
 */
const SPEED = 60;
const clock = scaledClock(SPEED);
const ECHO_MARKER = 'LLM failure path';
const unique = (what: string) => `S3cr3t-${what}-${randomBytes(9).toString('hex')}`;

interface Recorded {
  method: string;
  url: string;
  authorization?: string;
  body: string;
}

/** One local stand-in for the outbound services: the LLM, Grafana's annotation API and a Slack webhook. */
async function startOutbound() {
  const requests: Recorded[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization, body });
      const json = (status: number, value: unknown) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
      if (req.url?.endsWith('/chat/completions')) {
        // A misbehaving upstream that echoes the credential in its error: Aegis must not pass it on.
        if (body.includes(ECHO_MARKER)) return json(500, { error: `bad key ${req.headers.authorization}` });
        return json(200, {
          choices: [{ message: { content: 'The service failed after a deploy and was rolled back.' } }],
          usage: { total_tokens: 42 },
        });
      }
      if (req.url?.startsWith('/grafana/api/annotations')) return json(200, { id: 1, message: 'ok' });
      if (req.url?.startsWith('/slack/')) return res.writeHead(200).end('ok');
      json(404, { message: 'not found' });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, requests, close: () => new Promise<void>((r) => server.close(() => r())) };
}

let home: string;
let handle: AegisHandle;
let outbound: Awaited<ReturnType<typeof startOutbound>>;
let config: AegisConfig;
const logLines: string[] = [];
const processOutput: string[] = [];
const errorBodies: string[] = [];
const busEvents: string[] = [];
const restore: Array<() => void> = [];
let operator = '';
let viewer = '';

/** Everything the process writes to stdout/stderr while the test runs, besides vitest's own output. */
function captureProcessOutput() {
  for (const stream of [process.stdout, process.stderr]) {
    const original = stream.write.bind(stream);
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      processOutput.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
      return (original as (...a: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof stream.write;
    restore.push(() => (stream.write = original as typeof stream.write));
  }
}

async function api(
  method: string,
  pathname: string,
  o: { token?: string; raw?: string; headers?: Record<string, string> } = {},
) {
  const headers: Record<string, string> = { ...o.headers };
  if (o.token) headers.authorization = `Bearer ${o.token}`;
  if (o.raw !== undefined) headers['content-type'] ??= 'application/json';
  const res = await fetch(handle.url + pathname, { method, headers, body: o.raw });
  const text = await res.text();
  if (res.status >= 400) errorBodies.push(`${res.status} ${method} ${pathname}: ${text}`);
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* text */
  }
  return { status: res.status, body };
}

beforeAll(async () => {
  home = await mkdtemp(path.join(tmpdir(), 'aegis-secrets-'));
  outbound = await startOutbound();
  config = loadConfig(
    {
      AEGIS_HOME: home,
      AEGIS_PORT: '0',
      AEGIS_ADMIN_TOKEN: unique('admin-token'),
      AEGIS_INGEST_TOKEN: unique('ingest-token'),
      AEGIS_GRAFANA_TOKEN: unique('grafana-token'),
      AEGIS_TOKEN: unique('cli-token'),
      AEGIS_GRAFANA_URL: `${outbound.url}/grafana`,
      AEGIS_GRAFANA_API_TOKEN: unique('grafana-api-token'),
      AEGIS_GRAFANA_WEBHOOK_SECRET: unique('grafana-webhook-secret'),
      AEGIS_GITHUB_WEBHOOK_SECRET: unique('github-webhook-secret'),
      AEGIS_SLACK_SIGNING_SECRET: unique('slack-signing-secret'),
      AEGIS_GITHUB_TOKEN: unique('github-token'),
      AEGIS_SLACK_WEBHOOK_URL: `${outbound.url}/slack/${unique('slack-webhook-path')}`,
      AEGIS_SLACK_BOT_TOKEN: unique('slack-bot-token'),
      AEGIS_LLM_URL: `${outbound.url}/v1`,
      AEGIS_LLM_MODEL: 'fake',
      AEGIS_LLM_API_KEY: unique('llm-api-key'),
    },
    { cwd: home },
  );
  captureProcessOutput();
  // Unscrubbed on purpose: the production logger masks configured secrets, this test finds them at their source.
  const logger = createLogger({ level: 'debug', write: (line) => logLines.push(line) });
  handle = await startAegis({
    config,
    clock,
    logger,
    remediationPolicy: remediationPolicySchema.parse({ verifyDeadlineMs: 20 * 60_000 }),
  });
  // What WebSocket clients and notifiers are sent.
  handle.bus.subscribe('*', (event) => {
    busEvents.push(JSON.stringify(event));
  });
  const admin = config.AEGIS_ADMIN_TOKEN!;
  operator = (
    await api('POST', '/api/v1/tokens', { token: admin, raw: JSON.stringify({ name: 'op', role: 'operator' }) })
  ).body.secret;
  viewer = (await api('POST', '/api/v1/tokens', { token: admin, raw: JSON.stringify({ name: 'v', role: 'viewer' }) }))
    .body.secret;
  expect(operator).toBeTruthy();
}, 180_000);

afterAll(async () => {
  for (const undo of restore) undo();
  await handle?.close();
  await outbound?.close();
  if (home) await rm(home, { recursive: true, force: true });
});

/** Requests that fail on purpose: each error answer joins the bodies scanned. */
async function failSome() {
  const admin = config.AEGIS_ADMIN_TOKEN!;
  const statuses = [
    (await api('GET', '/api/v1/incidents', { token: `${admin}x` })).status,
    (await api('GET', '/api/v1/incidents', { headers: { authorization: `Basic ${admin}` } })).status,
    (await api('GET', '/api/v1/audit', { token: config.AEGIS_GRAFANA_TOKEN })).status,
    (
      await api('GET', '/api/v1/incidents', {
        token: config.AEGIS_INGEST_TOKEN,
        headers: { 'x-grafana-user': 'mallory' },
      })
    ).status,
  ];
  const alert = signedGrafanaAlert(`${config.AEGIS_GRAFANA_WEBHOOK_SECRET}-wrong`, {
    service: 'x',
    alertname: 'Forged',
    namespace: 'boutique',
    startsAt: new Date().toISOString(),
  });
  statuses.push((await api('POST', '/api/v1/webhooks/grafana', { raw: alert.raw, headers: alert.headers })).status);
  const push = JSON.stringify({
    ref: 'refs/heads/main',
    after: 'abc123',
    repository: { full_name: 'acme/shop', name: 'shop' },
    // No IaC file: a changed one would be fetched from api.github.com, and this test stays on this machine.
    commits: [{ id: 'abc123', added: ['README.md'] }],
  });
  const github = (signature: string) =>
    api('POST', '/api/v1/webhooks/github', {
      raw: push,
      headers: {
        'x-github-event': 'push',
        'x-github-delivery': `secrets-${signature.length}`,
        'x-hub-signature-256': signature,
      },
    });
  statuses.push((await github(sign.github('wrong', push))).status);
  statuses.push((await github(sign.github(config.AEGIS_GITHUB_WEBHOOK_SECRET!, push))).status);
  const ts = String(Math.floor(Date.now() / 1000));
  const slackBody = 'command=%2Faegis&text=status&user_id=U1&trigger_id=t1';
  statuses.push(
    (
      await api('POST', '/api/v1/webhooks/slack', {
        raw: slackBody,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-slack-request-timestamp': ts,
          'x-slack-signature': sign.slack('wrong', slackBody, ts),
        },
      })
    ).status,
  );
  statuses.push((await api('POST', '/api/v1/incidents', { token: operator, raw: '{"title": ' })).status);
  statuses.push(
    (
      await api('POST', '/api/v1/iac/scan', {
        token: operator,
        raw: JSON.stringify({ path: '/nonexistent/secret/path' }),
      })
    ).status,
  );
  return statuses;
}

describe('secrets never leak', () => {
  it('runs an incident end to end and some failing requests, then finds no secret anywhere', async () => {
    expect(await failSome()).toEqual([401, 401, 403, 403, 401, 401, 202, 401, 400, expect.any(Number)]);

    // Bad deploy → signed Grafana alert → one incident → agents → rollback proposal.
    const service = 'currencyservice';
    expect(
      (
        await api('POST', '/api/v1/simulator/inject', {
          token: operator,
          raw: JSON.stringify({ scenario: 'bad-deploy', service, seed: 5 }),
        })
      ).status,
    ).toBe(201);
    await new Promise((r) => setTimeout(r, (5 * 60_000) / SPEED));
    const alert = signedGrafanaAlert(config.AEGIS_GRAFANA_WEBHOOK_SECRET!, {
      service,
      alertname: 'HighErrorRate',
      namespace: 'boutique',
      startsAt: new Date(clock.nowMs() - 150_000).toISOString(),
    });
    expect((await api('POST', '/api/v1/webhooks/grafana', { raw: alert.raw, headers: alert.headers })).status).toBe(
      202,
    );
    const incident = await waitFor(
      'the incident',
      async () =>
        (await api('GET', `/api/v1/incidents?service=${service}`, { token: viewer })).body.items?.[0] as
          { id: string } | undefined,
      30_000,
    );
    const proposal = await waitFor(
      'a proposal',
      async () =>
        (await api('GET', `/api/v1/incidents/${incident.id}/remediations`, { token: viewer })).body.items?.[0] as
          { id: string } | undefined,
      120_000,
      500,
    );
    expect(
      (
        await api('POST', `/api/v1/remediations/${proposal.id}/approve`, {
          token: config.AEGIS_GRAFANA_TOKEN,
          headers: { 'x-grafana-user': 'alice' },
        })
      ).status,
    ).toBe(200);
    const done = await waitFor(
      'the remediation',
      async () => {
        const r = (await api('GET', `/api/v1/remediations/${proposal.id}`, { token: viewer })).body as {
          status: string;
        };
        return ['succeeded', 'failed', 'reverted'].includes(r.status) ? r : undefined;
      },
      150_000,
      500,
    );
    expect(done.status).toBe('succeeded');
    await waitFor(
      'the postmortem',
      async () =>
        (await api('GET', `/api/v1/incidents/${incident.id}/postmortem`, { token: viewer })).status === 200
          ? true
          : undefined,
      60_000,
      500,
    );

    // A second postmortem whose LLM call fails with the key echoed back in the error body.
    const manual = await api('POST', '/api/v1/incidents', {
      token: operator,
      raw: JSON.stringify({ title: `${ECHO_MARKER} check`, services: ['adservice'], severity: 'low' }),
    });
    expect(manual.status).toBe(201);
    expect(
      (await api('POST', `/api/v1/incidents/${manual.body.id}/resolve`, { token: operator, raw: '{}' })).status,
    ).toBe(200);
    await waitFor(
      'the second postmortem',
      async () =>
        (await api('GET', `/api/v1/incidents/${manual.body.id}/postmortem`, { token: viewer })).status === 200
          ? true
          : undefined,
      60_000,
      500,
    );
    expect(logLines.some((l) => l.includes('LLM summary failed') && l.includes('500'))).toBe(true);

    const llmCalls = outbound.requests.filter((r) => r.url.endsWith('/chat/completions'));
    expect(llmCalls.length).toBeGreaterThanOrEqual(2);
    expect(llmCalls.every((r) => r.authorization === `Bearer ${config.AEGIS_LLM_API_KEY}`)).toBe(true);

    // Everything that could carry a secret, as text.
    const db = handle.store.db;
    const tables = (
      await db.query<{ table_name: string }>(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
      )
    ).rows.map((r) => r.table_name);
    expect(tables).toEqual(
      expect.arrayContaining([
        'agent_executions',
        'incident_timeline',
        'audit_log',
        'remediations',
        'incident_signals',
      ]),
    );
    const rows: Array<[string, string]> = [];
    for (const table of tables) {
      const { rows: found } = await db.query<{ row: string }>(`SELECT row_to_json(t)::text AS row FROM "${table}" t`);
      for (const r of found) rows.push([`${table} row`, r.row]);
    }
    const haystacks: Array<[string, string]> = [
      ...logLines.map((l): [string, string] => ['log line', l]),
      ...processOutput.map((l): [string, string] => ['process output', l]),
      ...errorBodies.map((b): [string, string] => ['error body', b]),
      ...busEvents.map((e): [string, string] => ['bus event', e]),
      ...rows,
      ...outbound.requests.map((r): [string, string] => [
        `${r.method} ${r.url.replace(/\/slack\/.*/, '/slack/…')} body`,
        r.body,
      ]),
      // A credential may ride only in the Authorization header of a request to its own service.
      ...outbound.requests
        .filter((r) => r.authorization && !(r.url.endsWith('/chat/completions') || r.url.startsWith('/grafana/')))
        .map((r): [string, string] => [`${r.url} authorization`, r.authorization ?? '']),
      ...outbound.requests
        .filter((r) => r.url.endsWith('/chat/completions') && r.authorization !== `Bearer ${config.AEGIS_LLM_API_KEY}`)
        .map((r): [string, string] => ['LLM authorization', r.authorization ?? '']),
    ];
    const slackPath = new URL(config.AEGIS_SLACK_WEBHOOK_URL!).pathname.split('/').pop() ?? '';
    const secrets = [...secretValues(config), slackPath, operator, viewer];
    expect(secrets.length).toBeGreaterThanOrEqual(14);
    const leaks: string[] = [];
    for (const secret of secrets)
      for (const [where, text] of haystacks)
        if (text.includes(secret)) leaks.push(`${secret.slice(0, 24)}… in ${where}: ${text.slice(0, 300)}`);

    const count = (what: string) => rows.filter(([w]) => w === `${what} row`).length;
    console.info(
      `[secrets] ${secrets.length} secrets × ${haystacks.length} texts: ${logLines.length} log lines, ${processOutput.length} process writes, ` +
        `${errorBodies.length} error bodies, ${busEvents.length} bus events, ${rows.length} rows in ${tables.length} tables (agent_executions ${count('agent_executions')}, ` +
        `incident_timeline ${count('incident_timeline')}, audit_log ${count('audit_log')}, remediations ${count('remediations')}, ` +
        `incident_signals ${count('incident_signals')}), ${outbound.requests.length} outbound requests (${llmCalls.length} to the LLM) → ${leaks.length} leaks`,
    );
    // The scan looked at a real run: logs, error answers, agent records, audit, signals and the LLM prompt.
    expect(logLines.length).toBeGreaterThan(10);
    expect(errorBodies.length).toBeGreaterThanOrEqual(9);
    expect(rows.filter(([w]) => w === 'agent_executions row').length).toBeGreaterThan(3);
    expect(rows.filter(([w]) => w === 'audit_log row').length).toBeGreaterThan(10);
    expect(leaks).toEqual([]);
  }, 300_000);
});
