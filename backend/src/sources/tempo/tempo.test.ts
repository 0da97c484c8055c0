import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rankRootCauses } from '../../rca/rank.js';
import type { PrometheusClient } from '../prometheus/client.js';
import { createTempoTraceSource, hexId, traceMetricSeries } from './index.js';

const T0 = Date.UTC(2026, 0, 1, 12, 30);
const MIN = 60_000;
const b64 = (hex: string) => Buffer.from(hex, 'hex').toString('base64');
const ns = (ms: number) => `${BigInt(Math.round(ms * 1000)) * 1000n}`;

interface FakeSpan {
  service: string;
  spanId: string;
  parent: string;
  name: string;
  start: number;
  end: number;
  error?: boolean;
}

/** gateway → cart; after T0 the wire into cart adds 300 ms (the client span grows, cart's own does not). */
function fakeTraces(): Map<string, FakeSpan[]> {
  const traces = new Map<string, FakeSpan[]>();
  for (let i = 0, t = T0 - 15 * MIN; t < T0 + 4 * MIN; t += 10_000, i++) {
    const late = t >= T0 ? 300 : 0;
    const id = i.toString(16).padStart(32, '0');
    const s = (n: number) => `${i.toString(16).padStart(12, '0')}${n.toString(16).padStart(4, '0')}`;
    traces.set(id, [
      { service: 'gateway', spanId: s(1), parent: '', name: 'GET /cart', start: t, end: t + 30 + late },
      { service: 'gateway', spanId: s(2), parent: s(1), name: 'HTTP GET', start: t + 2, end: t + 27 + late },
      { service: 'cart', spanId: s(3), parent: s(2), name: 'GET /items', start: t + 4, end: t + 24, error: late > 0 && i % 4 === 0 },
    ]);
  }
  return traces;
}

/** A stand-in for Tempo's query-frontend: /api/search (TraceQL subset) and /api/traces/<id> (OTLP JSON, base64 ids). */
function fakeTempo(traces: Map<string, FakeSpan[]>, asked: URL[], state: { failTrace?: string; down?: number }) {
  return http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://tempo');
    asked.push(url);
    const json = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (state.down && state.down-- > 0) return res.writeHead(503).end('ingester unavailable');
    if (url.pathname === '/api/search') {
      const q = url.searchParams.get('q') ?? '{}';
      const m = /^\{\s*(?:resource\.service\.name\s*=\s*"([^"]*)")?\s*\}$/.exec(q);
      if (!m) return res.writeHead(400).end(`invalid TraceQL query: ${q}`);
      const start = Number(url.searchParams.get('start')) * 1000;
      const end = Number(url.searchParams.get('end')) * 1000;
      const limit = Number(url.searchParams.get('limit') ?? 20);
      const found = [...traces]
        .filter(([, spans]) => (spans[0]?.start ?? 0) >= start && (spans[0]?.start ?? 0) <= end)
        .filter(([, spans]) => !m[1] || spans.some((s) => s.service === m[1]))
        .slice(0, limit)
        .map(([traceID, spans]) => ({
          traceID,
          rootServiceName: spans[0]?.service,
          rootTraceName: spans[0]?.name,
          startTimeUnixNano: ns(spans[0]?.start ?? 0),
          durationMs: Math.round((spans[0]?.end ?? 0) - (spans[0]?.start ?? 0)),
        }));
      return json(200, { traces: found, metrics: { inspectedBytes: '1024', completedJobs: 1, totalJobs: 1 } });
    }
    const byId = /^\/api\/traces\/([0-9a-f]+)$/.exec(url.pathname);
    if (byId) {
      const id = byId[1] ?? '';
      if (id === state.failTrace) return res.writeHead(500).end('internal error');
      const spans = traces.get(id);
      if (!spans) return res.writeHead(404).end('trace not found');
      const services = [...new Set(spans.map((s) => s.service))];
      return json(200, {
        batches: services.map((service) => ({
          resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }, { key: 'k8s.pod.name', value: { stringValue: `${service}-7d9f-abcde` } }] },
          scopeSpans: [
            {
              scope: { name: 'io.opentelemetry.http' },
              spans: spans
                .filter((s) => s.service === service)
                .map((s) => ({
                  traceId: b64(id),
                  spanId: b64(s.spanId),
                  ...(s.parent ? { parentSpanId: b64(s.parent) } : {}),
                  name: s.name,
                  kind: s.parent ? 'SPAN_KIND_CLIENT' : 'SPAN_KIND_SERVER',
                  startTimeUnixNano: ns(s.start),
                  endTimeUnixNano: ns(s.end),
                  status: s.error ? { code: 'STATUS_CODE_ERROR' } : {},
                })),
            },
          ],
        })),
      });
    }
    res.writeHead(404).end('404 page not found');
  });
}

