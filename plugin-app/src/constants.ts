import pluginJson from './plugin.json';

export const PLUGIN_ID = pluginJson.id;
export const PLUGIN_BASE_URL = `/a/${PLUGIN_ID}`;
/** Every backend call goes through the app's plugin proxy route `aegis` (plugin.json `routes`). */
export const PROXY_BASE = `/api/plugin-proxy/${PLUGIN_ID}/aegis`;
/** Grafana RBAC action that guards the approve/reject proxy routes (granted to Editor by default). */
export const APPROVE_ACTION = 'aegis-app.remediations:approve';
/** Live updates poll through the proxy at this period (WebSocket through Grafana's proxy is not guaranteed). */
export const POLL_MS = 4000;

export enum ROUTES {
  Incidents = 'incidents',
  ServiceGraph = 'service-graph',
  Agents = 'agents',
  Iac = 'iac',
}

export function prefixRoute(route: string): string {
  return `${PLUGIN_BASE_URL}/${route}`;
}
