import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/index.js';
import { type AegisHandle, startAegis } from '../../main.js';
import { createMemoryLogger } from '../../platform/logger.js';
import { remediationPolicySchema } from '../../remediation/policy.js';
import { scaledClock } from '../../remediation/testing.js';
import { httpClient, kubectlJson as kubectl, type RequestOptions, signedGrafanaAlert, slackReceiver, waitFor } from './harness.js';

type Http = (method: string, path: string, o?: RequestOptions) => Promise<{ status: number; body: any }>;
const kubectlJson = (kubeconfig: string, args: string[]): Promise<any> => kubectl(kubeconfig, args);

/**
 * End to end on the in-process simulated cluster, at 30× real time: fault → signed Grafana alert →
 * one incident → agents → RCA → proposal with dry run → operator approval → applied → verified →
 * resolved with a postmortem; Slack (local receiver) and WebSocket clients see each step.
 */
const SPEED = 30;
const SECRET = 'e2e-grafana-secret';
const clock = scaledClock(SPEED);
const simMinutes = (m: number) => new Promise((r) => setTimeout(r, (m * 60_000) / SPEED));
const AGENTS = ['triage', 'log-analyst', 'metric-correlator', 'rca', 'security-auditor', 'compliance-checker', 'fixer'];

let home: string;
let handle: AegisHandle;
let api: Http;
let slack: Awaited<ReturnType<typeof slackReceiver>>;
let ws: Socket;
const seen: Array<{ topic: string; type: string; data: any }> = [];
let admin: string;
let operator: string;
let viewer: string;
let grafana: string;
let firstIncident = '';

beforeAll(async () => {
  home = await mkdtemp(path.join(tmpdir(), 'aegis-e2e-'));
  slack = await slackReceiver();
  const config = loadConfig({ AEGIS_HOME: home, AEGIS_PORT: '0', AEGIS_GRAFANA_WEBHOOK_SECRET: SECRET, AEGIS_SLACK_WEBHOOK_URL: slack.url }, { cwd: home });
  handle = await startAegis({ config, clock, logger: createMemoryLogger('warn'), remediationPolicy: remediationPolicySchema.parse({ verifyDeadlineMs: 20 * 60_000 }) });
  api = httpClient(handle.url);
  admin = handle.bootstrapAdminToken ?? (await handle.store.tokens.create({ name: 'a', role: 'admin', createdBy: 't' })).secret;
  operator = (await handle.store.tokens.create({ name: 'op', role: 'operator', createdBy: 't' })).secret;
  viewer = (await handle.store.tokens.create({ name: 'v', role: 'viewer', createdBy: 't' })).secret;
  grafana = (await handle.store.tokens.create({ name: 'g', role: 'grafana', createdBy: 't' })).secret;
  ws = connect(handle.url, { auth: { token: viewer }, transports: ['websocket'] });
  for (const topic of ['incidents', 'agent-activity', 'remediations']) ws.on(topic, (e: { type: string; data: any }) => seen.push({ topic, type: e.type, data: e.data }));
  ws.on('connect_error', (e) => console.warn('[e2e] websocket connect_error', e.message));
  await waitFor('websocket', async () => (ws.connected ? true : undefined), 30_000);
}, 120_000);

afterAll(async () => {
  ws?.close();
  await handle?.close();
  await slack?.close();
  if (home) await rm(home, { recursive: true, force: true });
});

async function incidentFor(service: string) {
  const res = await api('GET', `/api/v1/incidents?service=${service}`, { token: viewer });
  return res.body.items as Array<{ id: string; status: string }>;
}

/** The whole loop for one fault; returns what the test checks afterwards. */
async function loop(scenario: string, service: string, alertname: string, developMinutes: number) {
  const injected = await api('POST', '/api/v1/simulator/inject', { token: admin, body: { scenario, service, seed: 5 } });
  expect(injected.status).toBe(201);
  await simMinutes(developMinutes);
  // Grafana notifies after the rule's pending period: the alert started firing a few minutes before it arrives.
  const alert = signedGrafanaAlert(SECRET, { service, alertname, namespace: 'boutique', startsAt: new Date(clock.nowMs() - (developMinutes / 2) * 60_000).toISOString() });
  const forged = { ...alert.headers, 'x-grafana-alerting-signature': alert.headers['x-grafana-alerting-signature'].replace(/^./, (c) => (c === '0' ? '1' : '0')) };
  expect((await api('POST', '/api/v1/webhooks/grafana', { raw: alert.raw, headers: forged })).status).toBe(401);
  for (let i = 0; i < 2; i++) expect((await api('POST', '/api/v1/webhooks/grafana', { raw: alert.raw, headers: alert.headers })).status).toBe(202);
  const incidents = await waitFor('the incident', async () => ((await incidentFor(service)).length ? incidentFor(service) : undefined), 30_000);
  expect(incidents).toHaveLength(1);
  const id = incidents[0]?.id as string;
  const proposed = await waitFor('a proposal', async () => (await api('GET', `/api/v1/incidents/${id}/remediations`, { token: viewer })).body.items?.[0], 120_000, 500);
  return { id, proposed };
}

