import express from 'express';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/helpers/server.js';
import { createManualClock } from '../platform/clock.js';
import { silentLogger } from '../platform/logger.js';
import { createPreviewRouter, PREVIEW_TOKEN_TTL_MS } from './preview.js';

describe('preview (demo mode)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.stop();
  });

  it('issues a short-lived token of the picked persona, audited, that the API accepts', async () => {
    const res = await server.request('POST', '/preview/session', { body: { persona: 'viewer' } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ role: 'grafana', persona: 'viewer', user: { login: 'preview-viewer', grafanaRole: 'Viewer', permissions: {} } });
    const ttl = Date.parse(res.body.expires_at) - Date.now();
    expect(ttl).toBeGreaterThan(PREVIEW_TOKEN_TTL_MS - 60_000);
    expect(ttl).toBeLessThanOrEqual(PREVIEW_TOKEN_TTL_MS);
    const api = await server.request('GET', '/api/v1/incidents', { token: res.body.token, headers: { 'x-grafana-user': 'preview-viewer' } });
    expect(api.status).toBe(200);
    const audit = await server.request('GET', '/api/v1/audit?action=preview.session', { token: server.adminToken });
    expect(audit.body.items.some((e: { action: string }) => e.action === 'preview.session')).toBe(true);
  });

  it('only the editor persona holds the approve permission; the read-only persona gets a viewer token', async () => {
    const editor = await server.request('POST', '/preview/session', { body: { persona: 'editor' } });
    expect(editor.body.user.permissions).toEqual({ 'aegis-app.remediations:approve': true });
    const readonly = await server.request('POST', '/preview/session', { body: { persona: 'readonly' } });
    expect(readonly.body.role).toBe('viewer');
  });

  it('refuses an unknown persona', async () => {
    const res = await server.request('POST', '/preview/session', { body: { persona: 'admin' } });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('editor, viewer, readonly');
  });
});

describe('preview router', () => {
  it('says how to build the page when it is missing, and serves it once built', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'aegis-preview-'));
    const clock = createManualClock(0);
    const app = express().use(
      createPreviewRouter({
        repoRoot: root,
        tokens: { create: async () => ({ secret: 's', token: { id: 't' } }) } as never,
        audit: { record: async () => {} } as never,
        clock,
        logger: silentLogger,
      }),
    );
    const srv = app.listen(0, '127.0.0.1');
    await new Promise((r) => srv.once('listening', r));
    const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
    try {
      const missing = await fetch(`${url}/preview`);
      expect(missing.status).toBe(503);
      expect(await missing.text()).toContain('npm run build');
      await mkdir(path.join(root, 'preview/dist'), { recursive: true });
      await writeFile(path.join(root, 'preview/dist/index.html'), '<!doctype html><title>Aegis preview</title>');
      const built = await fetch(`${url}/preview`);
      expect(built.status).toBe(200);
      expect(await built.text()).toContain('Aegis preview');
      expect((await fetch(`${url}/public/plugins/aegis-app/module.js`)).status).toBe(404);
    } finally {
      srv.close();
      await rm(root, { recursive: true, force: true });
    }
  });
});
