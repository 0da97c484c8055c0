import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/index.js';
import { type AegisHandle, startAegis } from '../../src/main.js';
import { createMemoryLogger } from '../../src/platform/logger.js';
import type { Database } from '../../src/store/index.js';
import type { Role } from '../../src/store/types.js';

export interface TestServer {
  handle: AegisHandle;
  url: string;
  home: string;
  adminToken: string;
  logs: ReturnType<typeof createMemoryLogger>;
  /** Creates a token of the given role and returns its secret. */
  token(role: Role, name?: string): Promise<string>;
  request(
    method: string,
    pathname: string,
    opts?: RequestOptions,
  ): Promise<{ status: number; body: any; headers: Headers }>;
  stop(opts?: { keepHome?: boolean }): Promise<void>;
}

export interface RequestOptions {
  token?: string;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
}

/** For suites that test the API and the store alone: no simulated cluster, so the server starts in a moment. */
export const NO_SIM: Record<string, string> = { AEGIS_SIMULATOR: '0' };

/**
 * Starts the real composition root on a free port with its own AEGIS_HOME. Pass `db` to share an
 * engine the test opened (e.g. PostgreSQL); otherwise the embedded PGlite is used on disk.
 */
export async function startTestServer(
  opts: { db?: Database; home?: string; env?: Record<string, string> } = {},
): Promise<TestServer> {
  const home = opts.home ?? (await mkdtemp(path.join(tmpdir(), 'aegis-test-')));
  const config = loadConfig({ AEGIS_HOME: home, AEGIS_PORT: '0', ...opts.env }, { cwd: home });
  const logs = createMemoryLogger('info');
  const handle = await startAegis({ config, db: opts.db, logger: logs });
  let adminToken = handle.bootstrapAdminToken ?? opts.env?.AEGIS_ADMIN_TOKEN ?? '';
  if (!adminToken) {
    adminToken = (await handle.store.tokens.create({ name: 'test-admin', role: 'admin', createdBy: 'test' })).secret;
  }
  const request: TestServer['request'] = async (method, pathname, o = {}) => {
    const headers: Record<string, string> = { ...o.headers };
    if (o.token) headers.authorization = `Bearer ${o.token}`;
    let body: string | undefined;
    if (o.rawBody !== undefined) body = o.rawBody;
    else if (o.body !== undefined) body = JSON.stringify(o.body);
    if (body !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
    const res = await fetch(handle.url + pathname, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* not JSON: keep the text */
    }
    return { status: res.status, body: parsed, headers: res.headers };
  };
  return {
    handle,
    url: handle.url,
    home,
    adminToken,
    logs,
    async token(role, name = `${role}-test`) {
      return (await handle.store.tokens.create({ name, role, createdBy: 'test' })).secret;
    },
    request,
    async stop({ keepHome = false } = {}) {
      await handle.close();
      if (!keepHome && !opts.home) await rm(home, { recursive: true, force: true });
    },
  };
}
