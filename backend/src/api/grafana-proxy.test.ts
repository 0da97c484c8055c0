import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_SIM, startTestServer, type TestServer } from '../../test/helpers/server.js';

/**
 * What Grafana's plugin proxies let through, against the backend: routes are picked from plugin.json
 * the way Grafana does (case-sensitive path prefix, method, longest first), and the backend must not
 * widen that choice — a path Grafana did not match as the approve route must not approve here.
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
interface PluginRoute { path: string; method?: string; reqAction?: string; reqRole?: string; url: string; headers?: Array<{ name: string; content: string }> }
const routesOf = (file: string) => (JSON.parse(readFileSync(path.join(ROOT, file), 'utf8')) as { routes: PluginRoute[] }).routes;
const appRoutes = routesOf('plugin-app/src/plugin.json');
const dsRoutes = routesOf('plugin-datasource/src/plugin.json');
const SOME_ID = '00000000-0000-4000-8000-000000000000';

/** Grafana: strings.HasPrefix on the proxied path (case-sensitive), method when the route names one. */
function grafanaRoute(routes: PluginRoute[], rest: string, method: string) {
  return routes
    .filter((r) => rest.startsWith(r.path) && (!r.method || r.method === method))
    .sort((a, b) => b.path.length - a.path.length)[0];
}

describe('Grafana proxy routes and the backend agree (case, method, credential)', () => {
  let s: TestServer;
  let guarded: string[];

  beforeAll(async () => {
    s = await startTestServer({ env: { ...NO_SIM, AEGIS_RATE_LIMIT: '0' } });
    const doc = (await s.request('GET', '/api/openapi.json', { token: s.adminToken })).body as { paths: Record<string, Record<string, { 'x-aegis-permission'?: string }>> };
    // Every write, and every admin read: the routes a permission guards beyond `read`.
    guarded = Object.entries(doc.paths).flatMap(([p, ops]) =>
      Object.keys(ops)
        .filter((m) => m !== 'get' || /\/(audit|tokens)/.test(p))
        .map((m) => `${m.toUpperCase()} ${p.replaceAll('{id}', SOME_ID)}`),
    );
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('refuses an upper-case or trailing-slash variant of every guarded route (no route, 404), as Grafana would not have matched it', async () => {
    const grafana = await s.token('grafana', 'proxy-case');
    expect(guarded).toEqual(expect.arrayContaining([`POST /api/v1/remediations/${SOME_ID}/approve`, 'POST /api/v1/simulator/inject']));
    const wrong: string[] = [];
    for (const endpoint of guarded) {
      const [method = 'POST', p = '/'] = endpoint.split(' ');
      const segments = p.split('/');
      const variants = [
        // each non-id segment after /api/v1 upper-cased, one at a time, and the whole path upper-cased
        ...segments.map((seg, i) => (i > 2 && seg !== SOME_ID && /[a-z]/.test(seg) ? segments.map((x, j) => (j === i ? x.toUpperCase() : x)).join('/') : '')).filter(Boolean),
        `${p}/`,
      ];
      for (const v of variants) {
        const admin = /\/(audit|tokens)/i.test(v);
        const res = await s.request(method as 'POST', v, {
          token: admin ? s.adminToken : grafana,
          headers: admin ? {} : { 'x-grafana-user': 'mallory' },
          body: method === 'GET' ? undefined : {},
        });
        if (res?.status !== 404 || !/^no route for/.test(res.body?.error?.message ?? '')) wrong.push(`${method} ${v} → ${res?.status} ${String(JSON.stringify(res?.body)).slice(0, 100)}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('an Editor without the approve action cannot approve through the app by changing case: Grafana picks the Editor route, the backend finds no route', async () => {
    const rest = `aegis/api/v1/REMEDIATIONS/${SOME_ID}/approve`;
    const route = grafanaRoute(appRoutes, rest, 'POST');
    expect(route?.reqAction).toBeUndefined();
    expect(route?.reqRole).toBe('Editor');
    const grafana = await s.token('grafana', 'proxy-editor');
    const res = await s.request('POST', `/${rest.slice('aegis/'.length)}`, { token: grafana, headers: { 'x-grafana-user': 'editor' }, body: {} });
    expect(res.status).toBe(404);
    expect(res.body.error.message).toMatch(/^no route for/);
    // The exact path takes the approve route, which carries the RBAC action.
    expect(grafanaRoute(appRoutes, `aegis/api/v1/remediations/${SOME_ID}/approve`, 'POST')?.reqAction).toBe('aegis-app.remediations:approve');
  });

  it('the datasource has GET-only routes carrying its own read-only credential, so a Viewer querying it can change nothing', async () => {
    expect(dsRoutes.length).toBeGreaterThan(0);
    for (const r of dsRoutes) {
      expect(r.method, r.path).toBe('GET');
      expect(r.reqRole, r.path).toBe('Viewer');
    }
    for (const write of [`aegis/api/v1/remediations/${SOME_ID}/approve`, 'aegis/api/v1/simulator/inject', `aegis/api/v1/incidents/${SOME_ID}/resolve`, 'aegis/api/v1/iac/scan'])
      expect(grafanaRoute(dsRoutes, write, 'POST'), write).toBeUndefined();
    // Provisioning gives the datasource the viewer token, not the app's grafana token.
    const provisioned = readFileSync(path.join(ROOT, 'provisioning/datasources/aegis.yaml'), 'utf8');
    expect(/type: aegis-datasource[\s\S]*?apiToken: \$\{(\w+)\}/.exec(provisioned)?.[1]).toBe('AEGIS_VIEWER_TOKEN');
  });

  it('AEGIS_VIEWER_TOKEN provisions a viewer-role token: it reads and cannot write', async () => {
    const t = await startTestServer({ env: { ...NO_SIM, AEGIS_VIEWER_TOKEN: 'datasource-viewer-token-0123456789' } });
    try {
      expect((await t.request('GET', '/api/v1/incidents', { token: 'datasource-viewer-token-0123456789' })).status).toBe(200);
      const write = await t.request('POST', `/api/v1/remediations/${SOME_ID}/approve`, { token: 'datasource-viewer-token-0123456789', body: {} });
      expect(write.status).toBe(403);
    } finally {
      await t.stop();
    }
  });
});
