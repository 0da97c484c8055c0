import { AppsV1Api, KubeConfig } from '@kubernetes/client-node';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POSTGRES_URL, postgresReachable } from '../../../test/helpers/db.js';
import { sign } from '../../ingest/signature.js';
import { grafanaPayload } from '../../ingest/testing.js';
import { FAILPOINTS, type FailpointName } from '../../platform/failpoints.js';
import { httpClient, kubectlJson, type RequestOptions, waitFor } from './harness.js';

/**
 * Crash points: for every failpoint, the backend (its own process, on a fresh PostgreSQL database) runs with
 * AEGIS_FAILPOINTS naming it and is driven until it kills itself there (SIGKILL); it is started again
 * without the failpoint on the same database, and the end state must equal the run without a crash.
 * One simulated cluster (`aegis sim serve`, its own process) serves every case, each case on its own service.
 * CRASH_POINTS=a,b runs only those points (and the baseline); CRASH_POINTS_PARALLEL sets how many run at once.
 */
type Http = (method: string, path: string, o?: RequestOptions) => Promise<{ status: number; body: any }>;
const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bin/aegis.mjs');
const SECRET = 'crash-points-secret';
const ADMIN = 'aeg_crash_points_admin_token_0123456789abcdef';
const FINAL = ['succeeded', 'failed', 'reverted', 'rejected'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface CrashCase {
  point: FailpointName | null;
  service: string;
  /** Remediation cases are driven to an approved remediation; ingestion cases only deliver the alert. */
  flow: 'remediation' | 'ingestion';
}

/** What a case ends with; a crash case must end exactly as the baseline does. */
interface Outcome {
  alertsStored: number;
  incidents: number;
  acknowledged: boolean;
  remediation?: { status: string; count: number; applied: number; rollouts: number; marker: boolean; incident: string; postmortem: boolean; learned: number };
  /** What the acknowledged delivery was told: `opened` when it stored the alert, `duplicate` when an earlier attempt had. */
  acknowledgedAs?: 'opened' | 'joined' | 'duplicate';
}

const CASES: CrashCase[] = [
  { point: null, service: 'cartservice', flow: 'remediation' },
  { point: 'remediation.after-propose', service: 'productcatalogservice', flow: 'remediation' },
  { point: 'remediation.after-approve', service: 'currencyservice', flow: 'remediation' },
  { point: 'remediation.after-begin-applying', service: 'shippingservice', flow: 'remediation' },
  { point: 'remediation.after-apply', service: 'checkoutservice', flow: 'remediation' },
  { point: 'remediation.during-verify', service: 'recommendationservice', flow: 'remediation' },
  { point: 'remediation.after-finish', service: 'adservice', flow: 'remediation' },
  { point: 'ingest.after-parse', service: 'paymentservice', flow: 'ingestion' },
  { point: 'ingest.before-commit', service: 'emailservice', flow: 'ingestion' },
  { point: 'ingest.after-commit', service: 'redis-cart', flow: 'ingestion' },
];

const output: string[] = [];
let simHome: string;
const children = new Set<ChildProcess>();
const rows = new Map<CrashCase, string>();
const cleanups: Array<() => Promise<void>> = [];
/** Cases run a few at a time: each has its own backend, database and service; most of a case is waiting. */
const PARALLEL = Number(process.env.CRASH_POINTS_PARALLEL ?? 4);
/** `CRASH_POINTS=a,b` runs only those points (and the baseline) while working on one. */
const ONLY = process.env.CRASH_POINTS?.split(',').map((p) => p.trim());
const results = new Map<CrashCase, Promise<CaseResult>>();
const pgUp = await postgresReachable();
/** Rollouts are counted the way a person would check them: kubectl against the simulated cluster (client-node where kubectl is not installed). */
const kubectlInstalled = !spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).error;

