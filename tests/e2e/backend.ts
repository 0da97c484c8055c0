// The backend the browser tests run against: `aegis start` as its own process (as `npm start` runs it),
// in demo mode with its own AEGIS_HOME and a known admin token. Its output goes to test-results/.
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { REPO_ROOT } from './browser.js';

export interface Backend {
  url: string;
  adminToken: string;
  // JSON answers are read field by field in the tests.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  request(method: string, pathname: string, opts?: { token?: string; body?: unknown }): Promise<{ status: number; body: any }>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export async function startBackend(): Promise<Backend> {
  const home = await mkdtemp(path.join(tmpdir(), 'aegis-e2e-'));
  const port = await freePort();
  const adminToken = `aeg_e2e_${randomBytes(18).toString('base64url')}`;
  const logDir = path.join(REPO_ROOT, 'test-results');
  await mkdir(logDir, { recursive: true });
  const log = createWriteStream(path.join(logDir, 'e2e-backend.log'));
  const child: ChildProcess = spawn(process.execPath, [path.join(REPO_ROOT, 'backend/bin/aegis.mjs'), 'start'], {
    cwd: home,
    env: { ...process.env, AEGIS_HOME: home, AEGIS_HOST: '127.0.0.1', AEGIS_PORT: String(port), AEGIS_ADMIN_TOKEN: adminToken },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));
  const url = `http://127.0.0.1:${port}`;

  const request: Backend['request'] = async (method, pathname, opts = {}) => {
    const headers: Record<string, string> = {};
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(url + pathname, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    return { status: res.status, body };
  };

  const deadline = Date.now() + 180_000;
  for (;;) {
    if (exited !== undefined) throw new Error(`aegis start exited with ${exited}: see test-results/e2e-backend.log`);
    const ok = await fetch(`${url}/readyz`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) throw new Error('aegis start did not become ready within 180 s: see test-results/e2e-backend.log');
    await new Promise((r) => setTimeout(r, 500));
  }

  return {
    url,
    adminToken,
    request,
    async stop() {
      if (exited === undefined) {
        const gone = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await gone;
        clearTimeout(timer);
      }
      log.end();
      await rm(home, { recursive: true, force: true });
    },
  };
}
