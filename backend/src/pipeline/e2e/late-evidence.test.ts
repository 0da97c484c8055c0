/**
 * A signed Grafana alert that arrives 1 s after the fault, before any evidence exists: the first
 * investigation has nothing to go on; once detection sees the fault, the incident gets its ranking and
 * a proposal without a second alert (continuous investigation). The backend runs on a manual clock
 * driven step by step, so the test does not depend on machine speed.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/index.js';
import { startAegis, type AegisHandle } from '../../main.js';
import { createManualClock } from '../../platform/clock.js';
import { createMemoryLogger } from '../../platform/logger.js';
import { remediationPolicySchema } from '../../remediation/policy.js';
import { openDatabase, type Database } from '../../store/index.js';
import { driveBackend, type Driver } from './driven.js';
import { httpClient, signedGrafanaAlert } from './harness.js';

const SECRET = 'late-evidence-secret';
const MIN = 60_000;
let home: string;
let db: Database;
let handle: AegisHandle;
let driver: Driver;
// A fixed start, so the run does not depend on the hour (the shop's traffic follows the time of day). 00:10
// is the quiet hour where checkoutservice used to be ranked first: the simulator's spans gave it a
// noiseless exclusive-time floor. The same test passes started at 03:00, 06:00, 12:00, 18:20, 20:00, 22:30.
const clock = createManualClock(Date.parse('2026-12-07T00:10:00Z'));

beforeAll(async () => {
  home = await mkdtemp(path.join(tmpdir(), 'aegis-late-'));
  db = await openDatabase({ engine: 'pglite' });
  const config = loadConfig({ AEGIS_HOME: home, AEGIS_PORT: '0', AEGIS_GRAFANA_WEBHOOK_SECRET: SECRET }, { cwd: home });
  handle = await startAegis({ config, db, clock, logger: createMemoryLogger('error'), remediationPolicy: remediationPolicySchema.parse({}), drivenClock: { remediationPollMs: 50 } });
  driver = driveBackend(handle, clock);
  await driver.advance(3 * MIN); // detection sees the healthy cluster first
}, 900_000);

afterAll(async () => {
  await handle?.detection?.stop();
  await handle?.close();
  await db?.close();
  await rm(home, { recursive: true, force: true });
});

describe('an alert before the evidence', () => {
  it('gets its ranking and proposal once detection has evidence, without a second alert', async () => {
    const sim = handle.simulator;
    if (!sim) throw new Error('no simulator');
    const service = 'cartservice';
    sim.inject({ scenario: 'memory-leak', service, seed: 11 });
    clock.advance(1_000);
    const api = httpClient(handle.url);
    const alert = signedGrafanaAlert(SECRET, { service, alertname: 'EarlyMemory', namespace: sim.namespace, startsAt: clock.now().toISOString() });
    expect((await api('POST', '/api/v1/webhooks/grafana', { raw: alert.raw, headers: alert.headers })).status).toBe(202);
    await handle.bus.drain();
    await handle.pipeline.idle();
    const incident = (await handle.store.incidents.list({ service, limit: 5 })).items[0];
    expect(incident).toBeDefined();
    const id = incident?.id as string;
    // The first investigation found nothing to act on yet.
    expect(await handle.store.remediations.listByIncident(id)).toEqual([]);
    let proposal;
    for (let minute = 0; minute < 20 && !proposal; minute++) {
      await driver.advance(MIN);
      proposal = (await handle.store.remediations.listByIncident(id)).find((r) => r.status === 'proposed');
    }
    expect(proposal?.target).toBe(service);
    expect(proposal?.action_type).toBe('restart-deployment');
    const rca = await handle.rca.get(id);
    expect([...rca.ranking].sort((a, b) => b.probability - a.probability)[0]?.service).toBe(service);
    const signals = (await handle.store.incidents.getDetail(id)).signals;
    expect(signals.filter((s) => s.source === 'grafana')).toHaveLength(1);
  }, 600_000);
});
