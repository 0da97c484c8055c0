// docker-compose.yml and provisioning/ agree with each other and with the plugins: ids, ports, paths,
// uids, receivers and the env variables provisioning interpolates. (Checked without a live Grafana.)
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { allPluginIds, ROOT } from './plugins.js';

const read = (f: string) => parse(readFileSync(path.join(ROOT, f), 'utf8'), { merge: true });
const compose = read('docker-compose.yml');
const app = read('provisioning/plugins/aegis-app.yaml');
const datasources = read('provisioning/datasources/aegis.yaml');
const dashboards = read('provisioning/dashboards/aegis.yaml');
const alerting = read('provisioning/alerting/aegis.yaml');
const prometheus = read('provisioning/prometheus/prometheus.yml');
const grafana = compose.services.grafana;
const backend = compose.services['aegis-backend'];
const BACKEND = 'http://aegis-backend:8000';

/** Bind mounts as {source, target}, sources resolved against the repo root. */
const mounts = (svc: { volumes?: string[] }) =>
  (svc.volumes ?? []).filter((v) => v.startsWith('./')).map((v) => {
    const [source = '', target = ''] = v.split(':');
    return { source: path.resolve(ROOT, source), target };
  });
/** Maps a path inside the Grafana container back to the repo, through its mounts. */
const onHost = (containerPath: string) => {
  const m = mounts(grafana).find((x) => containerPath === x.target || containerPath.startsWith(`${x.target}/`));
  return m ? path.join(m.source, containerPath.slice(m.target.length)) : undefined;
};
const envRefs = (text: string) => [...text.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]);

