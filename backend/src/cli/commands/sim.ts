import { readFile } from 'node:fs/promises';
import https from 'node:https';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { InputError, UnavailableError } from '../../platform/errors.js';
import { systemClock } from '../../platform/clock.js';
import { createLogger } from '../../platform/logger.js';
import { isScenario, SCENARIOS, startSimulatedCluster } from '../../sources/simulator/index.js';
import type { CliContext, Command } from '../command.js';
import { table } from '../format.js';

interface SimTarget {
  call(method: 'GET' | 'POST', what: 'inject' | 'status', body?: unknown): Promise<unknown>;
  where: string;
}

/**
 * Where `sim inject|status` go: a running Aegis (AEGIS_URL + AEGIS_TOKEN), or else the simulated cluster
 * named by $AEGIS_HOME/kubeconfig (the demo's in-process one or `aegis sim serve`), with its admin token.
 */
async function simTarget(ctx: CliContext): Promise<SimTarget> {
  const config = ctx.config();
  if (config.AEGIS_URL) {
    const base = config.AEGIS_URL;
    const token = config.AEGIS_TOKEN;
    if (!token) throw new InputError('AEGIS_TOKEN must be set to talk to the server at ' + base);
    return {
      where: base,
      async call(method, what, body) {
        let res: Response;
        try {
          res = await fetch(new URL(`/api/v1/simulator/${what}`, base), {
            method,
            headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
            body: body ? JSON.stringify(body) : undefined,
          });
        } catch (err) {
          throw new UnavailableError(`cannot reach Aegis at ${base}: ${(err as Error).message}`);
        }
        const payload = (await res.json().catch(() => ({}))) as { error?: { message?: string } };
        if (!res.ok) throw new InputError(`${res.status}: ${payload.error?.message ?? res.statusText}`);
        return payload;
      },
    };
  }
  const file = path.join(config.AEGIS_HOME, 'kubeconfig');
  let kc: { clusters?: Array<{ cluster?: { server?: string; 'certificate-authority-data'?: string } }>; users?: Array<{ name?: string; user?: { token?: string } }> };
  try {
    kc = parseYaml(await readFile(file, 'utf8')) as typeof kc;
  } catch {
    throw new UnavailableError(`no simulated cluster: ${file} is missing (start one with \`npm start\` or \`aegis sim serve\`, or set AEGIS_URL)`);
  }
  const server = kc.clusters?.[0]?.cluster?.server;
  const ca = kc.clusters?.[0]?.cluster?.['certificate-authority-data'];
  const token = kc.users?.find((u) => u.name === 'sim-admin')?.user?.token;
  if (!server || !token) throw new InputError(`${file} is not a simulated cluster's kubeconfig`);
  return {
    where: server,
    call: (method, what, body) => httpsJson(`${server}/sim/v1/${what}`, method, token, ca ? Buffer.from(ca, 'base64').toString() : undefined, body),
  };
}

function httpsJson(url: string, method: string, token: string, ca: string | undefined, body?: unknown): Promise<unknown> {
  const text = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      { method, ca, headers: { authorization: `Bearer ${token}`, ...(text ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) } : {}) }, timeout: 10_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const raw = Buffer.concat(chunks).toString();
          let payload: { error?: { message?: string }; message?: string } = {};
          try {
            payload = JSON.parse(raw) as typeof payload;
          } catch {
            /* keep raw */
          }
          if ((res.statusCode ?? 500) >= 400) reject(new InputError(`${res.statusCode}: ${payload.error?.message ?? payload.message ?? raw.slice(0, 200)}`));
          else resolve(payload);
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (err) => reject(new UnavailableError(`cannot reach the simulated cluster at ${url}: ${err.message} (is it running?)`)));
    if (text) req.write(text);
    req.end();
  });
}

export const simServe: Command = {
  words: ['sim', 'serve'],
  usage: 'aegis sim serve [--port N] [--seed N] [--step-ms N] [--pods N]',
  summary: 'Run the simulated cluster as its own process (state kept in $AEGIS_HOME/sim)',
  options: { port: { type: 'string' }, seed: { type: 'string' }, 'step-ms': { type: 'string' }, pods: { type: 'string' } },
  async run({ values }, ctx) {
    const config = ctx.config();
    const num = (name: string, v: unknown, min: number, max: number) => {
      if (v === undefined) return undefined;
      const n = Number(v);
      if (!Number.isInteger(n) || n < min || n > max) throw new InputError(`--${name} must be an integer from ${min} to ${max}`);
      return n;
    };
    const logger = createLogger({ level: config.AEGIS_LOG_LEVEL }, { svc: 'aegis-sim' });
    const cluster = await startSimulatedCluster({
      home: config.AEGIS_HOME,
      clock: systemClock,
      logger,
      persist: true,
      port: num('port', values.port, 0, 65535) ?? config.AEGIS_SIM_PORT,
      seed: num('seed', values.seed, 0, 2 ** 31),
      stepMs: num('step-ms', values['step-ms'], 100, 60_000),
      pods: num('pods', values.pods, 11, 20_000),
    });
    ctx.out(
      [
        `Simulated cluster at ${cluster.url} (${cluster.sim.cluster.pods.size} pods, namespace ${cluster.sim.namespace}, state in ${path.join(config.AEGIS_HOME, 'sim')})`,
        `  kubectl --kubeconfig ${cluster.kubeconfigPath} get pods`,
        `  metrics: ${cluster.url}/metrics (Prometheus text; use the CA from the kubeconfig or insecure_skip_verify)`,
        `  aegis sim inject <${SCENARIOS.join('|')}> --service cartservice`,
      ].join('\n'),
    );
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
    await cluster.close();
    return 0;
  },
};

