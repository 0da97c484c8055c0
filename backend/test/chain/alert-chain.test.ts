import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify } from 'yaml';
import { freePort, until } from '../helpers/processes.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * The real alert chain with Debian's Prometheus and Alertmanager: Prometheus scrapes Aegis (bearer token)
 * and the simulated cluster, evaluates the provisioned anomaly rule, Alertmanager delivers to Aegis's
 * webhook; and Alertmanager's `group_by` change + reload re-sends an alert under a new group key.
 */

const CI = process.env.CI === 'true' || process.env.CI === '1';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const executable = (p: string) => {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};
const PROMETHEUS = '/usr/bin/prometheus';
const ALERTMANAGER = '/usr/bin/prometheus-alertmanager';
const present = executable(PROMETHEUS) && executable(ALERTMANAGER);
if (!present && CI) throw new Error('CI=true and Debian prometheus / prometheus-alertmanager are missing (node scripts/test-prereqs.mjs installs them)');
if (!present) console.warn('[tests] prometheus or prometheus-alertmanager missing: the real alert chain suite is skipped (apt-get install prometheus prometheus-alertmanager)');

type Any = Record<string, any>;

/** The provisioned Grafana rule on aegis_anomaly_score, as the Prometheus rule it means: query and threshold read from the file. */
export async function provisionedAnomalyRule(): Promise<{ alert: string; expr: string; threshold: number; labels: Record<string, string> }> {
  const doc = parseYaml(await readFile(path.join(ROOT, 'provisioning/alerting/aegis.yaml'), 'utf8')) as Any;
  const rules = (doc.groups as Any[]).flatMap((g) => g.rules as Any[]);
  const rule = rules.find((r) => (r.data as Any[]).some((d) => /aegis_anomaly_score/.test(d.model?.expr ?? '')));
  if (!rule) throw new Error('provisioning/alerting/aegis.yaml has no rule on aegis_anomaly_score');
  const query = (rule.data as Any[]).find((d) => d.model?.expr);
  const threshold = (rule.data as Any[]).find((d) => d.model?.type === 'threshold');
  const evaluator = threshold?.model?.conditions?.[0]?.evaluator;
  if (!query || evaluator?.type !== 'gt' || typeof evaluator.params?.[0] !== 'number') throw new Error('the provisioned anomaly rule is not a "gt <number>" threshold');
  return { alert: String(rule.uid), expr: `${query.model.expr} > ${evaluator.params[0]}`, threshold: evaluator.params[0], labels: rule.labels ?? {} };
}

interface Proc {
  child: ChildProcess;
  url: string;
  stderr: () => string;
  stop(): Promise<void>;
}

