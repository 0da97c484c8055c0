// Emulates Grafana's plugin proxies for the preview: an app route (`/api/plugin-proxy/<app>/<route>/…`) or
// datasource route (`/api/datasources/proxy/uid/<uid>/<route>/…`) is matched against the plugin.json
// `routes` as Grafana does (most specific first, method, reqAction), the token is added as the route's
// Authorization header would, and the user's login is sent as X-Grafana-User (send_user_header).

export interface PluginRoute {
  path: string;
  method?: string;
  reqAction?: string;
  reqRole?: string;
  url: string;
}

export interface Session {
  token: string;
  role: string;
  persona: string;
  user: { login: string; grafanaRole: string; permissions: Record<string, boolean> };
  expires_at: string;
}

export interface ProxyTarget {
  url: string;
  headers: Record<string, string>;
}

export class ProxyDenied extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Picks the route Grafana would use: longest matching path prefix whose method fits. */
export function matchRoute(routes: PluginRoute[], rest: string, method: string): PluginRoute | undefined {
  return routes
    .filter((r) => (rest === r.path || rest.startsWith(`${r.path}/`)) && (!r.method || r.method.toUpperCase() === method.toUpperCase()))
    .sort((a, b) => b.path.length - a.path.length)[0];
}

const ROLE_RANK: Record<string, number> = { Viewer: 1, Editor: 2, Admin: 3 };

/** Where a proxied request goes, with which headers; throws ProxyDenied as Grafana's proxy would answer. */
export function resolveProxy(routes: PluginRoute[], rest: string, method: string, session: Session, backendUrl: string): ProxyTarget {
  const route = matchRoute(routes, rest, method);
  if (!route) throw new ProxyDenied(404, `no plugin route matches ${method} ${rest}`);
  if (route.reqAction && !session.user.permissions[route.reqAction]) {
    throw new ProxyDenied(403, `Permission denied: you need ${route.reqAction}`);
  }
  if (route.reqRole && (ROLE_RANK[session.user.grafanaRole] ?? 0) < (ROLE_RANK[route.reqRole] ?? 0)) {
    throw new ProxyDenied(403, `Permission denied: you need the ${route.reqRole} role`);
  }
  const base = route.url.replace('{{ .JsonData.backendUrl }}', backendUrl);
  const headers: Record<string, string> = { Authorization: `Bearer ${session.token}` };
  if (session.role === 'grafana') headers['X-Grafana-User'] = session.user.login;
  return { url: base + rest.slice(route.path.length), headers };
}
