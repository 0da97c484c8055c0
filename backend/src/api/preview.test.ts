import express from 'express';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgliteTestDatabase, type TestDatabase } from '../../test/helpers/db.js';
import { createManualClock } from '../platform/clock.js';
import { silentLogger } from '../platform/logger.js';
import { createStore, type Store } from '../store/index.js';
import { createAuthenticator } from './auth.js';
import { createPreviewRouter, isLoopback, PREVIEW_TOKEN_TTL_MS, withPreview } from './preview.js';

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
    const app = withPreview(createPreviewRouter({ repoRoot: root, tokens: store.tokens, audit: store.audit, clock, logger: silentLogger }), express(), silentLogger);
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
    expect(body).toMatchObject({ role: 'viewer', persona: 'viewer', user: { login: 'preview-viewer', grafanaRole: 'Viewer', permissions: {} } });
    expect(Date.parse(body.expires_at)).toBe(clock.nowMs() + PREVIEW_TOKEN_TTL_MS);
    const auth = createAuthenticator({ tokens: store.tokens, clock });
    // A viewer-role token: it reads, and cannot even claim to act for a Grafana user.
    expect(await auth.authenticate(`Bearer ${body.token}`, undefined)).toMatchObject({ role: 'viewer' });
    await expect(auth.authenticate(`Bearer ${body.token}`, 'preview-viewer')).rejects.toThrow(/only a grafana token/);
    clock.advance(PREVIEW_TOKEN_TTL_MS + 1000);
    await expect(createAuthenticator({ tokens: store.tokens, clock }).authenticate(`Bearer ${body.token}`, undefined)).rejects.toThrow(/expired/);
    const audit = await store.audit.list({ action: 'preview.session', limit: 10 });
    expect(audit.items[0]).toMatchObject({ actor: 'preview', result: 'success', details: { persona: 'viewer', role: 'viewer' } });
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

  /** A raw request, so that Host and forwarding headers are exactly what a proxy or a rebinding page would send. */
  const rawSession = (headers: Record<string, string>) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(`${url}/preview/session`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end(JSON.stringify({ persona: 'editor' }));
    });

  it('refuses a session behind a same-host proxy (forwarding headers) and for a foreign Host (DNS rebinding)', async () => {
    for (const headers of <Array<Record<string, string>>>[{ 'x-forwarded-for': '8.8.8.8' }, { forwarded: 'for=8.8.8.8' }, { 'x-real-ip': '8.8.8.8' }, { 'x-forwarded-host': 'aegis.example.com' }, { host: 'rebind.attacker.example' }, { host: 'aegis.example.com:8000' }]) {
      const res = await rawSession(headers);
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect(JSON.parse(res.body).error.code).toBe('forbidden');
    }
    expect((await rawSession({ host: 'localhost:8000' })).status).toBe(200);
  });

  it('rate limits sessions (429 with Retry-After)', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) statuses.push((await session('readonly')).status);
    expect(statuses).toContain(429);
    expect(statuses.filter((x) => x === 200).length).toBeLessThanOrEqual(20);
  });

  it('answers errors as JSON without stack traces', async () => {
    const missing = await fetch(`${url}/preview/assets/nope.js`);
    expect(missing.status).toBe(404);
    const text = await missing.text();
    expect(text).not.toMatch(/<pre>|at .*\(\/|node_modules/);
    expect(JSON.parse(text).error.code).toBe('not_found');
    const malformed = await fetch(`${url}/preview/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' });
    expect(malformed.status).toBe(400);
    expect(await malformed.text()).not.toMatch(/<pre>|at .*\(\//);
  });
});
