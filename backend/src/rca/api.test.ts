import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/helpers/server.js';

describe('graph and RCA endpoints', () => {
  let server: TestServer;
  let operator: string;
  let viewer: string;

  beforeAll(async () => {
    server = await startTestServer();
    operator = await server.token('operator');
    viewer = await server.token('viewer');
    server.handle.graph.mergeSnapshot('mesh:istio', {
      nodes: [
        { id: 'web', namespace: 'shop' },
        { id: 'basket', namespace: 'shop' },
        { id: 'redis', namespace: 'data' },
      ],
      edges: [
        { source: 'web', target: 'basket', requestRate: 20, p95Ms: 35 },
        { source: 'basket', target: 'redis', requestRate: 40, p95Ms: 4 },
      ],
    });
  });
  afterAll(() => server.stop());

  it("serves the simulated cluster's call graph in demo mode", async () => {
    const sim = server.handle.simulator;
    if (!sim) return; // a real cluster is configured here
    const res = await server.request('GET', `/api/v1/graph?namespace=${sim.namespace}`, { token: viewer });
    expect(res.body.edges.length).toBe(sim.topology.edges.length);
    expect(res.body.nodes.map((n: { id: string }) => n.id)).toContain('frontend');
  });

  it('serves the service graph in the Node Graph shape', async () => {
    const res = await server.request('GET', '/api/v1/graph?namespace=shop', { token: viewer });
    expect(res.status).toBe(200);
    expect(res.body.nodes.map((n: { id: string }) => n.id)).toEqual(['basket', 'web']);
    expect(res.body.nodes[0]).toMatchObject({ title: 'basket', mainStat: '20.0 req/s', rootCause: 0 });
    expect(res.body.edges).toContainEqual({
      id: 'web->basket',
      source: 'web',
      target: 'basket',
      mainStat: '20.0 req/s',
      secondaryStat: 'p95 35.0 ms',
    });
    const services = await server.request('GET', '/api/v1/services?namespace=shop', { token: viewer });
    expect(services.body.items.map((s: { name: string }) => s.name)).toEqual(['basket', 'web']);
    const namespaces = await server.request('GET', '/api/v1/namespaces', { token: viewer });
    expect(namespaces.body.items).toEqual(expect.arrayContaining([{ name: 'data', services: 1 }, { name: 'shop', services: 2 }]));
    const insights = await server.request('GET', '/api/v1/graph/insights', { token: viewer });
    expect(insights.body.critical_paths).toContainEqual({ path: ['web', 'basket', 'redis'], latencyMs: 39 });
  });

  it('ranks an incident, records feedback on its root cause and audits it', async () => {
    const created = await server.request('POST', '/api/v1/incidents', {
      token: operator,
      body: { title: 'checkout slow', services: ['cartservice'] },
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const rca = await server.request('GET', `/api/v1/incidents/${id}/rca`, { token: viewer });
    expect(rca.status).toBe(200);
    expect(Array.isArray(rca.body.warnings)).toBe(true);
    expect(rca.body.ranking.map((r: { service: string }) => r.service)).toContain('cartservice');

    const denied = await server.request('POST', `/api/v1/incidents/${id}/root-cause`, { token: viewer, body: { service: 'redis' } });
    expect(denied.status).toBe(403);
    const bad = await server.request('POST', `/api/v1/incidents/${id}/root-cause`, { token: operator, body: {} });
    expect(bad.status).toBe(400);
    const ok = await server.request('POST', `/api/v1/incidents/${id}/root-cause`, {
      token: operator,
      body: { service: 'redis', comment: 'connection pool exhausted' },
    });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ service: 'redis', incident_id: id });

    const detail = await server.request('GET', `/api/v1/incidents/${id}`, { token: viewer });
    expect(detail.body.root_cause).toMatchObject({ service: 'redis' });
    expect(detail.body.timeline.some((t: { kind: string }) => t.kind === 'root_cause')).toBe(true);
    const audit = await server.request('GET', '/api/v1/audit?limit=50', { token: server.adminToken });
    expect(JSON.stringify(audit.body)).toContain('incident.root_cause');

    const missing = await server.request('GET', '/api/v1/incidents/00000000-0000-4000-8000-000000000000/rca', { token: viewer });
    expect(missing.status).toBe(404);
  });
});
