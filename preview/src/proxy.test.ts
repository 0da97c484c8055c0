import { describe, expect, it } from 'vitest';
import appPlugin from '../../plugin-app/src/plugin.json';
import { ProxyDenied, resolveProxy, type PluginRoute, type Session } from './proxy';

const routes = appPlugin.routes as PluginRoute[];
const session = (grafanaRole: string, permissions: Record<string, boolean> = {}, role = 'grafana'): Session => ({
  token: 'tok',
  role,
  persona: 'x',
  user: { login: 'alice', grafanaRole, permissions },
  expires_at: '',
});
const editor = session('Editor', { 'aegis-app.remediations:approve': true });

describe('preview proxy emulation over the app plugin.json routes', () => {
  it('forwards reads with the route token and the Grafana login', () => {
    expect(resolveProxy(routes, 'aegis/api/v1/incidents', 'GET', session('Viewer'), 'http://b:8000')).toEqual({
      url: 'http://b:8000/api/v1/incidents',
      headers: { Authorization: 'Bearer tok', 'X-Grafana-User': 'alice' },
    });
  });

  it('requires the approve action for approve/reject, whatever the Grafana role', () => {
    expect(() => resolveProxy(routes, 'aegis/api/v1/remediations/r1/approve', 'POST', session('Admin'), '')).toThrow(ProxyDenied);
    expect(resolveProxy(routes, 'aegis/api/v1/remediations/r1/approve', 'POST', editor, '').url).toBe('/api/v1/remediations/r1/approve');
  });

  it('requires Editor for other writes, and lets Viewers reach the live events', () => {
    expect(() => resolveProxy(routes, 'aegis/api/v1/incidents/i1/acknowledge', 'POST', session('Viewer'), '')).toThrow(/Editor/);
    expect(resolveProxy(routes, 'aegis/api/v1/incidents/i1/acknowledge', 'POST', editor, '').url).toBe('/api/v1/incidents/i1/acknowledge');
    expect(resolveProxy(routes, 'aegis/socket.io/', 'POST', session('Viewer'), '').url).toBe('/socket.io/');
  });

  it('sends no user header with a plain viewer token (the backend refuses it from non-grafana tokens)', () => {
    expect(resolveProxy(routes, 'aegis/healthz', 'GET', session('Viewer', {}, 'viewer'), '').headers).toEqual({ Authorization: 'Bearer tok' });
  });
});
