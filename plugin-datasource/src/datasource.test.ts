import { dateTime, type DataQueryRequest, type DataSourceInstanceSettings } from '@grafana/data';
import { type BackendSrv, type BackendSrvRequest, setBackendSrv, setTemplateSrv, type TemplateSrv } from '@grafana/runtime';
import { of, throwError } from 'rxjs';
import { beforeEach, describe, expect, it } from 'vitest';
import { DataSource } from './datasource';
import type { AegisOptions, AegisQuery } from './types';

type Handler = (req: BackendSrvRequest) => { status: number; data: unknown };
let handler: Handler;
const seen: BackendSrvRequest[] = [];

setBackendSrv({
  fetch: (req: BackendSrvRequest) => {
    seen.push(req);
    const res = handler(req);
    return res.status < 400 ? of({ ...res, ok: true, config: req }) : throwError(() => ({ ...res, statusText: 'err', config: req }));
  },
} as unknown as BackendSrv);
setTemplateSrv({ replace: (v?: string) => (v === '$service' ? 'cartservice' : (v ?? '')) } as unknown as TemplateSrv);

const ds = new DataSource({
  url: '/api/datasources/proxy/uid/aegis',
  jsonData: { backendUrl: 'http://aegis-backend:8000' },
} as DataSourceInstanceSettings<AegisOptions>);
const request = (targets: AegisQuery[]) =>
  ({ targets, range: { from: dateTime(1_700_000_000_000), to: dateTime(1_700_003_600_000) }, intervalMs: 60_000, scopedVars: {} }) as unknown as DataQueryRequest<AegisQuery>;

const graph = {
  nodes: [
    { id: 'frontend', title: 'frontend', subTitle: 'boutique', mainStat: '10 req/s', secondaryStat: '1% err', health: 'healthy', criticality: 0.9, rootCause: 0.05 },
    { id: 'cart', title: 'cartservice', subTitle: 'boutique', mainStat: '4 req/s', secondaryStat: '20% err', health: 'failing', criticality: 0.4, rootCause: 0.8 },
  ],
  edges: [{ id: 'frontend-cart', source: 'frontend', target: 'cart', mainStat: '4 req/s', secondaryStat: '' }],
};