async function startProcess(binary: string, args: string[], port: number): Promise<Proc> {
  const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-6000)));
  const url = `http://127.0.0.1:${port}`;
  await until(
    `${path.basename(binary)} to be ready`,
    async () => {
      if (child.exitCode !== null) throw new Error(`${binary} exited: ${stderr}`);
      return (await fetch(`${url}/-/ready`).catch(() => undefined))?.ok || undefined;
    },
    60_000,
  );
  return {
    child,
    url,
    stderr: () => stderr,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

describe.skipIf(!present)('the real Prometheus + Alertmanager chain', () => {
  let server: TestServer;
  let dir: string;
  let am: Proc;
  let prom: Proc;
  let amConfig: string;
  let ingest: string;
  const writeAmConfig = (groupBy: string[]) =>
    writeFile(
      amConfig,
      stringify({
        route: { receiver: 'aegis', group_by: groupBy, group_wait: '1s', group_interval: '1s', repeat_interval: '1h' },
        receivers: [{ name: 'aegis', webhook_configs: [{ url: `${server.url}/api/v1/webhooks/alertmanager`, send_resolved: true, http_config: { authorization: { type: 'Bearer', credentials: ingest } } }] }],
      }),
    );
  const incidents = async () => (await server.request('GET', '/api/v1/incidents?limit=100', { token: server.adminToken })).body.items as Any[];
  const detail = async (id: string) => (await server.request('GET', `/api/v1/incidents/${id}`, { token: server.adminToken })).body as Any;
  const webhookDeliveries = async () => {
    const text = await (await fetch(`${am.url}/metrics`)).text();
    const m = /alertmanager_notifications_total\{integration="webhook"\} (\d+)/.exec(text);
    return Number(m?.[1] ?? 0);
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'aegis-chain-'));
    server = await startTestServer();
    ingest = await server.token('ingest');
    const viewer = await server.token('viewer');
    amConfig = path.join(dir, 'alertmanager.yml');
    await writeAmConfig(['alertname']);
    const amPort = await freePort();
    am = await startProcess(ALERTMANAGER, [`--config.file=${amConfig}`, `--storage.path=${path.join(dir, 'am')}`, `--web.listen-address=127.0.0.1:${amPort}`, '--cluster.listen-address=', '--log.level=warn'], amPort);

    const kubeconfig = parseYaml(await readFile(path.join(server.home, 'kubeconfig'), 'utf8')) as Any;
    const cluster = kubeconfig.clusters[0].cluster;
    await writeFile(path.join(dir, 'sim-ca.pem'), Buffer.from(cluster['certificate-authority-data'], 'base64'));
    await writeFile(path.join(dir, 'aegis-token'), viewer);
    const rule = await provisionedAnomalyRule();
    await writeFile(path.join(dir, 'rules.yml'), stringify({ groups: [{ name: 'aegis-anomalies', interval: '1s', rules: [{ alert: rule.alert, expr: rule.expr, labels: rule.labels, annotations: { summary: 'Anomaly score {{ $value }} on {{ $labels.service }}' } }] }] }));
    const promPort = await freePort();
    const aegisHost = new URL(server.url).host;
    const simUrl = new URL(cluster.server as string);
    await writeFile(
      path.join(dir, 'prometheus.yml'),
      stringify({
        global: { scrape_interval: '1s', evaluation_interval: '1s' },
        rule_files: [path.join(dir, 'rules.yml')],
        alerting: { alertmanagers: [{ static_configs: [{ targets: [`127.0.0.1:${amPort}`] }] }] },
        scrape_configs: [
          { job_name: 'aegis', metrics_path: '/metrics', authorization: { type: 'Bearer', credentials_file: path.join(dir, 'aegis-token') }, static_configs: [{ targets: [aegisHost] }] },
          { job_name: 'simulator', scheme: 'https', metrics_path: '/metrics', tls_config: { ca_file: path.join(dir, 'sim-ca.pem') }, static_configs: [{ targets: [simUrl.host] }] },
        ],
      }),
    );
    prom = await startProcess(PROMETHEUS, [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${promPort}`, '--log.level=warn'], promPort);
  }, 300_000);

  afterAll(async () => {
    await prom?.stop();
    await am?.stop();
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('Prometheus scrapes Aegis (bearer token) and the simulated cluster, and loads the provisioned anomaly rule', async () => {
    const health = await until(
      'both targets up',
      async () => {
        const targets = (await (await fetch(`${prom.url}/api/v1/targets`)).json()) as Any;
        const byJob = Object.fromEntries((targets.data.activeTargets as Any[]).map((t) => [t.labels.job, t.health]));
        return byJob.aegis === 'up' && byJob.simulator === 'up' ? byJob : undefined;
      },
      30_000,
    );
    expect(health).toEqual({ aegis: 'up', simulator: 'up' });
    const rule = await provisionedAnomalyRule();
    const rules = (await (await fetch(`${prom.url}/api/v1/rules`)).json()) as Any;
    const loaded = (rules.data.groups as Any[]).flatMap((g) => g.rules as Any[]);
    expect(loaded).toEqual([expect.objectContaining({ name: rule.alert, health: 'ok', query: expect.stringContaining(String(rule.threshold)) })]);
    const series = (await (await fetch(`${prom.url}/api/v1/query?query=${encodeURIComponent('count(up{job="simulator"} == 1)')}`)).json()) as Any;
    expect(series.data.result[0]?.value[1]).toBe('1');
  });

  it('an alert stays one signal across a group_by change and reload, and its resolve (under the new group key) resolves the incident', async () => {
    const startsAt = new Date(Date.now() - 60_000).toISOString();
    const labels = { alertname: 'AegisChainProbe', service: 'paymentservice', namespace: 'boutique', severity: 'warning' };
    const post = (endsAt?: string) =>
      fetch(`${am.url}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([{ labels, annotations: { summary: 'chain probe' }, startsAt, ...(endsAt ? { endsAt } : {}) }]) });
    expect((await post()).status).toBe(200);
    const incident = await until('the incident', async () => (await incidents()).find((i) => i.source === 'alertmanager' && (i.services as string[]).includes('paymentservice')), 30_000);
    const before = await webhookDeliveries();

    await writeAmConfig(['alertname', 'service']);
    expect((await fetch(`${am.url}/-/reload`, { method: 'POST' })).status).toBe(200);
    expect((await post()).status).toBe(200);
    // Alertmanager re-groups the alert under the new group key and delivers it again.
    await until('the re-delivery', async () => ((await webhookDeliveries()) > before ? true : undefined), 30_000);
    const signals = (await detail(incident.id)).signals as Any[];
    expect(signals.filter((s) => s.source === 'alertmanager')).toHaveLength(1);

    expect((await post(new Date().toISOString())).status).toBe(200);
    const resolved = await until(
      'the resolve',
      async () => {
        const d = await detail(incident.id);
        return (d.signals as Any[]).every((s) => s.status === 'resolved') ? d : undefined;
      },
      30_000,
    );
    expect((resolved.signals as Any[]).filter((s) => s.source === 'alertmanager')).toHaveLength(1);
  });

  it('an injected fault opens an incident through Prometheus → Alertmanager → Aegis, and its alert resolves with the fault', { timeout: 600_000 }, async () => {
    const rule = await provisionedAnomalyRule();
    const sim = server.handle.simulator;
    const detection = server.handle.detection;
    if (!sim || !detection) throw new Error('the test server runs without the simulated cluster or detection');
    const ruleSignal = async () => {
      for (const i of await incidents()) {
        if (!(i.services as string[]).includes('paymentservice')) continue;
        const s = ((await detail(i.id)).signals as Any[]).find((x) => x.source === 'alertmanager' && x.payload?.alertname === rule.alert && x.service === 'paymentservice');
        if (s) return { incident: i.id as string, signal: s };
      }
      return undefined;
    };
    // Detection runs each minute in the server; the test drives its ticks so the fault shows in minutes, not hours.
    const tickUntil = async <T>(what: string, fn: () => Promise<T | undefined>, ms: number) => until(what, async () => (await detection.tick(), fn()), ms, 3000);
    sim.inject({ scenario: 'crash-loop', service: 'paymentservice', seed: 1 });
    const fired = await tickUntil(`the provisioned rule (${rule.expr}) to fire and reach Aegis`, ruleSignal, 240_000);
    expect(fired.signal.status).toBe('firing');

    sim.clearFaults();
    sim.actions.restart('paymentservice');
    const resolved = await tickUntil(
      'the rule to resolve and the incident with it',
      async () => {
        const d = await detail(fired.incident);
        const s = (d.signals as Any[]).find((x) => x.id === fired.signal.id);
        return s?.status === 'resolved' ? d : undefined;
      },
      300_000,
    );
    expect((resolved.signals as Any[]).find((x) => x.id === fired.signal.id)?.status).toBe('resolved');
  });
});