describe('Tempo trace source (against a fake of Tempo HTTP API)', () => {
  const traces = fakeTraces();
  const asked: URL[] = [];
  const state: { failTrace?: string; down?: number } = {};
  let server: http.Server;
  let url: string;
  beforeAll(async () => {
    server = fakeTempo(traces, asked, state);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('searches the window with TraceQL, loads each trace and flattens it to spans with hex ids', async () => {
    const tempo = createTempoTraceSource({ baseUrl: url, retry: { retries: 2, backoffMs: 5 } });
    state.down = 1; // one transient 503 is retried
    const res = await tempo.querySpans({ from: T0 - 15 * MIN, to: T0 + 4 * MIN, service: 'cart', limit: 1000 });
    expect(res.errors).toEqual([]);
    const search = asked.find((u) => u.pathname === '/api/search');
    expect(search?.searchParams.get('q')).toBe('{ resource.service.name = "cart" }');
    expect(search?.searchParams.get('start')).toBe(String((T0 - 15 * MIN) / 1000));
    expect(res.results).toHaveLength(traces.size * 3);
    const cart = res.results.find((s) => s.service === 'cart');
    expect(cart).toMatchObject({ pod: 'cart-7d9f-abcde', operation: 'GET /items' });
    expect(cart?.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(res.results.find((s) => s.spanId === cart?.parentId)?.service).toBe('gateway');
    expect(res.results.some((s) => s.error)).toBe(true);
  });

  it('feeds RCA: the callee whose answers are slow on the wire ranks first, with traces as its source', async () => {
    const tempo = createTempoTraceSource({ baseUrl: url });
    const { results } = await tempo.querySpans({ from: T0 - 15 * MIN, to: T0 + 4 * MIN, limit: 1000 });
    const r = rankRootCauses({ anomalyTime: T0 + 2 * MIN, spans: results });
    expect(r.ranking[0]?.service).toBe('cart');
    expect(r.ranking[0]?.sources).toContain('traces');
  });

  it('keeps the traces that load when one fails, and reports a dead Tempo as an error', async () => {
    state.failTrace = [...traces.keys()][3];
    const tempo = createTempoTraceSource({ baseUrl: url, retry: { retries: 0 } });
    const res = await tempo.querySpans({ from: T0 - 15 * MIN, to: T0 + 4 * MIN, limit: 1000 });
    expect(res.results).toHaveLength((traces.size - 1) * 3);
    expect(res.errors).toEqual([expect.objectContaining({ target: `trace ${state.failTrace}`, message: expect.stringMatching(/HTTP 500/) })]);
    state.failTrace = undefined;
    const dead = createTempoTraceSource({ baseUrl: 'http://127.0.0.1:9', retry: { retries: 0, timeoutMs: 500 } });
    const none = await dead.querySpans({ from: 0, to: 1 });
    expect(none.results).toEqual([]);
    expect(none.errors[0]?.message).toMatch(/cannot reach Tempo/);
  });

  it('reads ids in either encoding', () => {
    expect(hexId('AAAAAAAAAAE=')).toBe('0000000000000001');
    expect(hexId('00000000000000AB')).toBe('00000000000000ab');
  });
});

describe('metrics-generator series', () => {
  it('turns service-graph and span-metric queries into per-service RCA series and reports failing queries', async () => {
    const asked: string[] = [];
    const prom: PrometheusClient = {
      baseUrl: 'http://prom',
      query: () => Promise.reject(new Error('unused')),
      async queryRange(expr) {
        asked.push(expr);
        if (expr.includes('traces_spanmetrics_latency_bucket')) throw new Error('HTTP 422: bad_data');
        const label = expr.includes('by (service') ? 'service' : 'server';
        return [{ metric: { [label]: 'cart' }, values: [[T0 / 1000, '0.5'], [T0 / 1000 + 60, '0.7']] }];
      },
    };
    const res = await traceMetricSeries(prom, { from: T0, to: T0 + MIN, stepMs: MIN });
    expect(asked.some((e) => e.includes('traces_service_graph_request_client_seconds_bucket'))).toBe(true);
    expect(res.results.map((s) => s.metric)).toEqual([
      'TraceErrorRate',
      'TraceLatencyP90(s)',
      'TraceNetworkGapP90(s)',
      'TraceRequests',
      'TraceSpanErrorRate',
    ]);
    expect(res.results[0]).toMatchObject({ service: 'cart', times: [T0, T0 + MIN], values: [0.5, 0.7], source: 'traces' });
    expect(res.errors).toEqual([expect.objectContaining({ target: 'TraceSpanLatencyP90(s)' })]);
  });
});
