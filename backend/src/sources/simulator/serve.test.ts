import { AppsV1Api } from '@kubernetes/client-node';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../../../test/helpers/server.js';
import { loadKubeConfig } from '../kubernetes/index.js';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bin/aegis.mjs');
const exec = promisify(execFile);

describe('aegis sim serve: the simulated cluster as its own process', () => {
  let home: string;
  let serve: ChildProcess | undefined;
  const env = () => {
    const e: NodeJS.ProcessEnv = { ...process.env, AEGIS_HOME: home, AEGIS_LOG_LEVEL: 'warn' };
    delete e.AEGIS_URL;
    delete e.AEGIS_TOKEN;
    return e;
  };
  const cli = async (...args: string[]) => (await exec(process.execPath, [BIN, ...args], { env: env(), timeout: 60_000 })).stdout;

  async function startServe(): Promise<ChildProcess> {
    const child = spawn(process.execPath, [BIN, 'sim', 'serve', '--step-ms', '500'], { env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
    const deadline = Date.now() + 60_000;
    while (!out.includes('Simulated cluster at')) {
      if (child.exitCode !== null) throw new Error(`sim serve exited with ${child.exitCode}`);
      if (Date.now() > deadline) throw new Error('sim serve did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
    return child;
  }

  async function stopServe(child: ChildProcess): Promise<number | null> {
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    return exited;
  }

  beforeAll(async () => {
    home = await mkdtemp(path.join(tmpdir(), 'aegis-serve-'));
  });
  afterAll(async () => {
    if (serve && serve.exitCode === null) await stopServe(serve);
    await rm(home, { recursive: true, force: true });
  });

  it('outlives a backend that watches it, and keeps its state across its own restart', { timeout: 240_000 }, async () => {
    serve = await startServe();
    const kubeconfig = path.join(home, 'kubeconfig');
    expect(existsSync(kubeconfig)).toBe(true);
    expect(await cli('sim', 'inject', 'bad-deploy', '--service', 'adservice', '--seed', '3')).toMatch(/Injected bad-deploy into adservice \(fault-1, seed 3\)/);

    // A backend pointed at the cluster by AEGIS_KUBECONFIG, then killed: the cluster does not care.
    const backend = await startTestServer({ env: { AEGIS_KUBECONFIG: kubeconfig } });
    try {
      expect(backend.handle.cluster.mode).toBe('kubeconfig');
      const inv = await backend.handle.kubernetes?.inventory({ namespace: 'boutique' });
      expect(inv?.errors).toEqual([]);
      expect(inv?.results.filter((r) => r.kind === 'Deployment')).toHaveLength(11);
    } finally {
      await backend.stop();
    }
    const apps = loadKubeConfig({ file: kubeconfig }).makeApiClient(AppsV1Api);
    const before = await apps.readNamespacedDeployment({ name: 'adservice', namespace: 'boutique' });
    expect(before.metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('4');

    expect(await stopServe(serve)).toBe(0);
    expect(existsSync(path.join(home, 'sim', 'state.json'))).toBe(true);
    serve = await startServe();
    const status = JSON.parse(await cli('sim', 'status', '--json')) as { faults: Array<{ scenario: string; service: string; seed: number }> };
    expect(status.faults).toEqual([expect.objectContaining({ scenario: 'bad-deploy', service: 'adservice', seed: 3 })]);
    const after = await loadKubeConfig({ file: kubeconfig }).makeApiClient(AppsV1Api).readNamespacedDeployment({ name: 'adservice', namespace: 'boutique' });
    expect(after.metadata?.uid).toBe(before.metadata?.uid);
    expect(after.spec?.template.spec?.containers[0]?.image).toBe(before.spec?.template.spec?.containers[0]?.image);
    expect(after.metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('4');
  });
});
