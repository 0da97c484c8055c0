import { AppsV1Api, KubeConfig } from '@kubernetes/client-node';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpClient, signedGrafanaAlert } from '../pipeline/e2e/harness.js';
import { postgresReachable } from '../../test/helpers/db.js';
import { type BackendProcess, scratchPostgres, startBackendProcess, startSimulatorProcess, TEST_VERIFICATION_POLICY, until } from '../../test/helpers/processes.js';

/**
 * Two `aegis start` replicas on one PostgreSQL, watching the simulated cluster running as its own
 * process: singleton loops live on one replica and move when it is SIGKILLed; an approval sent to both
 * at once applies the action once; a WebSocket client on one replica sees events raised on the other.
 */
const ADMIN = 'aeg_replicas_test_admin_token_0123456789abcdef';
const SECRET = 'replicas-webhook-secret';
const pg = await postgresReachable();

type Http = ReturnType<typeof httpClient>;
interface ReplicasView {
  self: string;
  live: string[];
  items: Array<{ id: string; alive: boolean }>;
  leases: Array<{ name: string; held: boolean }>;
}

let sim: Awaited<ReturnType<typeof startSimulatorProcess>>;
let database: Awaited<ReturnType<typeof scratchPostgres>>;
const replicas: BackendProcess[] = [];
const api = (r: BackendProcess): Http => httpClient(r.url);
const view = async (r: BackendProcess) => (await api(r)('GET', '/api/v1/replicas', { token: ADMIN })).body as ReplicasView;
const holds = (v: ReplicasView, lease: string) => v.leases.some((l) => l.name === lease && l.held);

