import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import type http from 'node:http';
import path from 'node:path';
import { z } from 'zod';
import type { Clock } from '../../platform/clock.js';
import { AegisError, errorMessage } from '../../platform/errors.js';
import { silentLogger, type Logger } from '../../platform/logger.js';
import { startSimServer, statusBody, type SimServer } from './apiserver.js';
import { SCENARIOS } from './faults.js';
import { contextFor, newSimUsers, simKubeconfig } from './kubeconfig.js';
import type { SimBindings } from './impersonation.js';
import type { Rule, SimUser } from './rbac.js';
import { createSimulator, type Simulator, type SimulatorState } from './simulator.js';
import { createSelfSignedTls, type SimTls } from './tls.js';
import { boutiqueTopology, scaledTopology } from './topology.js';

export interface SimulatedClusterOptions {
  /** AEGIS_HOME: the kubeconfig goes to `<home>/kubeconfig`, credentials and state to `<home>/sim`. */
  home: string;
  clock: Clock;
  logger?: Logger;
  seed?: number;
  port?: number;
  host?: string;
  stepMs?: number;
  retentionMs?: number;
  /** Total pods (benches scale the shop up); default: Online Boutique's replica counts. */
  pods?: number;
  /** Keep the cluster's state in `<home>/sim/state.json` and resume from it (`aegis sim serve`). */
  persist?: boolean;
  persistEveryMs?: number;
  watchTimeoutMs?: number;
  podStartMs?: number;
  podReadyMs?: number;
  /** RBAC: roles by name, and role bindings for impersonated users and groups (`user:alice` → `edit`). */
  roles?: Record<string, Rule[]>;
  bindings?: SimBindings;
}

export interface SimulatedCluster {
  sim: Simulator;
  server: SimServer;
  url: string;
  kubeconfigPath: string;
  /** The kubeconfig text (current context: admin). */
  kubeconfig: string;
  /** Context names by role: `cluster-admin`, `aegis` (least privilege, what the backend uses), `view`. */
  contexts: Record<string, string>;
  users: SimUser[];
  caPem: string;
  close(): Promise<void>;
}

export const injectBody = z.object({
  scenario: z.enum(SCENARIOS),
  service: z.string().min(1).max(253),
  seed: z.coerce.number().int().min(0).max(2 ** 31).optional(),
  duration_minutes: z.coerce.number().positive().max(7 * 24 * 60).optional(),
});

const credentialsSchema = z.object({
  users: z.array(z.object({ name: z.string(), token: z.string(), role: z.string() })),
  tls: z.object({ key: z.string(), cert: z.string() }),
});

/**
 * Starts the simulated cluster: the model, its API server on a loopback port, and a kubeconfig under
 * AEGIS_HOME. Credentials persist so the kubeconfig stays valid across restarts; with `persist` the
 * cluster's objects and faults do too.
 */
export async function startSimulatedCluster(o: SimulatedClusterOptions): Promise<SimulatedCluster> {
  const logger = o.logger ?? silentLogger;
  const dir = path.join(o.home, 'sim');
  await mkdir(dir, { recursive: true });
  const { users, tls } = await loadCredentials(dir, o.clock);
  const statePath = path.join(dir, 'state.json');
  const state = o.persist ? await loadState(statePath, logger) : undefined;
  const topology = o.pods ? scaledTopology(boutiqueTopology(), o.pods) : undefined;
  const sim = createSimulator({ clock: o.clock, logger, seed: o.seed, stepMs: o.stepMs, retentionMs: o.retentionMs, topology, state, podStartMs: o.podStartMs, podReadyMs: o.podReadyMs });
  sim.start();
  let server: SimServer;
  try {
    server = await startSimServer({
      sim,
      users,
      roles: o.roles,
      bindings: o.bindings,
      tls,
      host: o.host,
      port: o.port,
      logger,
      watchTimeoutMs: o.watchTimeoutMs,
      control: (req, res, user, body) => control(sim, req, res, user, body),
    });
  } catch (err) {
    sim.stop();
    throw err;
  }
  const kubeconfig = simKubeconfig(server.url, users, sim.namespace, tls.cert);
  const kubeconfigPath = path.join(o.home, 'kubeconfig');
  await writeFile(kubeconfigPath, kubeconfig, { mode: 0o600 });
  await chmod(kubeconfigPath, 0o600);
  const saveNow = async () => {
    const tmp = `${statePath}.tmp`;
    await writeFile(tmp, JSON.stringify(sim.snapshot()));
    await rename(tmp, statePath);
  };
  // One save at a time: a slow one overlapped by the next tick (a busy machine) had its temporary file renamed away.
  let saving: Promise<void> | undefined;
  const save = () => (saving ??= saveNow().finally(() => (saving = undefined)));
  const saver = o.persist ? setInterval(() => void save().catch((err: unknown) => logger.error('saving simulator state failed', { err })), o.persistEveryMs ?? 5_000) : undefined;
  saver?.unref();
  logger.info('simulated cluster running', { url: server.url, kubeconfig: kubeconfigPath, pods: sim.cluster.pods.size, resumed: Boolean(state) });
  return {
    sim,
    server,
    url: server.url,
    kubeconfigPath,
    kubeconfig,
    contexts: Object.fromEntries(['cluster-admin', 'aegis', 'view'].map((r) => [r, contextFor(users, r)])),
    users,
    caPem: tls.cert,
    async close() {
      if (saver) clearInterval(saver);
      sim.stop();
      await server.close();
      if (o.persist) {
        await saving?.catch(() => {});
        await save();
      }
    },
  };
}

