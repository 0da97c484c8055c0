import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../../src/pipeline/e2e/harness.js';
export { scratchPostgres } from './db.js';

/** Aegis as its users run it: `aegis sim serve` and `aegis start` as separate processes. */
export const AEGIS_BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/aegis.mjs');

export interface AegisProcess {
  child: ChildProcess;
  home: string;
  output: string[];
  /** SIGKILL: no shutdown hooks run, as when a node or the OOM killer takes a pod. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const p = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return p;
}

export function spawnAegis(args: string[], env: Record<string, string>, home: string): AegisProcess {
  const output: string[] = [];
  const child = spawn(process.execPath, [AEGIS_BIN, ...args], {
    env: { ...process.env, AEGIS_LOG_LEVEL: 'warn', ...env, AEGIS_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => output.push(d.toString()));
  child.stderr?.on('data', (d: Buffer) => output.push(d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const signal = async (sig: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(sig);
    await exited;
  };
  return {
    child,
    home,
    output,
    kill: () => signal('SIGKILL'),
    async stop() {
      const hard = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await signal('SIGTERM');
      clearTimeout(hard);
    },
  };
}

/** Polls `fn` until it returns a value (the e2e harness's `waitFor`). */
export const until = waitFor;

/** The simulated cluster in its own process; its kubeconfig is what backends point AEGIS_KUBECONFIG at. */
export async function startSimulatorProcess(): Promise<AegisProcess & { kubeconfig: string }> {
  const home = await mkdtemp(path.join(tmpdir(), 'aegis-sim-'));
  const sim = spawnAegis(['sim', 'serve', '--port', '0'], {}, home);
  const kubeconfig = path.join(home, 'kubeconfig');
  await until(
    'the simulated cluster',
    async () => {
      if (sim.child.exitCode !== null) throw new Error(`aegis sim serve exited: ${sim.output.join('').slice(-2_000)}`);
      return existsSync(kubeconfig) && sim.output.join('').includes('Simulated cluster at') ? true : undefined;
    },
    180_000,
    300,
  );
  return { ...sim, kubeconfig, stop: async () => (await sim.stop(), await rm(home, { recursive: true, force: true })) };
}

export interface BackendProcess extends AegisProcess {
  url: string;
  port: number;
  /** Waits until /healthz answers (start-up is slow on a busy 2-core machine). */
  healthy(): Promise<void>;
}

/**
 * Verification timings for tests against a simulator ticking every few seconds: the defaults (60 s settling, then
 * checks holding for 120 s) outlast a test's patience for a remediation to finish.
 */
export const TEST_VERIFICATION_POLICY = 'verifySettleMs: 10000\nverifyWindowMs: 20000\n';

/** One `aegis start` replica with its own home (and port); the database comes from `env`. */
export async function startBackendProcess(env: Record<string, string>, opts: { remediationPolicy?: string } = {}): Promise<BackendProcess> {
  const home = await mkdtemp(path.join(tmpdir(), 'aegis-replica-'));
  if (opts.remediationPolicy) await writeFile(path.join(home, 'remediation-policy.yaml'), opts.remediationPolicy);
  const port = await freePort();
  const p = spawnAegis(['start'], { AEGIS_PORT: String(port), ...env }, home);
  const url = `http://127.0.0.1:${port}`;
  const healthy = async () => {
    await until(
      'the backend',
      async () => {
        if (p.child.exitCode !== null || p.child.signalCode !== null) throw new Error(`backend exited: ${p.output.join('').slice(-2_000)}`);
        return (await fetch(`${url}/healthz`).catch(() => undefined))?.status === 200 ? true : undefined;
      },
      180_000,
      300,
    );
  };
  return {
    ...p,
    url,
    port,
    healthy,
    stop: async () => (await p.stop(), await rm(home, { recursive: true, force: true })),
  };
}
