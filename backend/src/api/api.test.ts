import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_SIM, startTestServer, type TestServer } from '../../test/helpers/server.js';

describe('secured API', () => {
  let s: TestServer;
  let viewer: string;
  let operator: string;
  let grafana: string;
  let ingest: string;
  let incidentId: string;

  beforeAll(async () => {
    s = await startTestServer({ env: { ...NO_SIM, AEGIS_BODY_LIMIT: '2048' } });
    [viewer, operator, grafana, ingest] = await Promise.all([
      s.token('viewer'),
      s.token('operator'),
      s.token('grafana'),
      s.token('ingest'),
    ]);
    const created = await s.request('POST', '/api/v1/incidents', {
      token: operator,
      body: { title: 'cart latency', services: ['cartservice'], severity: 'high' },
    });
    expect(created.status).toBe(201);
    incidentId = created.body.id;
  });
  afterAll(async () => s?.stop());

  const auditFor = async (action: string) =>
    (await s.request('GET', `/api/v1/audit?action=${encodeURIComponent(action)}&limit=100`, { token: s.adminToken }))
      .body.items;

  it('health needs no token; everything else answers 401 with a JSON error', async () => {
    expect((await s.request('GET', '/healthz')).status).toBe(200);
    expect((await s.request('GET', '/readyz')).status).toBe(200);
    for (const path of ['/api/v1/incidents', '/metrics', '/api/openapi.json', '/api/v1/nope']) {
      const res = await s.request('GET', path);
      expect(res.status, path).toBe(401);
      expect(res.body.error.code).toBe('unauthenticated');
    }
    const bad = await s.request('GET', '/api/v1/incidents', { token: 'aeg_not-a-real-token' });
    expect(bad.status).toBe(401);
  });

  it('a viewer reads but cannot write', async () => {
    expect((await s.request('GET', '/api/v1/incidents', { token: viewer })).status).toBe(200);
    const ack = await s.request('POST', `/api/v1/incidents/${incidentId}/acknowledge`, { token: viewer });
    expect(ack.status).toBe(403);
    expect(ack.body.error.code).toBe('forbidden');
  });

  it('an operator acknowledges and resolves but cannot manage tokens or read the audit log', async () => {
    const ack = await s.request('POST', `/api/v1/incidents/${incidentId}/acknowledge`, { token: operator });
    expect(ack.status).toBe(200);
    expect(ack.body.acknowledged_by).toBe('token:operator-test');
    expect(
      (await s.request('POST', '/api/v1/tokens', { token: operator, body: { name: 'x', role: 'admin' } })).status,
    ).toBe(403);
    expect((await s.request('GET', '/api/v1/audit', { token: operator })).status).toBe(403);
  });

  it('an ingest token may not use the rest of the API', async () => {
    expect((await s.request('GET', '/api/v1/incidents', { token: ingest })).status).toBe(403);
  });

  it('an admin creates a token whose secret works once handed out, and revokes it', async () => {
    const created = await s.request('POST', '/api/v1/tokens', {
      token: s.adminToken,
      body: { name: 'ci', role: 'viewer' },
    });
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^aeg_/);
    expect((await s.request('GET', '/api/v1/incidents', { token: created.body.secret })).status).toBe(200);
    const list = await s.request('GET', '/api/v1/tokens', { token: s.adminToken });
    expect(JSON.stringify(list.body)).not.toContain(created.body.secret);
    expect((await s.request('DELETE', `/api/v1/tokens/${created.body.token.id}`, { token: s.adminToken })).status).toBe(
      200,
    );
    expect((await s.request('GET', '/api/v1/incidents', { token: created.body.secret })).status).toBe(401);
  });

  it('writes and denials land in the audit log with actor, action, target and result', async () => {
    const acks = await auditFor('incident.acknowledge');
    expect(acks).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ actor: 'token:viewer-test', target: incidentId, result: 'denied', status: 403 }),
        expect.objectContaining({ actor: 'token:operator-test', target: incidentId, result: 'success', status: 200 }),
      ]),
    );
    const creates = await auditFor('incident.create');
    expect(creates[0]).toMatchObject({ actor: 'token:operator-test', target: incidentId, result: 'success' });
    const anonymous = (await s.request('GET', '/api/v1/audit?actor=anonymous&limit=100', { token: s.adminToken })).body
      .items;
    expect(anonymous.some((e: { result: string; status: number }) => e.result === 'denied' && e.status === 401)).toBe(
      true,
    );
  });

  it('malformed JSON gets 400 and an oversized body 413, each with a reason and an audit entry', async () => {
    const malformed = await s.request('POST', `/api/v1/incidents`, { token: operator, rawBody: '{"title": ' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.message).toMatch(/malformed JSON/);
    const big = await s.request('POST', `/api/v1/incidents`, { token: operator, body: { title: 'x'.repeat(5000) } });
    expect(big.status).toBe(413);
    expect(big.body.error.message).toMatch(/exceeds the limit of 2048 bytes/);
    const invalid = await s.request('POST', `/api/v1/incidents`, {
      token: operator,
      body: { title: '', severity: 'huge' },
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.message).toMatch(/severity/);
    const rejected = (await s.request('GET', '/api/v1/audit?result=rejected&limit=100', { token: s.adminToken })).body
      .items;
    expect(rejected.map((e: { status: number }) => e.status)).toEqual(expect.arrayContaining([400, 413]));
  });

  it('bad query parameters and ids are refused with 400, unknown ids with 404', async () => {
    expect((await s.request('GET', '/api/v1/incidents?status=bogus', { token: viewer })).status).toBe(400);
    expect((await s.request('GET', '/api/v1/incidents?limit=100000', { token: viewer })).status).toBe(400);
    expect((await s.request('GET', '/api/v1/incidents?cursor=zzz', { token: viewer })).status).toBe(400);
    expect((await s.request('GET', '/api/v1/incidents/not-a-uuid', { token: viewer })).status).toBe(400);
    const missing = await s.request('GET', '/api/v1/incidents/00000000-0000-4000-8000-000000000000', { token: viewer });
    expect(missing.status).toBe(404);
  });

  it('only a grafana token may name the Grafana user, and it writes only on behalf of one', async () => {
    const spoof = await s.request('GET', '/api/v1/incidents', {
      token: operator,
      headers: { 'x-grafana-user': 'alice' },
    });
    expect(spoof.status).toBe(403);
    expect((await s.request('GET', '/api/v1/incidents', { token: grafana })).status).toBe(200);
    const anon = await s.request('POST', '/api/v1/incidents', { token: grafana, body: { title: 'from grafana' } });
    expect(anon.status).toBe(403);
    const named = await s.request('POST', '/api/v1/incidents', {
      token: grafana,
      body: { title: 'from grafana' },
      headers: { 'x-grafana-user': 'alice@example.com' },
    });
    expect(named.status).toBe(201);
    const detail = await s.request('GET', `/api/v1/incidents/${named.body.id}`, { token: viewer });
    expect(detail.body.timeline[0].actor).toBe('grafana:alice@example.com');
    // The audit row names both: the Grafana user claimed, and the token that carried the claim.
    const created = (await auditFor('incident.create')).find((e: { target: string }) => e.target === named.body.id);
    expect(created).toMatchObject({ actor: 'grafana:alice@example.com', details: { credential: expect.stringMatching(/^token:/) } });
  });

  it('serves an OpenAPI 3.1 document generated from the route schemas', async () => {
    const doc = (await s.request('GET', '/api/openapi.json', { token: viewer })).body;
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/incidents',
        '/api/v1/incidents/{id}',
        '/api/v1/incidents/{id}/acknowledge',
        '/api/v1/audit',
      ]),
    );
    const list = doc.paths['/api/v1/incidents'].get;
    expect(list.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['status', 'limit', 'cursor']),
    );
    expect(doc.components.schemas.Incident.properties.status.enum).toContain('awaiting_approval');
  });

  it('exposes Prometheus metrics to a token holder', async () => {
    const res = await s.request('GET', '/metrics', { token: viewer });
    expect(res.status).toBe(200);
    expect(res.body).toContain('aegis_http_request_duration_seconds');
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
  });

  it('never returns stack traces', async () => {
    const res = await s.request('POST', `/api/v1/incidents/${incidentId}/resolve`, { token: operator, rawBody: '[' });
    expect(JSON.stringify(res.body)).not.toMatch(/at .*\.ts:\d+/);
  });

  it('MCP: malformed bodies get a JSON error without a stack trace; failed authentications are throttled and audited', async () => {
    const mcp = (headers: Record<string, string>, body: string) =>
      fetch(`${s.url}/api/v1/mcp`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers }, body });
    const malformed = await mcp({}, '{"jsonrpc":');
    const text = await malformed.text();
    expect(malformed.status).toBe(400);
    expect(text).not.toMatch(/<pre>|at .*\(\/|node_modules/);
    expect(JSON.parse(text).error.code).toBeTruthy();
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) statuses.push((await mcp({ authorization: `Bearer guess-${i}` }, '{}')).status);
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses).toContain(429);
    const audited = await auditFor('mcp.authenticate');
    expect(audited.length).toBeGreaterThanOrEqual(20);
    expect(audited[0]).toMatchObject({ actor: 'anonymous', result: 'denied' });
  });
});