function spawnAegis(args: string[], env: Record<string, string>, log: string[] = output): ChildProcess {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, AEGIS_FAILPOINTS: '', ...env, AEGIS_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => log.push(d.toString()));
  child.stderr?.on('data', (d: Buffer) => log.push(d.toString()));
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const p = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return p;
}

async function freshDatabase(): Promise<string> {
  const name = `aegis_crash_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  cleanups.push(async () => {
    const drop = new pg.Client({ connectionString: POSTGRES_URL });
    await drop.connect();
    await drop.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await drop.end();
  });
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

const exited = (child: ChildProcess) =>
  new Promise<void>((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', () => r())));
const alive = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

/** One signed Grafana notification, re-sent (freshly signed) until acknowledged, as Grafana retries a webhook. */
function deliverWithRetries(base: string, service: string, withAction: boolean) {
  const raw = JSON.stringify(
    grafanaPayload(
      [
        {
          labels: { alertname: 'CrashPoint', service, namespace: 'boutique', severity: 'critical', ...(withAction ? { aegis_action: 'restart-deployment' } : {}) },
          fingerprint: `fp-crash-${service}`,
          startsAt: new Date().toISOString(),
        },
      ],
      `{}:{alertname="CrashPoint",service="${service}"}`,
    ),
  );
  let attempts = 0;
  /** Why each attempt that got no acknowledgement failed (a cut-off request, a refused connection). */
  const failures: string[] = [];
  const done = (async () => {
    const end = Date.now() + 150_000;
    while (Date.now() < end) {
      attempts++;
      const timestamp = String(Math.floor(Date.now() / 1000));
      try {
        const res = await fetch(`${base}/api/v1/webhooks/grafana`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-grafana-alerting-signature': sign.grafana(SECRET, raw, timestamp), 'x-grafana-alerting-timestamp': timestamp },
          body: raw,
          signal: AbortSignal.timeout(20_000),
        });
        if (res.status === 202) return (await res.json()) as { opened: number; joined: number; duplicates: number };
        if (res.status < 500 && res.status !== 429) throw new Error(`webhook refused: ${res.status} ${await res.text()}`);
        failures.push(`HTTP ${res.status}`);
      } catch (err) {
        if ((err as Error).message.startsWith('webhook refused')) throw err;
        const cause = (err as { cause?: { code?: string; message?: string } }).cause;
        failures.push(cause?.code ?? cause?.message ?? (err as Error).message);
      }
      await sleep(500);
    }
    throw new Error(`the alert for ${service} was never acknowledged`);
  })();
  return { done, attempts: () => attempts, failures };
}

/** Approves the case's proposal when there is one; returns the remediation (undefined before the proposal). */
async function stepRemediation(api: Http, service: string): Promise<any> {
  const incident = (await api('GET', `/api/v1/incidents?service=${service}`, { token: ADMIN })).body.items?.[0];
  if (!incident) return undefined;
  const r = (await api('GET', `/api/v1/incidents/${incident.id}/remediations`, { token: ADMIN })).body.items?.[0];
  if (r?.status === 'proposed') await api('POST', `/api/v1/remediations/${r.id}/approve`, { token: ADMIN });
  return r;
}

async function deployment(kubeconfig: string, service: string) {
  const d = (kubectlInstalled
    ? await kubectlJson(kubeconfig, ['get', 'deployment', service, '-n', 'boutique'])
    : await readDeploymentWithClientNode(kubeconfig, service)) as any;
  return { revision: Number(d.metadata.annotations['deployment.kubernetes.io/revision'] ?? 0), marker: d.metadata.annotations['aegis.io/remediation'] as string | undefined };
}

async function readDeploymentWithClientNode(kubeconfig: string, service: string) {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  return kc.makeApiClient(AppsV1Api).readNamespacedDeployment({ name: service, namespace: 'boutique' });
}

async function facts(dbUrl: string, service: string): Promise<Omit<Outcome, 'acknowledged'> & { remediationId?: string; resumed?: boolean }> {
  const client = new pg.Client({ connectionString: dbUrl });
  await client.connect();
  try {
    const one = async (sql: string, params: unknown[]) => (await client.query(sql, params)).rows;
    const alertsStored = Number((await one(`SELECT count(*) AS n FROM incident_signals WHERE source = 'grafana' AND service = $1`, [service]))[0].n);
    const incidents = Number((await one(`SELECT count(*) AS n FROM incidents WHERE $1 = ANY(services)`, [service]))[0].n);
    const rems = await one(
      `SELECT r.id, r.status, i.status AS incident, (r.verification->>'resumed')::boolean AS resumed
       FROM remediations r JOIN incidents i ON i.id = r.incident_id WHERE r.target = $1`,
      [service],
    );
    if (!rems.length) return { alertsStored, incidents };
    const audit = await one(`SELECT action FROM audit_log WHERE target = $1`, [`remediation:${rems[0].id}`]);
    // What the outcome's listeners leave: the postmortem of the resolved incident, the fixer's lesson.
    const postmortems = await one(`SELECT count(*) AS n FROM postmortems p JOIN remediations r ON r.incident_id = p.incident_id WHERE r.id = $1`, [rems[0].id]);
    const learned = await one(`SELECT count(*) AS n FROM fixer_outcomes WHERE remediation_id = $1`, [rems[0].id]);
    return {
      alertsStored,
      incidents,
      remediationId: rems[0].id,
      resumed: rems[0].resumed === true,
      remediation: {
        status: rems.map((r) => r.status).join(','),
        count: rems.length,
        applied: audit.filter((a) => a.action === 'remediation.applying').length,
        rollouts: 0,
        marker: false,
        incident: rems[0].incident,
        postmortem: Number(postmortems[0].n) > 0,
        learned: Number(learned[0].n),
      },
    };
  } finally {
    await client.end();
  }
}

async function remediationStatus(dbUrl: string, service: string): Promise<string> {
  const client = new pg.Client({ connectionString: dbUrl });
  await client.connect();
  try {
    return (await client.query(`SELECT status FROM remediations WHERE target = $1`, [service])).rows[0]?.status ?? 'none';
  } finally {
    await client.end();
  }
}

/** Start-up is slow on a busy machine; a backend that exits while starting fails at once, with its output. */
async function untilHealthy(api: Http, child: ChildProcess, log: string[]): Promise<void> {
  const end = Date.now() + 120_000;
  while ((await api('GET', '/healthz').catch(() => ({ status: 0 }))).status !== 200) {
    if (!alive(child)) throw new Error(`the backend exited at start: ${log.join('').slice(-2_000)}`);
    if (Date.now() > end) throw new Error('the backend did not become healthy in 120 s');
    await sleep(200);
  }
}

interface CaseResult {
  outcome: Outcome;
  row: string;
  /** How the first delivery attempt ended when it got no acknowledgement. */
  firstFailure?: string;
  /** The restart found the action already in the cluster (its marker) and did not write it again. */
  resumed?: boolean;
}

function limited<T>(n: number): (job: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: Array<() => void> = [];
  return async (job) => {
    if (active >= n) await new Promise<void>((r) => waiting.push(r));
    active++;
    try {
      return await job();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

async function runCase(c: CrashCase): Promise<CaseResult> {
  const kubeconfig = path.join(simHome, 'kubeconfig');
  const home = await mkdtemp(path.join(tmpdir(), 'aegis-crash-'));
  cleanups.push(() => rm(home, { recursive: true, force: true }));
  // One minute to verify (the default is ten), with the settling period and holding window scaled to the 1 s ticks:
  // a rollout that never completes fails its case quickly, and the default 60 s + 120 s would not fit in it.
  await writeFile(path.join(home, 'remediation-policy.yaml'), 'verifyDeadlineMs: 60000\nverifySettleMs: 5000\nverifyWindowMs: 10000\n');
  const dbUrl = await freshDatabase();
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const api = httpClient(base) as Http;
  const log: string[] = [];
  const start = (point: FailpointName | null) =>
    spawnAegis(['start'], {
      AEGIS_HOME: home,
      AEGIS_PORT: String(port),
      AEGIS_KUBECONFIG: kubeconfig,
      AEGIS_DATABASE_URL: dbUrl,
      AEGIS_ADMIN_TOKEN: ADMIN,
      AEGIS_GRAFANA_WEBHOOK_SECRET: SECRET,
      ...(point ? { AEGIS_FAILPOINTS: point } : {}),
    }, log);
  const healthy = async (child: ChildProcess) => {
    await untilHealthy(api, child, log);
    mark('healthy');
  };
  const t0 = Date.now();
  const marks: string[] = [];
  const mark = (what: string) => marks.push(`${what} +${((Date.now() - t0) / 1000).toFixed(1)}s`);
  const before = await deployment(kubeconfig, c.service);

  let backend = start(c.point);
  await healthy(backend);
  const delivery = deliverWithRetries(base, c.service, c.flow === 'remediation');
  delivery.done.catch(() => {});
  let atCrash = '-';
  const seen = new Set<string>();
  const step = async () => {
    const r = await stepRemediation(api, c.service).catch(() => undefined);
    if (r?.status && !seen.has(r.status)) {
      seen.add(r.status);
      mark(r.status);
    }
    return r;
  };
  const settled = async () => {
    const r = await step();
    return FINAL.includes(r?.status) && (await api('GET', `/api/v1/incidents/${r.incident_id}`, { token: ADMIN })).body.status === 'resolved' ? r : undefined;
  };
  if (c.point) {
    // Drive the flow until the process kills itself at the failpoint.
    const end = Date.now() + 120_000;
    while (alive(backend) && Date.now() < end) {
      if (c.flow === 'remediation') await step();
      await sleep(200);
    }
    expect(alive(backend), `${c.point} never fired: ${log.join('').slice(-2_000)}`).toBe(false);
    expect(log.join('')).toContain(`failpoint ${c.point}: killing the process`);
    mark('crashed');
    atCrash = await remediationStatus(dbUrl, c.service);
    backend = start(null);
    await healthy(backend);
  }
  const ack = await delivery.done;
  mark('acknowledged');
  if (c.flow === 'remediation') {
    await waitFor('the remediation to finish and resolve its incident', settled, 120_000, 300);
    // The outcome's listeners write the postmortem after the incident is resolved (read in the database: the API
    // would write a missing one on demand); a missing one is reported, not waited for.
    await waitFor('the postmortem', async () => ((await facts(dbUrl, c.service)).remediation?.postmortem ? true : undefined), 30_000, 500).catch(() => undefined);
  }
  mark('settled');
  console.log(`[crash-points] ${c.point ?? 'baseline'}: ${marks.join(', ')}`);
  const f = await facts(dbUrl, c.service);
  const after = await deployment(kubeconfig, c.service);
  backend.kill('SIGTERM');
  await Promise.race([exited(backend), sleep(10_000)]);
  if (alive(backend)) backend.kill('SIGKILL');
  const outcome: Outcome = {
    alertsStored: f.alertsStored,
    incidents: f.incidents,
    acknowledged: true,
    acknowledgedAs: ack.duplicates ? 'duplicate' : ack.opened ? 'opened' : 'joined',
    ...(f.remediation ? { remediation: { ...f.remediation, rollouts: after.revision - before.revision, marker: after.marker === f.remediationId } } : {}),
  };
  const r = outcome.remediation;
  const what = c.flow === 'remediation' && r
    ? `${r.status}${r.count > 1 ? ` (${r.count} remediations!)` : ''}, ${r.rollouts} rollout${r.rollouts === 1 ? '' : 's'}, incident ${r.incident}, postmortem ${r.postmortem ? 'written' : 'MISSING'}, ${r.learned} fixer lesson${r.learned === 1 ? '' : 's'}${f.resumed ? ', found already applied (not re-applied)' : ''}`
    : `alert stored ${outcome.alertsStored}x, ${outcome.incidents} incident${outcome.incidents === 1 ? '' : 's'}; attempt 1 got no ack (${delivery.failures[0] ?? 'none'}), attempt ${delivery.attempts()} acknowledged as ${outcome.acknowledgedAs}`;
  const how = c.point ? `killed${c.flow === 'remediation' ? ` with the remediation ${atCrash}` : ''}, finished after restart` : 'no crash';
  return { outcome, firstFailure: delivery.failures[0], resumed: f.resumed, row: `${(c.point ?? 'baseline (no failpoint)').padEnd(34)} → ${what}; ${how}` };
}

beforeAll(async () => {
  if (!pgUp) return;
  simHome = await mkdtemp(path.join(tmpdir(), 'aegis-crash-sim-'));
  // One-second ticks: rollouts finish in seconds instead of half a minute.
  spawnAegis(['sim', 'serve', '--port', '0', '--step-ms', '1000'], { AEGIS_HOME: simHome });
  await waitFor('the simulated cluster', async () => (existsSync(path.join(simHome, 'kubeconfig')) && output.join('').includes('Simulated cluster at') ? true : undefined), 120_000, 300);
  const limit = limited<CaseResult>(PARALLEL);
  for (const c of CASES) {
    if (ONLY && c.point && !ONLY.includes(c.point)) continue;
    const run = limit(() => runCase(c));
    run.then((r) => rows.set(c, r.row)).catch(() => {});
    results.set(c, run);
  }
}, 180_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGTERM');
  await sleep(500);
  for (const child of children) child.kill('SIGKILL');
  for (const clean of cleanups.reverse()) await clean().catch(() => {});
  if (simHome) await rm(simHome, { recursive: true, force: true });
  const table = CASES.flatMap((c) => rows.get(c) ?? []);
  if (table.length) console.log(`\nCrash point → outcome\n${table.map((r) => `  ${r}`).join('\n')}\n`);
});

describe.skipIf(!pgUp)('crash points: kill at each step, restart, same outcome as without the crash', () => {
  it('every failpoint has a case', () => {
    expect(CASES.map((c) => c.point).filter(Boolean).sort()).toEqual([...FAILPOINTS].sort());
  });

  it.for(CASES)('$point on $service', { timeout: 600_000 }, async (c, ctx) => {
    if (!results.has(c)) return ctx.skip();
    const { outcome, firstFailure, resumed } = await (results.get(c) as Promise<CaseResult>);
    if (!c.point) {
      expect(outcome.remediation).toMatchObject({ status: 'succeeded', count: 1, applied: 1, rollouts: 1, marker: true, incident: 'resolved', postmortem: true });
      expect(outcome).toMatchObject({ alertsStored: 1, incidents: 1, acknowledged: true });
      return;
    }
    const baseline = (await (results.get(CASES[0] as CrashCase) as Promise<CaseResult>)).outcome;
    if (c.flow === 'remediation') {
      expect(outcome).toEqual(baseline);
      if (c.point === 'remediation.after-apply') expect(resumed).toBe(true);
      return;
    }
    // The crash cut the first delivery off mid-request (not refused: it had reached the backend), so the sender retried.
    expect(firstFailure).toBeDefined();
    expect(firstFailure).not.toBe('ECONNREFUSED');
    expect({ alertsStored: outcome.alertsStored, incidents: outcome.incidents, acknowledged: outcome.acknowledged }).toEqual({
      alertsStored: baseline.alertsStored,
      incidents: baseline.incidents,
      acknowledged: true,
    });
    // Committed before the crash: the retry is a duplicate; not committed: the retry stores it.
    expect(outcome.acknowledgedAs).toBe(c.point === 'ingest.after-commit' ? 'duplicate' : baseline.acknowledgedAs);
  });
});