describe('Aegis datasource query()', () => {
  beforeEach(() => {
    seen.length = 0;
  });

  it('turns anomaly score series into time series frames, through the proxy route, with variables resolved', async () => {
    handler = () => ({ status: 200, data: { series: [{ service: 'cartservice', metric: 'memory', points: [[1_700_000_000_000, 0.1], [1_700_000_060_000, 0.93]] }] } });
    const res = await ds.query(request([{ refId: 'A', queryType: 'anomalyScores', service: '$service' }]));
    expect(seen[0]?.url).toBe('/api/datasources/proxy/uid/aegis/aegis/api/v1/anomalies/scores');
    expect(seen[0]?.params).toMatchObject({ service: 'cartservice', from: '1700000000000', to: '1700003600000', step: '60000ms' });
    const frame = res.data[0];
    expect(frame.refId).toBe('A');
    expect(frame.fields.map((f: { name: string; type: string }) => [f.name, f.type])).toEqual([['Time', 'time'], ['score', 'number']]);
    expect(frame.fields[1].values).toEqual([0.1, 0.93]);
    expect(frame.fields[1].labels).toEqual({ service: 'cartservice', metric: 'memory' });
  });

  it('builds Node Graph nodes and edges frames with the required fields and the root cause highlighted', async () => {
    handler = () => ({ status: 200, data: graph });
    const [nodes, edges] = (await ds.query(request([{ refId: 'G', queryType: 'serviceGraph' }]))).data;
    expect(nodes.name).toBe('nodes');
    expect(edges.name).toBe('edges');
    expect(nodes.meta.preferredVisualisationType).toBe('nodeGraph');
    const field = (f: { fields: Array<{ name: string; values: unknown[] }> }, n: string) => f.fields.find((x) => x.name === n)?.values;
    expect(field(nodes, 'id')).toEqual(['frontend', 'cart']);
    expect(field(nodes, 'highlighted')).toEqual([false, true]);
    expect(field(nodes, 'arc__failing')).toEqual([0, 1]);
    expect(field(nodes, 'arc__healthy')).toEqual([1, 0]);
    expect(field(edges, 'source')).toEqual(['frontend']);
    expect(field(edges, 'target')).toEqual(['cart']);
  });

  it('returns incidents as a table that also carries the annotation fields', async () => {
    handler = () => ({
      status: 200,
      data: { items: [{ id: 'i1', title: 'Memory leak', description: 'grows', severity: 'high', status: 'open', services: ['cartservice'], started_at: '2023-11-14T22:13:20Z', resolved_at: null }], next: null },
    });
    const [frame] = (await ds.query(request([{ refId: 'I', queryType: 'incidents' }]))).data;
    const names = frame.fields.map((f: { name: string }) => f.name);
    expect(names).toEqual(expect.arrayContaining(['time', 'timeEnd', 'title', 'text', 'tags']));
    expect(frame.fields[0].values).toEqual([Date.parse('2023-11-14T22:13:20Z')]);
  });

  it('ranks the latest incident when no incident id is given', async () => {
    handler = (req) =>
      req.url.endsWith('/incidents')
        ? { status: 200, data: { items: [{ id: 'i9' }], next: null } }
        : { status: 200, data: { incident_id: 'i9', analysed_at: 'x', warnings: [], ranking: [{ service: 'cartservice', score: 3, probability: 0.7, evidence: [{ kind: 'anomaly', summary: 'memory up' }], explanation: 'most likely' }] } };
    const [frame] = (await ds.query(request([{ refId: 'R', queryType: 'rca' }]))).data;
    expect(seen.map((r) => r.url.replace('/api/datasources/proxy/uid/aegis/aegis', ''))).toEqual(['/api/v1/incidents', '/api/v1/incidents/i9/rca']);
    expect(frame.fields.find((f: { name: string }) => f.name === 'evidence').values).toEqual(['anomaly: memory up']);
  });

  it('template variables list services and namespaces', async () => {
    handler = (req) => ({ status: 200, data: { items: req.url.endsWith('/namespaces') ? [{ name: 'boutique' }] : [{ name: 'cartservice' }, { name: 'frontend' }] } });
    expect(await ds.metricFindQuery({ kind: 'services' })).toEqual([{ text: 'cartservice', value: 'cartservice' }, { text: 'frontend', value: 'frontend' }]);
    expect(await ds.metricFindQuery('namespaces')).toEqual([{ text: 'boutique', value: 'boutique' }]);
  });
});

describe('Aegis datasource health check', () => {
  it('says the backend is unreachable, with the backend URL', async () => {
    handler = () => ({ status: 502, data: { message: 'connection refused' } });
    const r = await ds.testDatasource();
    expect(r.status).toBe('error');
    expect(r.message).toContain('Cannot reach the Aegis backend at http://aegis-backend:8000');
    expect(r.message).toContain('connection refused');
  });

  it('says the token was refused', async () => {
    handler = (req) => (req.url.endsWith('/healthz') ? { status: 200, data: { status: 'ok' } } : { status: 401, data: { error: { code: 'unauthenticated', message: 'invalid, expired or revoked token' } } });
    const r = await ds.testDatasource();
    expect(r).toMatchObject({ status: 'error' });
    expect(r.message).toContain('refused the API token: invalid, expired or revoked token');
  });

  it('succeeds with the number of services', async () => {
    handler = (req) => (req.url.endsWith('/healthz') ? { status: 200, data: { status: 'ok' } } : { status: 200, data: { items: [{}, {}, {}], next: null } });
    expect(await ds.testDatasource()).toMatchObject({ status: 'success', message: expect.stringContaining('3 services') });
  });
});
