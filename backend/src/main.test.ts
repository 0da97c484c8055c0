import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { postgresReachable, postgresTestDatabase } from '../test/helpers/db.js';
import { NO_SIM, startTestServer } from '../test/helpers/server.js';
import { openDatabase } from './store/index.js';

describe('embedded store across restarts', () => {
  const homes: string[] = [];
  afterAll(async () => Promise.all(homes.map((h) => rm(h, { recursive: true, force: true }))));

  it('keeps incidents and tokens on disk, and shows the bootstrap admin token only on first start', async () => {
    const home = await mkdtemp(path.join(tmpdir(), 'aegis-restart-'));
    homes.push(home);
    const first = await startTestServer({ home, env: NO_SIM });
    expect(first.handle.bootstrapAdminToken).toMatch(/^aeg_/);
    const operator = await first.token('operator');
    const created = await first.request('POST', '/api/v1/incidents', {
      token: operator,
      body: { title: 'survives restart' },
    });
    expect(created.status).toBe(201);
    await first.stop();

    const second = await startTestServer({ home, env: NO_SIM });
    expect(second.handle.bootstrapAdminToken).toBeUndefined();
    const got = await second.request('GET', `/api/v1/incidents/${created.body.id}`, { token: operator });
    expect(got.status).toBe(200);
    expect(got.body.title).toBe('survives restart');
    await second.stop();
  });

  it('refuses to open an embedded database another process holds', async () => {
    const home = await mkdtemp(path.join(tmpdir(), 'aegis-lock-'));
    homes.push(home);
    const s = await startTestServer({ home, env: NO_SIM });
    await expect(openDatabase({ engine: 'pglite', dataDir: path.join(home, 'db') })).rejects.toThrow(
      /in use by process/,
    );
    await s.stop();
    // Once the holder has stopped, the directory opens again.
    const reopened = await openDatabase({ engine: 'pglite', dataDir: path.join(home, 'db') });
    await reopened.close();
    // A lock left by a process that died is stale and taken over.
    await writeFile(path.join(home, 'db', 'aegis.lock'), '999999');
    const afterCrash = await openDatabase({ engine: 'pglite', dataDir: path.join(home, 'db') });
    await afterCrash.close();
  });

  it('ensures tokens named by AEGIS_*_TOKEN variables exist with their roles', async () => {
    const s = await startTestServer({
      env: { ...NO_SIM, AEGIS_ADMIN_TOKEN: 'admin-secret-123456', AEGIS_INGEST_TOKEN: 'ingest-secret-123456' },
    });
    expect(s.handle.bootstrapAdminToken).toBeUndefined();
    expect((await s.request('GET', '/api/v1/audit', { token: 'admin-secret-123456' })).status).toBe(200);
    expect((await s.request('GET', '/api/v1/incidents', { token: 'ingest-secret-123456' })).status).toBe(403);
    await s.stop();
  });
});

describe('the server on PostgreSQL', () => {
  it('serves the API with AEGIS_DATABASE_URL-style storage', async (ctx) => {
    if (!(await postgresReachable())) return ctx.skip('PostgreSQL not reachable');
    const pg = await postgresTestDatabase({ migrate: false });
    const s = await startTestServer({ db: pg.db, env: NO_SIM });
    try {
      expect(s.handle.store.db.engine).toBe('postgres');
      const created = await s.request('POST', '/api/v1/incidents', {
        token: s.adminToken,
        body: { title: 'on postgres' },
      });
      expect(created.status).toBe(201);
      const list = await s.request('GET', '/api/v1/incidents', { token: s.adminToken });
      expect(list.body.items.map((i: { title: string }) => i.title)).toContain('on postgres');
    } finally {
      await s.stop();
      await pg.dispose();
    }
  });
});
