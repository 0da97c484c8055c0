import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_VERIFICATION_POLICY } from '../../../test/helpers/processes.js';
import { httpClient, kubectlJson as kubectl, type RequestOptions, signedGrafanaAlert, waitFor } from './harness.js';

/**
 * Exactly once across a crash: the simulated cluster runs as its own process (`aegis sim serve`), the
 * backend as another; the backend is killed (SIGKILL) after approval, before verification finished,
 * and started again on the same home. The restart must finish the remediation without applying it twice.
 */
type Http = (method: string, path: string, o?: RequestOptions) => Promise<{ status: number; body: any }>;
const kubectlJson = (kubeconfig: string, args: string[]): Promise<any> => kubectl(kubeconfig, args);
const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bin/aegis.mjs');
const SECRET = 'restart-secret';
const ADMIN = 'aeg_restart_test_admin_token_0123456789abcdef';

let simHome: string;
let home: string;
let sim: ChildProcess | undefined;
let backend: ChildProcess | undefined;
let port: number;
let api: Http;
const output: string[] = [];

function start(args: string[], env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env, AEGIS_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (d: Buffer) => output.push(d.toString()));
  child.stderr?.on('data', (d: Buffer) => output.push(d.toString()));
  return child;
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const p = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return p;
}

function startBackend(): ChildProcess {
  return start(['start'], {
    AEGIS_HOME: home,
    AEGIS_PORT: String(port),
    AEGIS_KUBECONFIG: path.join(simHome, 'kubeconfig'),
    AEGIS_ADMIN_TOKEN: ADMIN,
    AEGIS_GRAFANA_WEBHOOK_SECRET: SECRET,
  });
}

/** Start-up is slow on a busy machine (PGlite init, the IaC parser, the fixer model); a crash shows its output. */
const healthy = () =>
  waitFor(
    'the backend',
    async () => {
      if (backend?.exitCode !== null && backend?.exitCode !== undefined) throw new Error(`backend exited ${backend.exitCode}: ${output.join('').slice(-2_000)}`);
      return (await api('GET', '/healthz').catch(() => ({ status: 0 }))).status === 200 ? true : undefined;
    },
    180_000,
    300,
  );

beforeAll(async () => {
  simHome = await mkdtemp(path.join(tmpdir(), 'aegis-sim-'));
  home = await mkdtemp(path.join(tmpdir(), 'aegis-restart-'));
  await writeFile(path.join(home, 'remediation-policy.yaml'), TEST_VERIFICATION_POLICY);
  port = await freePort();
  api = httpClient(`http://127.0.0.1:${port}`) as Http;
  sim = start(['sim', 'serve', '--port', '0'], { AEGIS_HOME: simHome });
  await waitFor('the simulated cluster', async () => (existsSync(path.join(simHome, 'kubeconfig')) && output.join('').includes('Simulated cluster at') ? true : undefined), 180_000, 300);
  backend = startBackend();
  await healthy();
}, 360_000);

afterAll(async () => {
  for (const child of [backend, sim]) if (child && child.exitCode === null) child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 1_000));
  for (const child of [backend, sim]) if (child && child.exitCode === null) child.kill('SIGKILL');
  for (const dir of [home, simHome]) if (dir) await rm(dir, { recursive: true, force: true });
});

describe('remediation across a backend crash (simulator in its own process)', () => {
  it('finishes an approved restart exactly once after SIGKILL between approval and verification', async () => {
    const kubeconfig = path.join(simHome, 'kubeconfig');
    const service = 'cartservice';
    const before = await kubectlJson(kubeconfig, ['get', 'deployment', service, '-n', 'boutique']);
    const operator = (await api('POST', '/api/v1/tokens', { token: ADMIN, body: { name: 'op', role: 'operator' } })).body.secret as string;
    expect(operator).toBeTruthy();
    // No metrics source here (no Prometheus): the fixer follows the alert's runbook label.
    const alert = signedGrafanaAlert(SECRET, { service, alertname: 'CartDown', namespace: 'boutique', startsAt: new Date().toISOString(), labels: { aegis_action: 'restart-deployment' } });
    expect((await api('POST', '/api/v1/webhooks/grafana', { raw: alert.raw, headers: alert.headers })).status).toBe(202);
    const incident = await waitFor('the incident', async () => (await api('GET', `/api/v1/incidents?service=${service}`, { token: ADMIN })).body.items?.[0], 30_000);
    const proposed = await waitFor('a proposal', async () => (await api('GET', `/api/v1/incidents/${incident.id}/remediations`, { token: ADMIN })).body.items?.[0], 90_000, 300);
    expect(proposed.action_type).toBe('restart-deployment');
    expect((await api('POST', `/api/v1/remediations/${proposed.id}/approve`, { token: operator })).status).toBe(200);
    const atKill = await waitFor('applying or verifying', async () => {
      const r = (await api('GET', `/api/v1/remediations/${proposed.id}`, { token: ADMIN })).body;
      return ['applying', 'verifying', 'succeeded', 'failed', 'reverted'].includes(r.status) ? r : undefined;
    }, 30_000, 50);
    backend?.kill('SIGKILL');
    await new Promise<void>((r) => (backend?.exitCode !== null ? r() : backend.once('exit', () => r())));
    expect(['applying', 'verifying']).toContain(atKill.status);
    console.info(`[restart test] backend killed while the remediation was ${atKill.status}`);

    backend = startBackend();
    await healthy();
    const done = await waitFor('the remediation to finish after the restart', async () => {
      const r = (await api('GET', `/api/v1/remediations/${proposed.id}`, { token: ADMIN })).body;
      return ['succeeded', 'failed', 'reverted'].includes(r.status) ? r : undefined;
    }, 120_000, 500);
    expect(done.status).toBe('succeeded');
    const after = await kubectlJson(kubeconfig, ['get', 'deployment', service, '-n', 'boutique']);
    if (after) {
      expect(after.metadata.generation).toBe(before.metadata.generation + 1);
      expect(after.metadata.annotations['aegis.io/remediation']).toBe(proposed.id);
    }
    const audit = (await api('GET', '/api/v1/audit?limit=500', { token: ADMIN })).body.items as Array<{ action: string; target: string | null }>;
    const mine = audit.filter((a) => a.target === `remediation:${proposed.id}`).map((a) => a.action);
    expect(mine.filter((a) => a === 'remediation.applying')).toHaveLength(1);
    expect(mine.filter((a) => a === 'remediation.succeeded')).toHaveLength(1);
    expect((await api('GET', `/api/v1/incidents/${incident.id}`, { token: ADMIN })).body.status).toBe('resolved');
  }, 420_000);
});
