// The preview host: a Grafana-like page that loads the BUILT plugins (dist/module.js) with SystemJS/AMD and
// the shared libraries Grafana provides (react, @grafana/data, @grafana/ui, @grafana/runtime, …), emulates
// Grafana's plugin proxies with a short-lived token, and renders the app pages, the nested panels and the
// datasource's frames. window.grafanaBootData is set by index.html before this bundle runs.
import * as React from 'react';
import * as ReactDOM from 'react-dom';
import * as ReactDOMClient from 'react-dom/client';
import * as jsxRuntime from 'react/jsx-runtime';
import * as emotionCss from '@emotion/css';
import * as emotionReact from '@emotion/react';
import * as grafanaData from '@grafana/data';
import * as grafanaUI from '@grafana/ui';
import * as grafanaRuntime from '@grafana/runtime';
import { setPanelRenderer } from 'grafana-runtime-panel-renderer';
import { setPluginPage } from 'grafana-runtime-plugin-page';
import * as rxjs from 'rxjs';
import * as rxjsOperators from 'rxjs/operators';
// Grafana provides react-router-dom-v5-compat (the v6 API) as 'react-router'.
import * as reactRouterDom from 'react-router-dom-v5-compat';
import lodash from 'lodash';
import moment from 'moment';
import './systemjs-setup';
import { NodeGraphPreview } from './NodeGraphPreview';
import { TimeSeriesPreview } from './TimeSeriesPreview';
import { type PluginRoute, ProxyDenied, resolveProxy, type Session } from './proxy';

declare const System: {
  set(id: string, mod: unknown): void;
  addImportMap(map: { imports: Record<string, string> }): void;
  import(url: string): Promise<Record<string, unknown>>;
};

const { config } = grafanaRuntime;
const params = new URLSearchParams(window.location.search);
const persona = params.get('as') ?? 'editor';
const APP_ID = 'aegis-app';
const DS = { uid: 'aegis', id: 1, type: 'aegis-datasource', name: 'Aegis', url: '/api/datasources/proxy/uid/aegis' };
const PANELS = [
  { id: 'aegis-servicegraph-panel', dir: 'servicegraph', title: 'Service graph', w: 2, h: 420 },
  { id: 'aegis-approval-panel', dir: 'approval', title: 'Awaiting approval', w: 1, h: 420 },
  { id: 'aegis-incidents-panel', dir: 'incidents', title: 'Incidents', w: 2, h: 320, options: { status: '', limit: 20 } },
  { id: 'aegis-agents-panel', dir: 'agents', title: 'Agent activity', w: 1, h: 320 },
];

