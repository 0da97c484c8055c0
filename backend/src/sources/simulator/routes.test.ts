import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../test/helpers/server.js';
import { NotFoundError } from '../../platform/errors.js';
import { simulatorRoutes } from './routes.js';

describe('POST /api/v1/simulator/inject (demo mode)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('injects a fault for an operator, audited, and shows it in the status', async () => {
    const operator = await server.token('operator');
    const res = await server.request('POST', '/api/v1/simulator/inject', { token: operator, body: { scenario: 'memory-leak', service: 'cartservice', seed: 1 } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ scenario: 'memory-leak', service: 'cartservice', seed: 1, active: true });
    const status = await server.request('GET', '/api/v1/simulator/status', { token: operator });
    expect(status.body.faults.map((f: { id: string }) => f.id)).toContain(res.body.id);
    expect(server.handle.simulator?.faults()).toHaveLength(1);
    const audit = await server.request('GET', '/api/v1/audit?limit=20', { token: server.adminToken });
    expect(JSON.stringify(audit.body)).toContain('simulator.inject');
  });

  it('refuses viewers, unknown scenarios and unknown services', async () => {
    const viewer = await server.token('viewer');
    const operator = await server.token('operator', 'op2');
    expect((await server.request('POST', '/api/v1/simulator/inject', { token: viewer, body: { scenario: 'crash-loop', service: 'cartservice' } })).status).toBe(403);
    const bad = await server.request('POST', '/api/v1/simulator/inject', { token: operator, body: { scenario: 'meteor', service: 'cartservice' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_input');
    const unknown = await server.request('POST', '/api/v1/simulator/inject', { token: operator, body: { scenario: 'crash-loop', service: 'nope' } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toMatch(/unknown service/);
  });

  it('exposes the simulated cluster, a kubeconfig and its sources on the handle', async () => {
    expect(server.handle.cluster.mode).toBe('simulator');
    expect(server.handle.metrics?.name).toBe('simulator');
    const inv = await server.handle.kubernetes?.inventory({ namespace: 'boutique' });
    expect(inv?.errors).toEqual([]);
    expect(inv?.results.filter((r) => r.kind === 'Deployment')).toHaveLength(11);
  });
});

describe('simulator routes outside demo mode', () => {
  it('answer 404 when no simulated cluster runs', async () => {
    const inject = simulatorRoutes({}).find((r) => r.operationId === 'injectSimulatorFault');
    const input = { params: {}, query: {}, body: { scenario: 'crash-loop', service: 'cartservice' } } as unknown as Parameters<NonNullable<typeof inject>['handler']>[0];
    await expect(inject?.handler(input)).rejects.toBeInstanceOf(NotFoundError);
  });
});