export const simInject: Command = {
  words: ['sim', 'inject'],
  usage: `aegis sim inject <${SCENARIOS.join('|')}> --service S [--seed N] [--duration-minutes M] [--json]`,
  summary: 'Inject a fault scenario into the simulated cluster',
  options: { service: { type: 'string' }, seed: { type: 'string' }, 'duration-minutes': { type: 'string' }, json: { type: 'boolean' } },
  async run({ values, positionals }, ctx) {
    const scenario = positionals[0];
    if (!scenario || !isScenario(scenario)) throw new InputError(`give a scenario: one of ${SCENARIOS.join(', ')}`);
    const service = values.service as string | undefined;
    if (!service) throw new InputError('--service is required (e.g. --service cartservice)');
    const seed = values.seed === undefined ? undefined : Number(values.seed);
    if (seed !== undefined && (!Number.isInteger(seed) || seed < 0)) throw new InputError('--seed must be a non-negative integer');
    const duration = values['duration-minutes'] === undefined ? undefined : Number(values['duration-minutes']);
    if (duration !== undefined && !(duration > 0)) throw new InputError('--duration-minutes must be positive');
    const target = await simTarget(ctx);
    const fault = (await target.call('POST', 'inject', { scenario, service, ...(seed !== undefined ? { seed } : {}), ...(duration ? { duration_minutes: duration } : {}) })) as {
      id: string;
      seed: number;
      summary: string;
      fixedBy: string;
    };
    if (values.json) ctx.out(JSON.stringify(fault, null, 2));
    else ctx.out(`Injected ${scenario} into ${service} (${fault.id}, seed ${fault.seed}) via ${target.where}\n  ${fault.summary}\n  fixed by: ${fault.fixedBy}`);
    return 0;
  },
};

export const simStatusCommand: Command = {
  words: ['sim', 'status'],
  usage: 'aegis sim status [--json]',
  summary: 'Services, pods and faults of the simulated cluster',
  options: { json: { type: 'boolean' } },
  async run({ values }, ctx) {
    const target = await simTarget(ctx);
    const status = (await target.call('GET', 'status')) as {
      now: string;
      pods: number;
      namespace: string;
      faults: Array<{ id: string; scenario: string; service: string; active: boolean; seed: number }>;
      services: Array<Record<string, unknown>>;
    };
    if (values.json) {
      ctx.out(JSON.stringify(status, null, 2));
      return 0;
    }
    ctx.out(`Simulated cluster at ${target.where}: ${status.pods} pods in ${status.namespace}, time ${status.now}`);
    ctx.out(table(status.services, ['name', 'ready', 'pods', 'request_rate', 'error_rate', 'latency_p99_ms', 'cpu_cores', 'memory_mib', 'restarts']));
    ctx.out(status.faults.length ? '\nFaults\n' + table(status.faults.map((f) => ({ ...f })), ['id', 'scenario', 'service', 'seed', 'active']) : '\nNo faults injected.');
    return 0;
  },
};

export const simConformance: Command = {
  words: ['sim', 'conformance'],
  usage: 'aegis sim conformance [--json]',
  summary: 'Run kubectl and the client libraries against a fresh simulated cluster; print each operation as pass, fail or skipped (with the reason)',
  options: { json: { type: 'boolean' } },
  async run({ values }, ctx) {
    const { runConformance } = await import('../../sources/simulator/conformance.js');
    const python = await hasPythonClient();
    const results = await runConformance({ clock: systemClock, python });
    if (values.json) ctx.out(JSON.stringify({ results }, null, 2));
    else {
      const width = (process.stdout.columns ?? 80) - 50;
      ctx.out(table(results.map((r) => ({ ...r, detail: r.detail.length > width ? `${r.detail.slice(0, width - 1)}…` : r.detail })), ['result', 'client', 'operation', 'detail']));
      const count = (k: string) => results.filter((r) => r.result === k).length;
      ctx.out(`\n${count('pass')} pass, ${count('fail')} fail, ${count('skipped')} skipped of ${results.length} operations`);
    }
    return results.some((r) => r.result === 'fail') ? 1 : 0;
  },
};

async function hasPythonClient(): Promise<string | undefined> {
  const { execFile } = await import('node:child_process');
  return new Promise((resolve) => execFile('/usr/bin/python3', ['-c', 'import kubernetes'], (err) => resolve(err ? undefined : '/usr/bin/python3')));
}