async function approveAndFinish(id: string, remediationId: string) {
  expect((await api('POST', `/api/v1/remediations/${remediationId}/approve`, { token: viewer })).status).toBe(403);
  expect((await api('POST', `/api/v1/remediations/${remediationId}/approve`, { token: grafana })).status).toBe(403);
  const [a, b] = await Promise.all([
    api('POST', `/api/v1/remediations/${remediationId}/approve`, { token: grafana, headers: { 'x-grafana-user': 'alice' } }),
    api('POST', `/api/v1/remediations/${remediationId}/approve`, { token: operator }),
  ]);
  expect([a.status, b.status].sort()).toEqual([200, 409]);
  const done = await waitFor('verification', async () => {
    const r = (await api('GET', `/api/v1/remediations/${remediationId}`, { token: viewer })).body;
    return ['succeeded', 'failed', 'reverted'].includes(r.status) ? r : undefined;
  }, 150_000, 500);
  expect(done.error).toBeNull();
  expect(done.status).toBe('succeeded');
  expect(['grafana:alice', 'op']).toContain(done.approved_by);
  const incident = await waitFor('resolution', async () => {
    const i = (await api('GET', `/api/v1/incidents/${id}`, { token: viewer })).body;
    return i.status === 'resolved' ? i : undefined;
  }, 30_000);
  const pm = await waitFor('postmortem', async () => {
    const r = await api('GET', `/api/v1/incidents/${id}/postmortem`, { token: viewer });
    return r.status === 200 ? r.body : undefined;
  }, 30_000);
  for (const section of ['## Summary', '## Impact', '## Timeline', '## Root cause', '## Resolution', '## Follow-ups']) expect(pm.markdown).toContain(section);
  return { done, incident, pm };
}

async function checkRecorded(id: string, service: string) {
  const execs = (await api('GET', `/api/v1/incidents/${id}/executions`, { token: viewer })).body.items as Array<{ agent: string; status: string; tool_calls: unknown[] }>;
  for (const agent of AGENTS) expect(execs.some((e) => e.agent === agent && e.status === 'success'), `${agent} ran`).toBe(true);
  expect(execs.find((e) => e.agent === 'fixer')?.tool_calls.length).toBeGreaterThan(0);
  const rca = (await api('GET', `/api/v1/incidents/${id}/rca`, { token: viewer })).body;
  expect(rca.ranking[0].service).toBe(service);
}

function checkNotified(service: string, remediationId: string) {
  const types = (topic: string) => seen.filter((e) => e.topic === topic).map((e) => e.type);
  expect(types('incidents')).toContain('incident.opened');
  expect(types('agent-activity')).toEqual(expect.arrayContaining(['agent.started', 'agent.finished', 'pipeline.finished']));
  const mine = seen.filter((e) => e.topic === 'remediations' && e.data?.id === remediationId).map((e) => e.type);
  expect(mine).toEqual(['remediation.proposed', 'remediation.approved', 'remediation.applying', 'remediation.verifying', 'remediation.succeeded']);
  expect(slack.messages.some((m) => m.text?.includes('Remediation proposed') && m.text.includes(service))).toBe(true);
  expect(slack.messages.some((m) => m.text?.includes(`${service}: succeeded`))).toBe(true);
}

