import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/helpers/server.js';

/** The composition root's event watch: the simulated cluster's warnings reach ingestion as signals. */
describe('Kubernetes warnings from the cluster', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { AEGIS_SIMULATOR: '1' } });
  });
  afterAll(async () => server?.stop());

  it('turn a crash loop into an incident with kubernetes signals on the crashing service', async () => {
    const inject = await server.request('POST', '/api/v1/simulator/inject', {
      token: server.adminToken,
      body: { scenario: 'crash-loop', service: 'cartservice', seed: 1 },
    });
    expect(inject.status).toBeLessThan(300);
    const deadline = Date.now() + 90_000;
    let signals: Array<{ source: string; service: string; summary: string }> = [];
    while (Date.now() < deadline) {
      const list = await server.request('GET', '/api/v1/incidents?service=cartservice', { token: server.adminToken });
      for (const incident of list.body.items as Array<{ id: string }>) {
        const detail = await server.request('GET', `/api/v1/incidents/${incident.id}`, { token: server.adminToken });
        signals = (detail.body.signals as typeof signals).filter((s) => s.source === 'kubernetes');
        if (signals.length) break;
      }
      if (signals.length) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(signals.length).toBeGreaterThan(0);
    expect(signals[0]).toMatchObject({ service: 'cartservice' });
    expect(signals.map((s) => s.summary).join('\n')).toMatch(
      /Pod cartservice-[\w-]+: Back-off restarting failed container/,
    );
  }, 120_000);
});
