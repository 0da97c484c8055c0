import { describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../../platform/logger.js';
import { createGraphDiscovery } from '../discovery.js';
import { createServiceGraph } from '../engine.js';
import { discoverFromPodSpecs, referencedServices } from './podspec.js';
import { MESH_QUERIES, parseMeshResults, type PromQueryPort, type PromSample } from './prometheus.js';

// Recorded `/api/v1/query` vector results (labels trimmed to what the queries group by).
const ISTIO_RATE: PromSample[] = [
  {
    metric: {
      source_canonical_service: 'frontend',
      source_workload: 'frontend-v1',
      source_workload_namespace: 'shop',
      destination_canonical_service: 'cartservice',
      destination_service_name: 'cartservice',
      destination_service_namespace: 'shop',
    },
    value: [1700000000, '12.5'],
  },
  { metric: { source_workload: 'unknown', destination_service_name: 'frontend' }, value: [1700000000, '40'] },
];
const ISTIO_P95: PromSample[] = [
  {
    metric: { source_canonical_service: 'frontend', destination_canonical_service: 'cartservice' },
    value: [1700000000, '48.2'],
  },
];
const LINKERD_RATE: PromSample[] = [
  {
    metric: { deployment: 'checkout', namespace: 'shop', dst_service: 'payment', dst_namespace: 'shop' },
    value: [1700000000, '3'],
  },
  { metric: { deployment: 'checkout', namespace: 'shop', dst_deployment: 'email' }, value: [1700000000, '1'] },
];
const TEMPO_RATE: PromSample[] = [{ metric: { client: 'checkout', server: 'shipping' }, value: [1700000000, '2'] }];
const TEMPO_P95: PromSample[] = [{ metric: { client: 'checkout', server: 'shipping' }, value: [1700000000, '0.25'] }];

describe('discovery from mesh and tracing metrics', () => {
  it('reads istio request rates and p95 per edge, skipping unknown sources', () => {
    const snap = parseMeshResults('istio', ISTIO_RATE, ISTIO_P95);
    expect(snap.edges).toEqual([{ source: 'frontend', target: 'cartservice', requestRate: 12.5, p95Ms: 48.2 }]);
    expect(snap.nodes).toContainEqual({ id: 'cartservice', namespace: 'shop' });
  });

  it('reads linkerd dst labels, preferring the service over the deployment', () => {
    const snap = parseMeshResults('linkerd', LINKERD_RATE);
    expect(snap.edges.map((e) => `${e.source}->${e.target}`).sort()).toEqual(['checkout->email', 'checkout->payment']);
  });

  it('reads Tempo service-graph metrics, converting seconds to ms', () => {
    expect(parseMeshResults('tempo', TEMPO_RATE, TEMPO_P95).edges).toEqual([
      { source: 'checkout', target: 'shipping', requestRate: 2, p95Ms: 250 },
    ]);
  });

  it('merges every mesh through the port and reports a failing one without losing the rest', async () => {
    const recorded = new Map<string, PromSample[]>([
      [MESH_QUERIES.istio.rate, ISTIO_RATE],
      [MESH_QUERIES.istio.p95, ISTIO_P95],
      [MESH_QUERIES.tempo.rate, TEMPO_RATE],
      [MESH_QUERIES.tempo.p95, TEMPO_P95],
    ]);
    const prometheus: PromQueryPort = {
      async instantQuery(q) {
        const r = recorded.get(q);
        if (!r) throw new Error('bad_data: unknown metric');
        return r;
      },
    };
    const graph = createServiceGraph();
    const logger = createMemoryLogger();
    const result = await createGraphDiscovery({ graph, logger, prometheus }).refresh();
    expect(result.errors.map((e) => e.source)).toEqual(['prometheus:linkerd']);
    expect(graph.edges()).toEqual([
      { source: 'frontend', target: 'cartservice' },
      { source: 'checkout', target: 'shipping' },
    ]);
    expect(logger.lines.some((l) => l.msg === 'graph discovery source failed')).toBe(true);
  });
});

describe('discovery from pod specs', () => {
  const services = [
    { name: 'cartservice', namespace: 'shop' },
    { name: 'redis-cart', namespace: 'shop' },
    { name: 'payment', namespace: 'billing' },
    { name: 'frontend', namespace: 'shop' },
  ];
  const byName = new Map(services.map((s) => [s.name, [s]]));

  it('recognises host:port, URLs, FQDNs and exact names', () => {
    expect(referencedServices('cartservice:7070', 'shop', byName)).toEqual(['cartservice']);
    expect(referencedServices('http://cartservice.shop.svc.cluster.local/api', 'other', byName)).toEqual(['cartservice']);
    expect(referencedServices('redis://redis-cart:6379/0', 'shop', byName)).toEqual(['redis-cart']);
    expect(referencedServices('payment.billing:8080', 'shop', byName)).toEqual(['payment']);
    expect(referencedServices('frontend', 'shop', byName)).toEqual(['frontend']);
  });

  it('does not mistake words, other namespaces or longer names for references', () => {
    expect(referencedServices('--mode=frontend-fast', 'shop', byName)).toEqual([]);
    expect(referencedServices('payment:8080', 'shop', byName)).toEqual([]); // bare name, other namespace
    expect(referencedServices('mycartservice:7070', 'shop', byName)).toEqual([]);
    expect(referencedServices('cartservice.example.com:443', 'shop', byName)).toEqual([]);
  });

  it('turns env, args and config into edges from the workload to the services it names', () => {
    const snap = discoverFromPodSpecs(
      [
        {
          service: 'frontend',
          namespace: 'shop',
          kind: 'Deployment',
          env: { CART_SERVICE_ADDR: 'cartservice:7070', SELF: 'frontend:8080' },
          args: ['--payment=payment.billing.svc:50051'],
        },
        { service: 'cartservice', namespace: 'shop', config: { 'app.yaml': 'redis:\n  url: redis-cart:6379\n' } },
      ],
      services,
    );
    expect(snap.edges).toEqual([
      { source: 'frontend', target: 'cartservice' },
      { source: 'frontend', target: 'payment' },
      { source: 'cartservice', target: 'redis-cart' },
    ]);
  });
});

describe('workloads from the Kubernetes API', () => {
  it('names a workload after the Service selecting it and reads every container', async () => {
    const { workloadSpecs } = await import('./kubernetes.js');
    const specs = workloadSpecs(
      [
        {
          kind: 'Deployment',
          namespace: 'shop',
          name: 'frontend-v2',
          template: {
            metadata: { labels: { app: 'frontend', track: 'stable' } },
            spec: {
              initContainers: [{ name: 'wait', image: 'busybox', args: ['nc -z cartservice 7070'] }],
              containers: [
                { name: 'server', image: 'fe', env: [{ name: 'CART_ADDR', value: 'cartservice:7070' }, { name: 'SECRET', valueFrom: {} }] },
              ],
            },
          },
        },
        { kind: 'StatefulSet', namespace: 'shop', name: 'redis', template: { metadata: { labels: { app: 'redis' } } } },
      ],
      [
        { namespace: 'shop', name: 'frontend', selector: { app: 'frontend' } },
        { namespace: 'other', name: 'redis-other', selector: { app: 'redis' } },
      ],
    );
    expect(specs[0]).toEqual({
      service: 'frontend',
      namespace: 'shop',
      kind: 'Deployment',
      env: { 'server/CART_ADDR': 'cartservice:7070' },
      args: ['nc -z cartservice 7070'],
      command: [],
    });
    expect(specs[1]?.service).toBe('redis'); // the only selecting Service is in another namespace
    const snap = discoverFromPodSpecs(specs, [
      { name: 'cartservice', namespace: 'shop' },
      { name: 'frontend', namespace: 'shop' },
    ]);
    expect(snap.edges).toEqual([{ source: 'frontend', target: 'cartservice' }]);
  });

  it('merges extra snapshot sources and reports one that throws', async () => {
    const graph = createServiceGraph();
    const result = await createGraphDiscovery({
      graph,
      logger: createMemoryLogger(),
      snapshots: [
        { name: 'simulator', snapshot: async () => ({ nodes: [{ id: 'a' }], edges: [{ source: 'a', target: 'b' }] }) },
        {
          name: 'broken',
          snapshot: async () => {
            throw new Error('boom');
          },
        },
      ],
    }).refresh();
    expect(graph.edges()).toEqual([{ source: 'a', target: 'b' }]);
    expect(result.errors).toEqual([{ source: 'broken', message: 'boom' }]);
  });
});
