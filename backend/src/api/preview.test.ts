import express from 'express';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgliteTestDatabase, type TestDatabase } from '../../test/helpers/db.js';
import { createManualClock } from '../platform/clock.js';
import { silentLogger } from '../platform/logger.js';
import { createStore, type Store } from '../store/index.js';
import { createAuthenticator } from './auth.js';
import { createPreviewRouter, isLoopback, PREVIEW_TOKEN_TTL_MS } from './preview.js';

describe('preview router', () => {
  const clock = createManualClock(Date.UTC(2026, 0, 1));
  let tdb: TestDatabase;
  let store: Store;
  let root: string;
  let srv: http.Server;
  let url: string;

  beforeAll(async () => {
    tdb = await pgliteTestDatabase();
    store = createStore({ db: tdb.db, clock });
    root = await mkdtemp(path.join(tmpdir(), 'aegis-preview-'));
    const app = express().use(createPreviewRouter({ repoRoot: root, tokens: store.tokens, audit: store.audit, clock, logger: silentLogger }));
    srv = app.listen(0, '127.0.0.1');
    await new Promise((r) => srv.once('listening', r));
    url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    srv?.close();
    await tdb?.dispose();
    await rm(root, { recursive: true, force: true });
  });

  const session = (persona: string) =>
    fetch(`${url}/preview/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ persona }) });

  it('issues a token of the picked persona that expires after the TTL, and audits it', async () => {
    const res = await session('viewer');
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ role: 'grafana', persona: 'viewer', user: { login: 'preview-viewer', grafanaRole: 'Viewer', permissions: {} } });
    expect(Date.parse(body.expires_at)).toBe(clock.nowMs() + PREVIEW_TOKEN_TTL_MS);
    const auth = createAuthenticator({ tokens: store.tokens, clock });
    const principal = await auth.authenticate(`Bearer ${body.token}`, 'preview-viewer');
    expect(principal).toMatchObject({ role: 'grafana', actor: 'grafana:preview-viewer' });
    clock.advance(PREVIEW_TOKEN_TTL_MS + 1000);
    await expect(createAuthenticator({ tokens: store.tokens, clock }).authenticate(`Bearer ${body.token}`, undefined)).rejects.toThrow(/expired/);
    const audit = await store.audit.list({ action: 'preview.session', limit: 10 });
    expect(audit.items[0]).toMatchObject({ actor: 'preview', result: 'success', details: { persona: 'viewer', role: 'grafana' } });
  });

  it('only the editor persona holds the approve permission; the read-only persona gets a viewer token', async () => {
    expect((await (await session('editor')).json()).user.permissions).toEqual({ 'aegis-app.remediations:approve': true });
    expect((await (await session('readonly')).json()).role).toBe('viewer');
  });

  it('issues sessions only to loopback clients', () => {
    expect(['127.0.0.1', '::1', '::ffff:127.0.0.1'].every(isLoopback)).toBe(true);
    expect(['10.0.0.5', '::ffff:172.17.0.1', '192.168.1.2', undefined].some(isLoopback)).toBe(false);
  });

  it('refuses an unknown persona', async () => {
    const res = await session('admin');
    expect(res.status).toBe(400);
    expect((await res.json()).error.message).toContain('editor, viewer, readonly');
  });

  it('says how to build the page when it is missing, and serves it once built', async () => {
    const missing = await fetch(`${url}/preview`);
    expect(missing.status).toBe(503);
    expect(await missing.text()).toContain('npm run build');
    await mkdir(path.join(root, 'preview/dist'), { recursive: true });
    await writeFile(path.join(root, 'preview/dist/index.html'), '<!doctype html><title>Aegis preview</title>');
    const built = await fetch(`${url}/preview`);
    expect(built.status).toBe(200);
    expect(await built.text()).toContain('Aegis preview');
    expect((await fetch(`${url}/public/plugins/aegis-app/module.js`)).status).toBe(404);
  });
});