describe.skipIf(!pg)('two backend replicas on one PostgreSQL', () => {
  beforeAll(async () => {
    sim = await startSimulatorProcess();
    database = await scratchPostgres('aegis_replicas');
    const env = {
      AEGIS_DATABASE_URL: database.url,
      AEGIS_KUBECONFIG: sim.kubeconfig,
      AEGIS_ADMIN_TOKEN: ADMIN,
      AEGIS_GRAFANA_WEBHOOK_SECRET: SECRET,
      // The same suite runs against the other lease store with AEGIS_LEASE_BACKEND=kubernetes.
      AEGIS_LEASE_BACKEND: process.env.AEGIS_LEASE_BACKEND ?? 'postgres',
    };
    // One after the other: both would otherwise race to create the schema (migrations take turns anyway).
    for (let i = 0; i < 2; i++) {
      const r = await startBackendProcess(env, { remediationPolicy: TEST_VERIFICATION_POLICY });
      replicas.push(r);
      await r.healthy();
    }
    await until('both replicas to count each other', async () => ((await Promise.all(replicas.map(view))).every((v) => v.live.length === 2) ? true : undefined), 30_000);
  }, 420_000);

  afterAll(async () => {
    for (const r of replicas) await r.stop().catch(() => {});
    await sim?.stop().catch(() => {});
    await database?.drop().catch(() => {});
  }, 60_000);

  it('investigates an alert once, shows its events on both replicas, and applies a doubly approved action once', async () => {
    const [a, b] = replicas as [BackendProcess, BackendProcess];
    const seenOnB: string[] = [];
    const socket: Socket = io(b.url, { auth: { token: ADMIN, topics: ['incidents', 'remediations'] }, transports: ['websocket'] });
    socket.on('incidents', (e: { type: string }) => seenOnB.push(e.type));
    socket.on('remediations', (e: { type: string }) => seenOnB.push(e.type));
    await until('the WebSocket on replica B', async () => (socket.connected ? true : undefined), 15_000);
    try {
      const kc = new KubeConfig();
      kc.loadFromFile(sim.kubeconfig);
      const apps = kc.makeApiClient(AppsV1Api);
      const service = 'cartservice';
      const before = await apps.readNamespacedDeployment({ name: service, namespace: 'boutique' });

      // The alert lands on A; the investigation may run on either replica, but only once.
      const alert = signedGrafanaAlert(SECRET, { service, alertname: 'CartDown', namespace: 'boutique', startsAt: new Date().toISOString(), labels: { aegis_action: 'restart-deployment' } });
      expect((await api(a)('POST', '/api/v1/webhooks/grafana', { raw: alert.raw, headers: alert.headers })).status).toBe(202);
      const incident = await until('the incident', async () => ((await api(b)('GET', `/api/v1/incidents?service=${service}`, { token: ADMIN })).body as { items: Array<{ id: string }> }).items[0], 30_000);
      const proposal = await until('a proposal', async () => ((await api(b)('GET', `/api/v1/incidents/${incident.id}/remediations`, { token: ADMIN })).body as { items: Array<{ id: string; action_type: string }> }).items[0], 120_000, 300);
      expect(proposal.action_type).toBe('restart-deployment');
      await until('B’s WebSocket to see A’s incident', async () => (seenOnB.includes('incident.opened') ? true : undefined), 10_000);

      const operator = ((await api(a)('POST', '/api/v1/tokens', { token: ADMIN, body: { name: 'op', role: 'operator' } })).body as { secret: string }).secret;
      const approvals = await Promise.all(
        [a, b, a, b].map((r) => api(r)('POST', `/api/v1/remediations/${proposal.id}/approve`, { token: operator })),
      );
      expect(approvals.map((x) => x.status).sort()).toEqual([200, 409, 409, 409]);

      const done = await until('the remediation to finish', async () => {
        const r = (await api(b)('GET', `/api/v1/remediations/${proposal.id}`, { token: ADMIN })).body as { status: string };
        return ['succeeded', 'failed', 'reverted'].includes(r.status) ? r : undefined;
      }, 120_000, 500);
      expect(done.status).toBe('succeeded');
      const after = await apps.readNamespacedDeployment({ name: service, namespace: 'boutique' });
      expect(after.metadata?.generation).toBe((before.metadata?.generation ?? 0) + 1); // one rollout, not two
      expect(after.metadata?.annotations?.['aegis.io/remediation']).toBe(proposal.id);

      const audit = ((await api(a)('GET', '/api/v1/audit?limit=500', { token: ADMIN })).body as { items: Array<{ action: string; target: string | null }> }).items;
      const mine = audit.filter((e) => e.target === `remediation:${proposal.id}`).map((e) => e.action);
      expect(mine.filter((x) => x === 'remediation.approved')).toHaveLength(1);
      expect(mine.filter((x) => x === 'remediation.applying')).toHaveLength(1);
      const executions = ((await api(a)('GET', `/api/v1/incidents/${incident.id}/executions`, { token: ADMIN })).body as { items: Array<{ agent: string; attempt: number }> }).items;
      expect(executions.filter((e) => e.agent === 'triage' && e.attempt === 1)).toHaveLength(1); // investigated once
      await until('B’s WebSocket to see the remediation succeed', async () => (seenOnB.includes('remediation.succeeded') ? true : undefined), 10_000);
    } finally {
      socket.close();
    }
  }, 300_000);

  it('moves the singleton loops to the survivor within 15 s of SIGKILLing their holder', async () => {
    const views = await Promise.all(replicas.map(view));
    const holderIndex = views.findIndex((v) => holds(v, 'kubernetes-events'));
    expect(holderIndex).toBeGreaterThanOrEqual(0);
    expect(views.filter((v) => holds(v, 'kubernetes-events'))).toHaveLength(1); // never on both
    const holder = replicas[holderIndex]!;
    const survivor = replicas[1 - holderIndex]!;

    await holder.kill();
    const killedAt = Date.now();
    await until('the survivor to hold every singleton lease', async () => {
      const v = await view(survivor);
      return holds(v, 'kubernetes-events') && holds(v, 'retention') ? true : undefined;
    }, 20_000, 100);
    const takeoverMs = Date.now() - killedAt;
    console.info(`[replicas] the survivor took over the singleton loops ${takeoverMs} ms after the holder was SIGKILLed`);
    expect(takeoverMs).toBeLessThan(15_000);
    // The survivor keeps serving, and soon counts itself alone for sharding.
    await until('the dead replica to drop out', async () => ((await view(survivor)).items.filter((i) => i.alive).length === 1 ? true : undefined), 30_000, 500);
  }, 90_000);
});
