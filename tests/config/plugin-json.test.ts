// plugin.json checks (offline stand-in for Grafana's plugin validator, which downloads a binary):
// ids, includes, routes, roles and dependency ranges.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';
import { pluginJsons, ROOT } from './plugins.js';

const ID = /^[0-9a-z]+-([0-9a-z]+-)?(app|panel|datasource)$/;
const app = pluginJsons('plugin-app');
const ds = pluginJsons('plugin-datasource');
const root = app.find((p) => p.dir === '')?.json;
const nested = app.filter((p) => p.dir !== '');

describe('plugin.json', () => {
  it('has the fixed ids, each valid and matching its type', () => {
    expect(root?.id).toBe('aegis-app');
    expect(ds.map((p) => p.json.id)).toEqual(['aegis-datasource']);
    expect(nested.map((p) => p.json.id).sort()).toEqual(['aegis-agents-panel', 'aegis-approval-panel', 'aegis-incidents-panel', 'aegis-servicegraph-panel']);
    for (const { json } of [...app, ...ds]) {
      expect(json.id).toMatch(ID);
      expect(json.id.endsWith(`-${json.type}`)).toBe(true);
      expect(json.name.length).toBeGreaterThan(0);
    }
  });

  it('every nested plugin has a module and the app includes it by name', () => {
    for (const { dir, json } of nested) {
      expect(existsSync(path.join(ROOT, 'plugin-app/src', dir, 'module.tsx')), dir).toBe(true);
      expect(root?.includes?.some((i) => i.type === json.type && i.name === json.name), json.id).toBe(true);
    }
  });

  it('includes point at real pages and files', () => {
    const routesSrc = readFileSync(path.join(ROOT, 'plugin-app/src/constants.ts'), 'utf8');
    for (const inc of root?.includes ?? []) {
      if (inc.type === 'page' && inc.path?.startsWith('/a/%PLUGIN_ID%/')) {
        expect(routesSrc, inc.path).toContain(`'${inc.path.slice('/a/%PLUGIN_ID%/'.length)}'`);
      }
      if (inc.type === 'dashboard') expect(existsSync(path.join(ROOT, 'plugin-app/src', inc.path ?? '')), inc.path).toBe(true);
    }
  });

  it('routes: approve/reject need the RBAC action, other writes Editor, reads and live events Viewer; specific routes first', () => {
    const routes = root?.routes ?? [];
    const approve = routes.findIndex((r) => r.reqAction === 'aegis-app.remediations:approve');
    const live = routes.findIndex((r) => r.path === 'aegis/socket.io');
    const reads = routes.findIndex((r) => r.path === 'aegis' && r.method === 'GET');
    const writes = routes.findIndex((r) => r.path === 'aegis' && r.method === 'POST');
    expect(Math.min(approve, live, reads, writes)).toBeGreaterThanOrEqual(0);
    expect(routes[approve]).toMatchObject({ path: 'aegis/api/v1/remediations', method: 'POST' });
    expect(approve).toBeLessThan(Math.min(reads, writes));
    expect(live).toBeLessThan(Math.min(reads, writes));
    expect(routes[live]?.reqRole).toBe('Viewer');
    expect(routes[reads]?.reqRole).toBe('Viewer');
    expect(routes[writes]?.reqRole).toBe('Editor');
    // No route lets a request through without a role or action check.
    for (const r of routes) expect(Boolean(r.reqRole || r.reqAction), r.path).toBe(true);
    for (const r of [...routes, ...(ds[0]?.json.routes ?? [])]) {
      expect(r.url.startsWith('{{ .JsonData.backendUrl }}')).toBe(true);
      expect(r.headers).toContainEqual({ name: 'Authorization', content: 'Bearer {{ .SecureJsonData.apiToken }}' });
    }
  });

  it('declares the approve action in a role granted to Editor, prefixed with the plugin id', () => {
    const actions = (root?.roles ?? []).flatMap((r) => r.role.permissions.map((p) => ({ action: p.action, grants: r.grants })));
    expect(actions).toContainEqual({ action: 'aegis-app.remediations:approve', grants: ['Editor'] });
    for (const a of actions) expect(a.action.startsWith(`${root?.id}.`)).toBe(true);
  });

  it('declares the alert extension links the module registers', () => {
    const targets = root?.extensions?.addedLinks?.flatMap((l) => l.targets) ?? [];
    expect(targets.sort()).toEqual(['grafana/alerting/alertingrule/action', 'grafana/alerting/instance/action']);
    const module = readFileSync(path.join(ROOT, 'plugin-app/src/module.tsx'), 'utf8');
    for (const title of root?.extensions?.addedLinks?.map((l) => l.title) ?? []) expect(module).toContain(`title: '${title}'`);
  });

  it('dependency ranges are valid semver ranges satisfied by the @grafana packages built against', () => {
    const built = JSON.parse(readFileSync(path.join(ROOT, 'node_modules/@grafana/data/package.json'), 'utf8')).version as string;
    for (const { json } of [...app, ...ds]) {
      expect(semver.validRange(json.dependencies.grafanaDependency), json.id).not.toBeNull();
      expect(semver.satisfies(built, json.dependencies.grafanaDependency), `${json.id} vs @grafana/data ${built}`).toBe(true);
      expect(json.dependencies.plugins).toEqual([]);
    }
  });

  it('the datasource declares what it implements and no alerting (frontend-only)', () => {
    const d = ds[0]?.json;
    expect(d).toMatchObject({ metrics: true, annotations: true, backend: false, alerting: false });
  });
});