// ---- session: a short-lived token of the persona the viewer picked ----
let session: Session | undefined;
async function startSession(): Promise<Session> {
  const res = await fetch('/preview/session', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ persona }) });
  if (!res.ok) throw new Error(`preview session refused: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as Session;
}

// ---- Grafana's HTTP client over fetch, with the plugin proxies emulated ----
const appRoutes: PluginRoute[] = [];
const dsRoutes: PluginRoute[] = [];
const savedSettings: Record<string, unknown> = {};
type Req = grafanaRuntime.BackendSrvRequest;

function target(url: string, method: string): { url: string; headers: Record<string, string> } {
  if (!session) throw new ProxyDenied(401, 'no preview session');
  const app = /^\/api\/plugin-proxy\/([^/]+)\/(.*)$/.exec(url);
  if (app && app[1] === APP_ID) return resolveProxy(appRoutes, app[2] ?? '', method, session, '');
  const ds = /^\/api\/datasources\/proxy\/uid\/([^/]+)\/(.*)$/.exec(url);
  if (ds && ds[1] === DS.uid) return resolveProxy(dsRoutes, ds[2] ?? '', method, session, '');
  return { url, headers: {} };
}

async function doFetch<T>(o: Req): Promise<grafanaRuntime.FetchResponse<T>> {
  const method = (o.method ?? 'GET').toUpperCase();
  const qs = o.params ? `?${new URLSearchParams(Object.entries(o.params).map(([k, v]) => [k, String(v)])).toString()}` : '';
  const fail = (status: number, data: unknown) => {
    throw { status, statusText: String(status), data, config: o, isHandled: false };
  };
  if (o.url === `/api/plugins/${APP_ID}/settings` && method === 'POST') {
    Object.assign(savedSettings, o.data);
    return { data: { message: 'Plugin settings updated' } as T, status: 200, statusText: 'OK', ok: true, headers: new Headers(), url: o.url, type: 'basic', redirected: false, config: o };
  }
  let t: { url: string; headers: Record<string, string> };
  try {
    t = target(o.url, method);
  } catch (err) {
    if (err instanceof ProxyDenied) return fail(err.status, { message: err.message });
    throw err;
  }
  const headers: Record<string, string> = { ...(o.headers as Record<string, string> | undefined), ...t.headers };
  let body: string | undefined;
  if (o.data !== undefined) {
    body = typeof o.data === 'string' ? o.data : JSON.stringify(o.data);
    headers['Content-Type'] ??= 'application/json';
  }
  const r = await fetch(t.url + qs, { method, headers, body });
  const text = await r.text();
  let data: unknown = text;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON */
  }
  if (!r.ok) return fail(r.status, data);
  return { data: data as T, status: r.status, statusText: r.statusText, ok: true, headers: r.headers, url: r.url, type: r.type, redirected: r.redirected, config: o };
}

// socket.io's long-polling runs on XMLHttpRequest, outside BackendSrv: route it through the same proxy emulation.
const proxiedHeaders = new WeakMap<XMLHttpRequest, Record<string, string>>();
const nativeOpen = XMLHttpRequest.prototype.open;
const nativeSend = XMLHttpRequest.prototype.send;
XMLHttpRequest.prototype.open = function open(this: XMLHttpRequest, method: string, url: string | URL, ...rest: unknown[]) {
  const u = new URL(String(url), window.location.origin);
  let t: { url: string; headers: Record<string, string> } | undefined;
  try {
    if (u.origin === window.location.origin && u.pathname.startsWith('/api/')) t = target(u.pathname, method);
  } catch {
    t = undefined;
  }
  if (t && t.url !== u.pathname) proxiedHeaders.set(this, t.headers);
  const args = [method, t ? t.url + u.search : url, ...rest] as Parameters<typeof nativeOpen>;
  return nativeOpen.apply(this, args);
} as typeof XMLHttpRequest.prototype.open;
XMLHttpRequest.prototype.send = function send(this: XMLHttpRequest, body?: Document | XMLHttpRequestBodyInit | null) {
  for (const [k, v] of Object.entries(proxiedHeaders.get(this) ?? {})) this.setRequestHeader(k, v);
  return nativeSend.call(this, body);
};

const backendSrv = {
  fetch: <T,>(o: Req) => rxjs.from(doFetch<T>(o)),
  request: <T,>(o: Req) => doFetch<T>(o).then((r) => r.data),
  datasourceRequest: <T,>(o: Req) => doFetch<T>(o),
  get: <T,>(url: string, p?: Record<string, unknown>) => doFetch<T>({ url, params: p }).then((r) => r.data),
  post: <T,>(url: string, data?: unknown) => doFetch<T>({ url, method: 'POST', data }).then((r) => r.data),
  put: <T,>(url: string, data?: unknown) => doFetch<T>({ url, method: 'PUT', data }).then((r) => r.data),
  patch: <T,>(url: string, data?: unknown) => doFetch<T>({ url, method: 'PATCH', data }).then((r) => r.data),
  delete: <T,>(url: string, data?: unknown) => doFetch<T>({ url, method: 'DELETE', data }).then((r) => r.data),
  resolveCancelerIfExists: () => {},
};
grafanaRuntime.setBackendSrv(backendSrv as unknown as grafanaRuntime.BackendSrv);
grafanaRuntime.setTemplateSrv({
  getVariables: () => [],
  replace: (t?: string) => t ?? '',
  containsTemplate: () => false,
  updateTimeRange: () => {},
} as unknown as grafanaRuntime.TemplateSrv);
// Grafana's DataSourceSrv with the one Aegis datasource (created once the plugin is loaded).
let dataSource: grafanaData.DataSourceApi | undefined;
const dsSettings = { ...DS, access: 'proxy', readOnly: false, jsonData: { backendUrl: window.location.origin }, meta: { id: DS.type, name: 'Aegis' } };
grafanaRuntime.setDataSourceSrv({
  get: async () => {
    if (!dataSource) throw new Error('the Aegis datasource is not loaded yet');
    return dataSource;
  },
  getList: (f?: { pluginId?: string; type?: string | string[] }) =>
    !f?.pluginId || f.pluginId === DS.type ? [dsSettings as unknown as grafanaData.DataSourceInstanceSettings] : [],
  getInstanceSettings: () => dsSettings as unknown as grafanaData.DataSourceInstanceSettings,
  reload: () => {},
  registerRuntimeDataSource: () => {},
} as unknown as grafanaRuntime.DataSourceSrv);
const user = { ...config.bootData.user, permissions: {} as Record<string, boolean> };
grafanaRuntime.setCurrentUser(user as unknown as Parameters<typeof grafanaRuntime.setCurrentUser>[0]);

// ---- what Grafana core would render: Node Graph and the page chrome ----
export const panelRenderCalls: Array<{ pluginId: string; frames: grafanaData.DataFrameDTO[] }> = [];
function PanelRendererPreview(props: { pluginId: string; data?: grafanaData.PanelData; width: number; height: number; fieldConfig?: { defaults?: { min?: number; max?: number } } }) {
  const theme = grafanaUI.useTheme2();
  const frames = props.data?.series ?? [];
  React.useEffect(() => {
    panelRenderCalls.push({ pluginId: props.pluginId, frames: frames.map((f) => grafanaData.toDataFrameDTO(f)) });
  }, [props.pluginId, frames]);
  if (props.pluginId === 'nodeGraph') {
    return (
      <div data-testid="panel-renderer-nodeGraph">
        <NodeGraphPreview frames={frames} width={props.width} height={props.height} theme={theme} />
      </div>
    );
  }
  if (props.pluginId === 'timeseries') {
    return <TimeSeriesPreview data={props.data} width={props.width} height={props.height} theme={theme} fieldConfig={props.fieldConfig} />;
  }
  return <div data-testid={`panel-renderer-${props.pluginId}`}>{props.pluginId}</div>;
}
setPanelRenderer(PanelRendererPreview);

let pageTitle = '';
function PluginPagePreview(props: { children?: React.ReactNode; pageNav?: { text: string }; subTitle?: React.ReactNode; actions?: React.ReactNode }) {
  const styles = grafanaUI.useStyles2(getStyles);
  return (
    <div className={styles.page}>
      <div className={styles.pageHeader}>
        <h1 className={styles.h1}>{props.pageNav?.text ?? pageTitle}</h1>
        {props.actions}
      </div>
      {props.subTitle && <div className={styles.sub}>{props.subTitle}</div>}
      <div className={styles.pageBody}>{props.children}</div>
    </div>
  );
}
setPluginPage(PluginPagePreview);

// Register the shared modules only after the setters: System.set() copies the namespace object.
const shared: Record<string, unknown> = {
  react: React,
  'react-dom': ReactDOM,
  'react-dom/client': ReactDOMClient,
  'react/jsx-runtime': jsxRuntime,
  '@emotion/css': emotionCss,
  '@emotion/react': emotionReact,
  '@grafana/data': grafanaData,
  '@grafana/ui': grafanaUI,
  '@grafana/runtime': grafanaRuntime,
  rxjs,
  'rxjs/operators': rxjsOperators,
  'react-router': reactRouterDom,
  'react-router-dom-v5-compat': reactRouterDom,
  lodash,
  moment,
};
const imports: Record<string, string> = {};
for (const [name, mod] of Object.entries(shared)) {
  System.set(`package:${name}`, mod);
  imports[name] = `package:${name}`;
}
System.addImportMap({ imports });

// ---- plugins ----
interface Loaded {
  app: grafanaData.AppPlugin;
  appMeta: grafanaData.AppPluginMeta;
  ds: grafanaData.DataSourcePlugin<grafanaData.DataSourceApi>;
  panels: Record<string, grafanaData.PanelPlugin>;
}
async function loadPlugin<T>(url: string): Promise<T> {
  const mod = await System.import(url);
  if (!mod.plugin) throw new Error(`no 'plugin' export in ${url}`);
  return mod.plugin as T;
}
async function loadAll(): Promise<Loaded> {
  const [appJson, dsJson] = await Promise.all(
    [`/public/plugins/${APP_ID}/plugin.json`, `/public/plugins/${DS.type}/plugin.json`].map((u) => fetch(u).then((r) => r.json())),
  );
  appRoutes.push(...(appJson.routes ?? []));
  dsRoutes.push(...(dsJson.routes ?? []));
  const app = await loadPlugin<grafanaData.AppPlugin>(`/public/plugins/${APP_ID}/module.js`);
  const ds = await loadPlugin<grafanaData.DataSourcePlugin<grafanaData.DataSourceApi>>(`/public/plugins/${DS.type}/module.js`);
  const panels: Record<string, grafanaData.PanelPlugin> = {};
  for (const p of PANELS) panels[p.id] = await loadPlugin<grafanaData.PanelPlugin>(`/public/plugins/${APP_ID}/panels/${p.dir}/module.js`);
  const appMeta = {
    ...appJson,
    enabled: true,
    pinned: true,
    jsonData: { backendUrl: window.location.origin },
    secureJsonFields: { apiToken: true },
    baseUrl: `public/plugins/${APP_ID}`,
    module: `public/plugins/${APP_ID}/module.js`,
  } as grafanaData.AppPluginMeta;
  app.init(appMeta);
  return { app, appMeta, ds, panels };
}

function newDataSource(loaded: Loaded): grafanaData.DataSourceApi {
  const Ctor = loaded.ds.DataSourceClass as unknown as new (s: unknown) => grafanaData.DataSourceApi;
  return new Ctor(dsSettings);
}

async function queryDataSource(loaded: Loaded, targets: Array<Record<string, unknown>>, fromMs: number, toMs: number) {
  const ds = newDataSource(loaded);
  const range = { from: grafanaData.dateTime(fromMs), to: grafanaData.dateTime(toMs), raw: { from: 'now-6h', to: 'now' } };
  const req = { requestId: 'preview', interval: '1m', intervalMs: 60_000, range, scopedVars: {}, targets, timezone: 'browser', app: 'dashboard', startTime: fromMs };
  const out = ds.query(req as unknown as grafanaData.DataQueryRequest);
  const res = (typeof (out as rxjs.Observable<unknown>).subscribe === 'function' ? await rxjs.lastValueFrom(out as rxjs.Observable<grafanaData.DataQueryResponse>) : await out) as grafanaData.DataQueryResponse;
  return res.data.map((f: grafanaData.DataFrame) => grafanaData.toDataFrameDTO(f));
}

// ---- host UI ----
const NAV = [
  { path: `/a/${APP_ID}/incidents`, text: 'Incidents', icon: 'bell' },
  { path: `/a/${APP_ID}/service-graph`, text: 'Service graph', icon: 'sitemap' },
  { path: `/a/${APP_ID}/agents`, text: 'Agents', icon: 'brain' },
  { path: `/a/${APP_ID}/iac`, text: 'IaC findings', icon: 'file-alt' },
  { path: '/dashboard', text: 'Dashboard panels', icon: 'apps' },
  { path: '/datasource', text: 'Datasource', icon: 'database' },
  { path: `/plugins/${APP_ID}`, text: 'Configuration', icon: 'cog' },
] as const;

function UrlSync({ navRef }: { navRef: React.MutableRefObject<((to: string) => void) | undefined> }) {
  const location = reactRouterDom.useLocation();
  const navigate = reactRouterDom.useNavigate();
  navRef.current = navigate;
  React.useEffect(() => {
    const p = new URLSearchParams(window.location.search);
    p.set('path', location.pathname + location.search);
    window.history.replaceState(null, '', `${window.location.pathname}?${p.toString()}`);
    pageTitle = [...NAV].reverse().find((n) => location.pathname.startsWith(n.path))?.text ?? 'Aegis';
  }, [location]);
  return null;
}

function Shell({ loaded }: { loaded: Loaded }) {
  const styles = grafanaUI.useStyles2(getStyles);
  const navRef = React.useRef<(to: string) => void>(undefined);
  const initial = params.get('path') ?? `/a/${APP_ID}/incidents`;
  React.useEffect(() => {
    // Grafana's router intercepts in-app links; do the same so anchors never leave the page.
    const onClick = (e: MouseEvent) => {
      const a = (e.target as HTMLElement | null)?.closest?.('a');
      const href = a?.getAttribute('href');
      if (href && /^\/(a|plugins)\//.test(href) && navRef.current) {
        e.preventDefault();
        navRef.current(href);
      }
    };
    document.addEventListener('click', onClick);
    return () => document.removeEventListener('click', onClick);
  }, []);
  const AppRoot = loaded.app.root;
  const ConfigBody = loaded.app.configPages?.[0]?.body;
  return (
    <reactRouterDom.MemoryRouter initialEntries={[initial]}>
      <UrlSync navRef={navRef} />
      <div className={styles.shell}>
        <TopBar />
        <div className={styles.main}>
          <nav className={styles.nav} aria-label="Aegis">
            {NAV.map((n) => (
              <reactRouterDom.NavLink key={n.path} to={n.path} className={({ isActive }) => emotionCss.cx(styles.navItem, isActive && styles.navActive)}>
                <grafanaUI.Icon name={n.icon} /> {n.text}
              </reactRouterDom.NavLink>
            ))}
          </nav>
          <main className={styles.content}>
            <reactRouterDom.Routes>
              <reactRouterDom.Route
                path={`/a/${APP_ID}/*`}
                element={
                  <grafanaData.PluginContextProvider meta={loaded.appMeta}>
                    {AppRoot && <AppRoot meta={loaded.appMeta} basename={`/a/${APP_ID}`} path={`/a/${APP_ID}`} query={{}} onNavChanged={() => {}} />}
                  </grafanaData.PluginContextProvider>
                }
              />
              <reactRouterDom.Route path="/dashboard" element={<Dashboard loaded={loaded} />} />
              <reactRouterDom.Route path="/datasource" element={<DatasourceView loaded={loaded} />} />
              <reactRouterDom.Route
                path={`/plugins/${APP_ID}`}
                element={
                  <PluginPagePreview pageNav={{ text: 'Aegis configuration' }}>
                    {ConfigBody && <ConfigBody plugin={loaded.app} query={{}} />}
                  </PluginPagePreview>
                }
              />
            </reactRouterDom.Routes>
          </main>
        </div>
      </div>
    </reactRouterDom.MemoryRouter>
  );
}

function TopBar() {
  const styles = grafanaUI.useStyles2(getStyles);
  const s = session;
  const go = (key: string, value: string) => {
    const p = new URLSearchParams(window.location.search);
    p.set(key, value);
    window.location.search = p.toString();
  };
  return (
    <header className={styles.top}>
      <span className={styles.brand}>
        <grafanaUI.Icon name="shield" size="lg" /> Aegis preview
      </span>
      <span className={styles.note} data-testid="preview-session">
        {s
          ? `Demo mode: this page holds a short-lived token of role "${s.role}" acting as Grafana ${s.user.grafanaRole} "${s.user.login}"${s.user.permissions['aegis-app.remediations:approve'] ? ' (may approve)' : ' (may not approve)'}, valid until ${new Date(s.expires_at).toLocaleTimeString()}.`
          : 'No session'}
      </span>
      <grafanaUI.Stack gap={1} alignItems="center">
        <grafanaUI.RadioButtonGroup
          size="sm"
          value={persona}
          options={[
            { label: 'Editor', value: 'editor', description: 'Grafana Editor with aegis-app.remediations:approve' },
            { label: 'Viewer', value: 'viewer', description: 'Grafana Viewer: cannot approve' },
            { label: 'Read-only token', value: 'readonly', description: 'backend token of role viewer' },
          ]}
          onChange={(v) => go('as', v)}
        />
        <grafanaUI.Button size="sm" variant="secondary" icon="eye" onClick={() => go('theme', config.theme2.isDark ? 'light' : 'dark')}>
          {config.theme2.isDark ? 'Light' : 'Dark'}
        </grafanaUI.Button>
      </grafanaUI.Stack>
    </header>
  );
}

function Dashboard({ loaded }: { loaded: Loaded }) {
  const styles = grafanaUI.useStyles2(getStyles);
  const ref = React.useRef<HTMLDivElement>(null);
  const [width, setWidth] = React.useState(900);
  React.useEffect(() => {
    const el = ref.current;
    if (!el) return undefined;
    const o = new ResizeObserver(([e]) => e && setWidth(Math.floor(e.contentRect.width)));
    o.observe(el);
    return () => o.disconnect();
  }, []);
  const timeRange = React.useMemo(() => grafanaData.getDefaultTimeRange(), []);
  const gap = 16;
  return (
    <PluginPagePreview pageNav={{ text: 'Aegis overview (nested panels)' }} subTitle="The app's nested panel plugins as they render on any Grafana dashboard.">
      <div ref={ref} className={styles.grid}>
        {PANELS.map((p, i) => {
          const Panel = loaded.panels[p.id]?.panel;
          const w = Math.floor(((width - gap) * p.w) / 3) - (p.w === 1 ? 0 : 0);
          return (
            <grafanaUI.PanelChrome key={p.id} title={p.title} width={w} height={p.h}>
              {(innerWidth: number, innerHeight: number) =>
                Panel ? (
                  <Panel
                    id={i + 1}
                    data={{ state: grafanaData.LoadingState.Done, series: [], timeRange }}
                    timeRange={timeRange}
                    timeZone="browser"
                    options={p.options ?? {}}
                    fieldConfig={{ defaults: {}, overrides: [] }}
                    transparent={false}
                    width={innerWidth}
                    height={innerHeight}
                    renderCounter={0}
                    title={p.title}
                    eventBus={new grafanaData.EventBusSrv()}
                    onOptionsChange={() => {}}
                    onFieldConfigChange={() => {}}
                    replaceVariables={(s: string) => s}
                    onChangeTimeRange={() => {}}
                  />
                ) : null
              }
            </grafanaUI.PanelChrome>
          );
        })}
      </div>
    </PluginPagePreview>
  );
}

const SHOWN = 8;
/** Many series (one per service and metric): show the ones that peak highest. */
function topFrames(frames: grafanaData.DataFrameDTO[]): grafanaData.DataFrameDTO[] {
  const peak = (f: grafanaData.DataFrameDTO) => Math.max(0, ...((f.fields[1]?.values ?? []) as unknown[]).map((v) => (typeof v === 'number' ? v : 0)));
  return frames.length <= SHOWN ? frames : [...frames].sort((a, b) => peak(b) - peak(a)).slice(0, SHOWN);
}

const DS_QUERIES = [
  { refId: 'A', queryType: 'anomalyScores' },
  { refId: 'B', queryType: 'rca' },
  { refId: 'C', queryType: 'incidents' },
  { refId: 'D', queryType: 'serviceGraph' },
  { refId: 'E', queryType: 'iacFindings' },
];

function DatasourceView({ loaded }: { loaded: Loaded }) {
  const styles = grafanaUI.useStyles2(getStyles);
  const [results, setResults] = React.useState<Array<{ refId: string; queryType: string; frames?: grafanaData.DataFrameDTO[]; error?: string }>>([]);
  const [health, setHealth] = React.useState<{ status: string; message: string }>();
  React.useEffect(() => {
    const to = Date.now();
    const from = to - 6 * 3_600_000;
    void newDataSource(loaded)
      .testDatasource()
      .then((h: { status: string; message: string }) => setHealth(h));
    void Promise.all(
      DS_QUERIES.map((q) =>
        queryDataSource(loaded, [q], from, to).then(
          (frames) => ({ ...q, frames }),
          (err: unknown) => ({ ...q, error: err instanceof Error ? err.message : String(err) }),
        ),
      ),
    ).then(setResults);
  }, [loaded]);
  return (
    <PluginPagePreview pageNav={{ text: 'Aegis datasource' }} subTitle="The datasource plugin's query() for each query type over the last 6 hours, and its health check.">
      {health && (
        <grafanaUI.Alert severity={health.status === 'success' ? 'success' : 'error'} title="Save & test">
          {health.message}
        </grafanaUI.Alert>
      )}
      <div className={styles.dsGrid}>
        {results.map((r) => (
          <section key={r.refId} className={styles.card} data-testid={`ds-${r.queryType}`}>
            <h3 className={styles.h3}>{r.queryType}</h3>
            {r.error && <grafanaUI.Alert severity="warning" title="Query failed">{r.error}</grafanaUI.Alert>}
            {r.frames && r.frames.length > SHOWN && (
              <div className={styles.sub}>
                {r.frames.length} frames; the {SHOWN} with the highest values are shown
              </div>
            )}
            {topFrames(r.frames ?? []).map((f, i) => (
              <div key={i} className={styles.frame}>
                <strong>{f.name ?? `frame ${i}`}</strong> · {f.fields.length} fields · {f.fields[0]?.values?.length ?? 0} rows
                {r.queryType === 'anomalyScores' ? (
                  <Sparkline values={(f.fields[1]?.values ?? []) as number[]} />
                ) : (
                  <FrameRows frame={f} />
                )}
              </div>
            ))}
            {r.frames?.length === 0 && <span className={styles.sub}>no frames</span>}
          </section>
        ))}
      </div>
    </PluginPagePreview>
  );
}

const ROWS = 5;
/** The first rows of a frame with their values, as Grafana's table view shows them. */
function FrameRows({ frame }: { frame: grafanaData.DataFrameDTO }) {
  const styles = grafanaUI.useStyles2(getStyles);
  const fields = frame.fields.filter((f) => !f.name.startsWith('arc__')).slice(0, 6);
  const rows = Math.min(ROWS, fields[0]?.values?.length ?? 0);
  const show = (v: unknown, type?: string) =>
    v === null || v === undefined ? '–' : type === 'time' && typeof v === 'number' ? new Date(v).toLocaleTimeString() : typeof v === 'number' ? String(Math.round(v * 1000) / 1000) : String(v);
  return (
    <div className={styles.rowsWrap}>
      <table className={styles.rows} data-testid="ds-frame-rows">
        <thead>
          <tr>
            {fields.map((f) => (
              <th key={f.name}>{f.name}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {Array.from({ length: rows }, (_, i) => (
            <tr key={i}>
              {fields.map((f) => (
                <td key={f.name}>{show((f.values as unknown[] | undefined)?.[i], f.type)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {(fields[0]?.values?.length ?? 0) > rows && <div className={styles.sub}>first {rows} of {fields[0]?.values?.length} rows</div>}
    </div>
  );
}

function Sparkline({ values }: { values: number[] }) {
  const theme = grafanaUI.useTheme2();
  if (values.length < 2) return null;
  const pts = values.map((v, i) => `${(i / (values.length - 1)) * 300},${40 - Math.max(0, Math.min(1, v)) * 38}`).join(' ');
  return (
    <svg viewBox="0 0 300 42" width="100%" height={42} preserveAspectRatio="none" role="img" aria-label="anomaly score">
      <polyline points={pts} fill="none" stroke={theme.colors.primary.main} strokeWidth={1.5} />
    </svg>
  );
}

const getStyles = (theme: grafanaData.GrafanaTheme2) => ({
  shell: emotionCss.css({ minHeight: '100vh', display: 'flex', flexDirection: 'column', background: theme.colors.background.canvas, color: theme.colors.text.primary }),
  top: emotionCss.css({
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(2),
    padding: theme.spacing(1, 2),
    background: theme.colors.background.primary,
    borderBottom: `1px solid ${theme.colors.border.weak}`,
    flexWrap: 'wrap',
  }),
  brand: emotionCss.css({ fontWeight: theme.typography.fontWeightMedium, display: 'flex', gap: theme.spacing(1), alignItems: 'center' }),
  note: emotionCss.css({ flex: 1, minWidth: 240, color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
  main: emotionCss.css({ display: 'flex', flex: 1, minWidth: 0 }),
  nav: emotionCss.css({
    width: 200,
    flexShrink: 0,
    padding: theme.spacing(2, 1),
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(0.5),
    background: theme.colors.background.primary,
    borderRight: `1px solid ${theme.colors.border.weak}`,
  }),
  navItem: emotionCss.css({
    display: 'flex',
    gap: theme.spacing(1),
    alignItems: 'center',
    padding: theme.spacing(0.75, 1),
    borderRadius: theme.shape.radius.default,
    color: theme.colors.text.secondary,
    '&:hover': { background: theme.colors.action.hover, color: theme.colors.text.primary },
  }),
  navActive: emotionCss.css({ background: theme.colors.action.selected, color: theme.colors.text.primary }),
  content: emotionCss.css({ flex: 1, minWidth: 0, padding: theme.spacing(2, 3) }),
  page: emotionCss.css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(1), minWidth: 0 }),
  pageHeader: emotionCss.css({ display: 'flex', justifyContent: 'space-between', alignItems: 'center' }),
  h1: emotionCss.css({ margin: 0, fontSize: theme.typography.h2.fontSize }),
  h3: emotionCss.css({ margin: 0, fontSize: theme.typography.h5.fontSize }),
  sub: emotionCss.css({ color: theme.colors.text.secondary }),
  pageBody: emotionCss.css({ minWidth: 0, marginTop: theme.spacing(1) }),
  grid: emotionCss.css({ display: 'flex', flexWrap: 'wrap', gap: 16 }),
  dsGrid: emotionCss.css({ display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(320px, 1fr))', gap: theme.spacing(2), marginTop: theme.spacing(2) }),
  card: emotionCss.css({ padding: theme.spacing(2), background: theme.colors.background.primary, border: `1px solid ${theme.colors.border.weak}`, borderRadius: theme.shape.radius.default, minWidth: 0 }),
  frame: emotionCss.css({ marginTop: theme.spacing(1), fontSize: theme.typography.bodySmall.fontSize }),
  fields: emotionCss.css({ color: theme.colors.text.secondary, wordBreak: 'break-word' }),
  rowsWrap: emotionCss.css({ overflowX: 'auto', marginTop: theme.spacing(0.5) }),
  rows: emotionCss.css({
    borderCollapse: 'collapse',
    fontSize: theme.typography.bodySmall.fontSize,
    'th, td': { textAlign: 'left', padding: theme.spacing(0.25, 1), borderBottom: `1px solid ${theme.colors.border.weak}`, whiteSpace: 'nowrap', maxWidth: 180, overflow: 'hidden', textOverflow: 'ellipsis' },
    th: { color: theme.colors.text.secondary, fontWeight: theme.typography.fontWeightMedium },
  }),
});

// ---- boot ----
// Grafana's Inter and Roboto Mono files are not on npm. Faces defined after GlobalStyles' win the match and
// point at local fonts, so the browser never fetches (and fails to decode) the missing files.
const LATIN = 'U+0000-00FF, U+0131, U+0152-0153, U+02BB-02BC, U+02C6, U+02DA, U+02DC, U+2000-206F, U+2074, U+20AC, U+2122, U+2191, U+2193, U+2212, U+2215, U+FEFF, U+FFFD';
const LOCAL_SOURCES: Record<string, string> = {
  Inter: "local('Inter'), local('Helvetica Neue'), local('Helvetica'), local('Arial'), local('DejaVu Sans')",
  'Roboto Mono': "local('Roboto Mono'), local('DejaVu Sans Mono'), local('Liberation Mono'), local('Courier New')",
};
// The same descriptors as @grafana/ui's GlobalStyles faces (family, style, weight, unicode-range), so each
// of ours replaces one of theirs in the browser's font matching.
const LOCAL_FONTS = [
  ...['normal', 'italic'].flatMap((style) => [400, 500].map((weight) => ({ family: 'Inter', style, weight, range: '' }))),
  ...[400, 500].map((weight) => ({ family: 'Roboto Mono', style: 'normal', weight, range: LATIN })),
]
  .map(
    (f) =>
      `@font-face { font-family: '${f.family}'; font-style: ${f.style}; font-weight: ${f.weight}; font-display: swap; src: ${LOCAL_SOURCES[f.family]};${f.range ? ` unicode-range: ${f.range};` : ''} }`,
  )
  .join('\n');
function LocalFonts() {
  React.useInsertionEffect(() => {
    const style = document.createElement('style');
    style.dataset.previewFonts = 'local';
    style.textContent = LOCAL_FONTS;
    document.head.appendChild(style);
    return () => style.remove();
  }, []);
  return null;
}
const Wrap = ({ children }: { children: React.ReactNode }) => (
  <grafanaUI.ThemeContext.Provider value={config.theme2}>
    <grafanaUI.GlobalStyles />
    <LocalFonts />
    {children}
  </grafanaUI.ThemeContext.Provider>
);

async function boot() {
  const root = ReactDOMClient.createRoot(document.getElementById('root') as HTMLElement);
  try {
    session = await startSession();
    user.permissions = session.user.permissions;
    Object.assign(config.bootData.user, { login: session.user.login, orgRole: session.user.grafanaRole, permissions: session.user.permissions });
    const loaded = await loadAll();
    dataSource = newDataSource(loaded);
    (window as unknown as { preview: unknown }).preview = {
      loaded,
      session,
      panelRenderCalls,
      theme: { canvas: config.theme2.colors.background.canvas, text: config.theme2.colors.text.primary, isDark: config.theme2.isDark },
      queryDataSource: (targets: Array<Record<string, unknown>>, fromMs: number, toMs: number) => queryDataSource(loaded, targets, fromMs, toMs),
      testDatasource: () => newDataSource(loaded).testDatasource(),
    };
    root.render(
      <Wrap>
        <Shell loaded={loaded} />
      </Wrap>,
    );
  } catch (err) {
    root.render(
      <Wrap>
        <grafanaUI.Alert severity="error" title="The preview could not start">
          {err instanceof Error ? err.message : String(err)}
        </grafanaUI.Alert>
      </Wrap>,
    );
  }
}
void boot();
