import { describe, expect, it } from 'vitest';
import { createInProcessBus } from '../events/bus.js';
import { silentLogger } from '../platform/logger.js';
import { topologySnapshot } from './discovery/topology.js';
import { createServiceGraph } from './engine.js';
import { createGraphHealthTracker } from './health.js';

describe('graph health from anomaly events', () => {
  it('degrades, fails and heals a node as its anomalies open and close', async () => {
    const graph = createServiceGraph();
    graph.mergeSnapshot('sim', { nodes: [{ id: 'cart' }], edges: [] });
    const bus = createInProcessBus({ logger: silentLogger, now: () => new Date(0) });
    const tracker = createGraphHealthTracker({ graph, bus });
    expect(graph.node('cart')?.health).toBe('unknown');
    bus.publish('anomalies', 'anomaly.opened', { id: 'a', service: 'cart', score: 0.7, open: true });
    await bus.drain();
    expect(graph.node('cart')?.health).toBe('degraded');
    bus.publish('anomalies', 'anomaly.updated', { id: 'a', service: 'cart', score: 0.95, open: true });
    await bus.drain();
    expect(graph.node('cart')).toMatchObject({ health: 'failing', healthScore: 0.95 });
    bus.publish('anomalies', 'anomaly.closed', { id: 'a', service: 'cart', score: 0.95, open: false });
    bus.publish('anomalies', 'anomaly.opened', { service: 'cart' });
    await bus.drain();
    expect(graph.node('cart')?.health).toBe('healthy');
    tracker.close();
  });
});

describe('declared topology', () => {
  it('carries caller rate × calls per request and callee p95 onto edges', () => {
    const snap = topologySnapshot(
      { namespace: 'boutique', services: [{ name: 'frontend' }, { name: 'cart' }], edges: [{ source: 'frontend', target: 'cart', callsPerRequest: 1.5 }] },
      new Map([
        ['frontend', { request_rate: 40, latency_p95: 80 }],
        ['cart', { request_rate: 60, latency_p95: 9.876 }],
      ]),
    );
    expect(snap.edges).toEqual([{ source: 'frontend', target: 'cart', requestRate: 60, p95Ms: 9.88 }]);
    expect(snap.nodes[0]).toEqual({ id: 'frontend', namespace: 'boutique', kind: 'Deployment' });
    expect(topologySnapshot({ namespace: 'x', services: [], edges: [{ source: 'a', target: 'b' }] }).edges).toEqual([
      { source: 'a', target: 'b' },
    ]);
  });
});