describe('MCP over HTTP', () => {
  it('serves the agents\' read-only tools to a token with read access, and nothing to anyone else', async () => {
    expect((await api('POST', '/api/v1/mcp', { body: { jsonrpc: '2.0', id: 1, method: 'tools/list' } })).status).toBe(401);
    const client = new Client({ name: 'e2e', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${handle.url}/api/v1/mcp`), { requestInit: { headers: { authorization: `Bearer ${viewer}` } } }));
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['graph_neighbours', 'k8s_get_deployment', 'metrics_query_range', 'logs_query']));
    const res = await client.callTool({ name: 'k8s_get_deployment', arguments: { name: 'adservice' } });
    expect(JSON.parse((res.content as Array<{ text: string }>)[0]?.text ?? '{}')).toMatchObject({ name: 'adservice', namespace: 'boutique' });
    await client.close();
  }, 60_000);
});

describe('incident loop on the simulated cluster', () => {
  it('memory leak → restart: alert, one incident, agents, RCA, dry-run proposal, approval, restart, verification, postmortem, notifications', async () => {
    const service = 'cartservice';
    const before = await kubectlJson(path.join(home, 'kubeconfig'), ['get', 'deployment', service, '-n', 'boutique']);
    const { id, proposed } = await loop('memory-leak', service, 'HighMemory', 12);
    firstIncident = id;
    expect(proposed.action_type).toBe('restart-deployment');
    expect(proposed.status).toBe('proposed');
    expect(proposed.dry_run.ok).toBe(true);
    expect(proposed.dry_run.mode).toContain('dryRun=All');
    await checkRecorded(id, service);
    const { done, pm } = await approveAndFinish(id, proposed.id);
    expect(done.verification.phase).toBe('passed');
    expect(done.verification.attributed).toBe(true);
    const memory = done.verification.checks.find((c: { metric: string | null; service: string }) => c.metric === 'memory' && c.service === service);
    expect(memory?.status).toBe('passed');
    expect(done.verification.checks.map((c: { id: string }) => c.id)).toEqual(expect.arrayContaining(['target-ready', `errors:${service}`]));
    const after = await kubectlJson(path.join(home, 'kubeconfig'), ['get', 'deployment', service, '-n', 'boutique']);
    if (after) {
      expect(after.spec.template.metadata.annotations['kubectl.kubernetes.io/restartedAt']).toBeTruthy();
      expect(after.metadata.generation).toBe(before.metadata.generation + 1);
    }
    expect(pm.markdown).toContain('restart-deployment');
    // The outcome teaches the fixer.
    const learned = await handle.store.db.query<{ action: string; success: boolean }>("SELECT action, success FROM fixer_outcomes WHERE source = 'real' AND remediation_id = $1", [proposed.id]);
    expect(learned.rows).toEqual([{ action: 'restart-deployment', success: true }]);
    checkNotified(service, proposed.id);
    const audit = (await api('GET', '/api/v1/audit?limit=500', { token: admin })).body.items as Array<{ action: string; result: string; status: number | null }>;
    expect(audit.some((a) => a.action.startsWith('webhook.grafana') && a.status === 401)).toBe(true);
    const stats = (await api('GET', '/api/v1/agents/stats', { token: viewer })).body.items as Array<{ agent: string; runs: number; success_rate: number }>;
    expect(stats.map((s) => s.agent)).toEqual(expect.arrayContaining(AGENTS));
  }, 300_000);

  it('bad deploy → rollback, and the similar-incidents view lists the first incident', async () => {
    const service = 'currencyservice';
    const before = await kubectlJson(path.join(home, 'kubeconfig'), ['get', 'deployment', service, '-n', 'boutique']);
    const { id, proposed } = await loop('bad-deploy', service, 'HighErrorRate', 5);
    expect(proposed.action_type).toBe('rollback-deployment');
    await checkRecorded(id, service);
    await approveAndFinish(id, proposed.id);
    const after = await kubectlJson(path.join(home, 'kubeconfig'), ['get', 'deployment', service, '-n', 'boutique']);
    if (after) expect(after.spec.template.spec.containers[0].image).toBe(before.spec.template.spec.containers[0].image);
    checkNotified(service, proposed.id);
    const similar = (await api('GET', `/api/v1/incidents/${id}/similar`, { token: viewer })).body.items as Array<{ incident_id: string; similarity: number; resolution: string | null; root_cause: string | null }>;
    const first = similar.find((s) => s.incident_id === firstIncident);
    expect(first?.root_cause).toBe('cartservice');
    expect(first?.resolution).toContain('restart');
    expect(first?.similarity).toBeLessThan(0.9); // a different fault on a different service
  }, 300_000);
});