async function loadCredentials(dir: string, clock: Clock): Promise<{ users: SimUser[]; tls: SimTls }> {
  const file = path.join(dir, 'credentials.json');
  try {
    return credentialsSchema.parse(JSON.parse(await readFile(file, 'utf8')));
  } catch {
    const fresh = { users: newSimUsers(), tls: createSelfSignedTls({ now: clock.now() }) };
    await writeFile(file, JSON.stringify(fresh), { mode: 0o600 });
    return fresh;
  }
}

async function loadState(file: string, logger: Logger): Promise<SimulatorState | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const state = JSON.parse(text) as SimulatorState;
    if (state.version !== 1) throw new Error(`unknown state version ${String(state.version)}`);
    return state;
  } catch (err) {
    logger.warn('ignoring unreadable simulator state; starting fresh', { file, err: errorMessage(err) });
    return undefined;
  }
}

/** The simulator's own controls beside the Kubernetes API: status, inject, clear (admin token only). */
async function control(
  sim: Simulator,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  user: SimUser | undefined,
  body: () => Promise<string>,
): Promise<boolean> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const send = (status: number, payload: unknown) => {
    const text = JSON.stringify(payload);
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
    return true;
  };
  if (!user) return send(401, statusBody(401, 'Unauthorized', 'Unauthorized'));
  if (url.pathname === '/sim/v1/status' && req.method === 'GET') return send(200, simStatus(sim));
  if (user.role !== 'cluster-admin') return send(403, statusBody(403, 'Forbidden', `User "${user.name}" may not control the simulator`));
  try {
    if (url.pathname === '/sim/v1/inject' && req.method === 'POST') {
      const input = injectBody.parse(JSON.parse((await body()) || '{}'));
      const fault = sim.inject({ scenario: input.scenario, service: input.service, seed: input.seed, durationMs: input.duration_minutes ? input.duration_minutes * 60_000 : undefined });
      return send(201, fault);
    }
    if (url.pathname === '/sim/v1/clear' && req.method === 'POST') {
      sim.clearFaults();
      return send(200, simStatus(sim));
    }
  } catch (err) {
    const status = err instanceof AegisError ? err.status : err instanceof z.ZodError || err instanceof SyntaxError ? 400 : 500;
    const message = err instanceof z.ZodError ? err.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') : errorMessage(err);
    return send(status, { error: { code: status === 400 ? 'invalid_input' : 'error', message } });
  }
  return false;
}

export function simStatus(sim: Simulator) {
  const frame = sim.latestFrame();
  return {
    namespace: sim.namespace,
    seed: sim.seed,
    now: new Date(sim.now()).toISOString(),
    step_ms: sim.stepMs,
    pods: sim.cluster.pods.size,
    resource_version: sim.store.resourceVersion,
    faults: sim.faults(),
    services: sim.topology.services.map((s) => {
      const m = frame?.services.get(s.name);
      return {
        name: s.name,
        ready: [...sim.cluster.pods.values()].filter((p) => p.service === s.name && p.ready).length,
        pods: [...sim.cluster.pods.values()].filter((p) => p.service === s.name).length,
        request_rate: round(m?.request_rate),
        error_rate: round(m?.error_rate, 4),
        latency_p99_ms: round(m?.latency_p99),
        cpu_cores: round(m?.cpu, 3),
        memory_mib: m ? round(m.memory / 2 ** 20) : null,
        restarts: m?.restarts ?? 0,
      };
    }),
  };
}

function round(v: number | undefined, digits = 1): number | null {
  if (v === undefined || !Number.isFinite(v)) return null;
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