describe('docker-compose.yml and provisioning/', () => {
  it('Grafana mounts both plugin dist folders and the provisioning folder', () => {
    const m = mounts(grafana);
    expect(m).toContainEqual({ source: path.join(ROOT, 'plugin-app/dist'), target: '/var/lib/grafana/plugins/aegis-app' });
    expect(m).toContainEqual({ source: path.join(ROOT, 'plugin-datasource/dist'), target: '/var/lib/grafana/plugins/aegis-datasource' });
    expect(m).toContainEqual({ source: path.join(ROOT, 'provisioning'), target: '/etc/grafana/provisioning' });
  });

  it('allows unsigned loading for exactly the plugin ids the repo defines', () => {
    const allowed = String(grafana.environment.GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS).split(',').sort();
    expect(allowed).toEqual(allPluginIds());
    expect(grafana.environment.GF_DATAPROXY_SEND_USER_HEADER).toBe('true');
  });

  it('runs the backend on port 8000 in demo mode on PostgreSQL, with Prometheus scraping it', () => {
    expect(backend.environment.AEGIS_PORT).toBe('8000');
    // Published on loopback only: the demo tokens in this file must not face the network.
    expect(backend.ports).toContain('127.0.0.1:8000:8000');
    expect(backend.environment.AEGIS_SIMULATOR).toBe('true');
    expect(backend.environment.AEGIS_DATABASE_URL).toMatch(/@postgres:5432\//);
    expect(compose.services.postgres.image).toMatch(/^postgres:15/);
    expect(backend.build.dockerfile).toBe('deploy/Dockerfile');
    expect(existsSync(path.join(ROOT, backend.build.context, backend.build.dockerfile))).toBe(true);
    expect(prometheus.scrape_configs[0].static_configs[0].targets).toEqual(['aegis-backend:8000']);
    expect(prometheus.scrape_configs[0].authorization.credentials_file).toBe('/tmp/aegis-token');
    expect(compose.services.prometheus.entrypoint.join(' ')).toContain('/tmp/aegis-token');
    const promMount = compose.services.prometheus.volumes[0].split(':');
    expect(existsSync(path.join(ROOT, promMount[0]))).toBe(true);
  });

  it('the app and the Aegis datasource point at the backend service with a token from the environment', () => {
    const a = app.apps[0];
    expect(a.type).toBe('aegis-app');
    expect(a.jsonData.backendUrl).toBe(BACKEND);
    expect(a.secureJsonData.apiToken).toBe('${AEGIS_GRAFANA_TOKEN}');
    const aegis = datasources.datasources.find((d: { type: string }) => d.type === 'aegis-datasource');
    expect(aegis.jsonData.backendUrl).toBe(BACKEND);
    expect(aegis.uid).toBe('aegis');
    // The datasource's own read-only credential: anyone who may query it uses it.
    expect(aegis.secureJsonData.apiToken).toBe('${AEGIS_VIEWER_TOKEN}');
    const prom = datasources.datasources.find((d: { type: string }) => d.type === 'prometheus');
    expect(prom.uid).toBe('prometheus');
    expect(prom.url).toBe(`http://prometheus:${compose.services.prometheus.ports[0].split(':').at(-1)}`);
  });

  it('every ${VAR} provisioning interpolates is in the Grafana container environment, and the backend shares the secrets', () => {
    const files = ['plugins/aegis-app.yaml', 'datasources/aegis.yaml', 'alerting/aegis.yaml', 'dashboards/aegis.yaml'];
    const refs = new Set(files.flatMap((f) => envRefs(readFileSync(path.join(ROOT, 'provisioning', f), 'utf8'))));
    expect(refs.size).toBeGreaterThan(0);
    for (const v of refs) expect(Object.keys(grafana.environment), v).toContain(v);
    for (const v of ['AEGIS_GRAFANA_TOKEN', 'AEGIS_VIEWER_TOKEN', 'AEGIS_INGEST_TOKEN', 'AEGIS_GRAFANA_WEBHOOK_SECRET']) {
      expect(backend.environment[v]).toBe(grafana.environment[v]);
    }
  });

  it('the dashboard provider reads the app dashboard from the mounted plugin, using only known panels and datasources', () => {
    const dir = onHost(dashboards.providers[0].options.path);
    expect(dir).toBe(path.join(ROOT, 'plugin-app/dist/dashboards'));
    const src = path.join(ROOT, 'plugin-app/src/dashboards');
    const files = readdirSync(src).filter((f) => f.endsWith('.json'));
    expect(files).toEqual(['overview.json']);
    const dash = JSON.parse(readFileSync(path.join(src, 'overview.json'), 'utf8'));
    expect(dash.title).toBe('Aegis overview');
    const uids = new Set(datasources.datasources.map((d: { uid: string }) => d.uid));
    const builtins = new Set(['timeseries', 'table', 'stat', 'nodeGraph']);
    const types: string[] = dash.panels.map((p: { type: string }) => p.type);
    for (const t of types) expect(builtins.has(t) || allPluginIds().includes(t), t).toBe(true);
    for (const id of ['aegis-servicegraph-panel', 'aegis-incidents-panel', 'aegis-agents-panel', 'aegis-approval-panel']) expect(types).toContain(id);
    for (const p of dash.panels) if (p.datasource) expect(uids.has(p.datasource.uid), p.title).toBe(true);
  });

  it('alerting: a signed webhook to the backend, the policy routes to it, the example rule queries Prometheus', () => {
    const cp = alerting.contactPoints[0];
    const recv = cp.receivers[0];
    expect(recv.type).toBe('webhook');
    expect(recv.settings.url).toBe(`${BACKEND}/api/v1/webhooks/grafana`);
    expect(recv.settings.hmacConfig.secret).toBe('${AEGIS_GRAFANA_WEBHOOK_SECRET}');
    expect(recv.settings.authorization_credentials).toBe('${AEGIS_INGEST_TOKEN}');
    expect(alerting.policies[0].receiver).toBe(cp.name);
    const rule = alerting.groups[0].rules[0];
    expect(rule.notification_settings.receiver).toBe(cp.name);
    expect(rule.data[0].datasourceUid).toBe('prometheus');
    expect(rule.data[0].model.expr).toContain('aegis_anomaly_score');
    const metricsSrc = readFileSync(path.join(ROOT, 'backend/src/detect/metrics.ts'), 'utf8');
    expect(metricsSrc).toContain("name: 'aegis_anomaly_score'");
  });
});
