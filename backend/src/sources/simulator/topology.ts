import type { ServiceEdge } from '../../graph/port.js';

/** What one simulated microservice is like when healthy. */
export interface ServiceSpec {
  name: string;
  language: 'go' | 'java' | 'node' | 'python' | 'csharp' | 'redis';
  replicas: number;
  port: number;
  /** CPU seconds per request handled (own work, not waiting on callees). */
  cpuPerRequest: number;
  /** Idle CPU per pod, cores. */
  cpuIdle: number;
  cpuLimit: number;
  memoryBaseMiB: number;
  memoryLimitMiB: number;
  /** Own p50 latency in ms at low utilisation. */
  latencyMs: number;
  baseErrorRate: number;
  /** A caller gives up waiting on this service after this long (ms). */
  timeoutMs: number;
  version: string;
}

export interface CallEdge extends ServiceEdge {
  /** Calls to `target` per request `source` serves. */
  callsPerRequest: number;
}

export interface Topology {
  namespace: string;
  services: ServiceSpec[];
  edges: CallEdge[];
  /** Peak requests per second arriving at the entry service. */
  peakRps: number;
  entry: string;
}

const svc = (
  name: string,
  language: ServiceSpec['language'],
  o: Partial<ServiceSpec> & Pick<ServiceSpec, 'latencyMs' | 'cpuPerRequest' | 'memoryBaseMiB'>,
): ServiceSpec => ({
  name,
  language,
  replicas: 2,
  port: 8080,
  cpuIdle: 0.005,
  cpuLimit: 0.5,
  memoryLimitMiB: Math.max(128, o.memoryBaseMiB * 2.5),
  baseErrorRate: 0.001,
  timeoutMs: 1000,
  version: 'v0.10.2',
  ...o,
});

/** Online Boutique's services and call graph (github.com/GoogleCloudPlatform/microservices-demo). */
export function boutiqueTopology(namespace = 'boutique'): Topology {
  return {
    namespace,
    entry: 'frontend',
    peakRps: 60,
    services: [
      svc('frontend', 'go', { replicas: 3, latencyMs: 12, cpuPerRequest: 0.004, memoryBaseMiB: 48, timeoutMs: 5000 }),
      svc('cartservice', 'csharp', { port: 7070, latencyMs: 4, cpuPerRequest: 0.003, memoryBaseMiB: 96 }),
      svc('productcatalogservice', 'go', { port: 3550, latencyMs: 2, cpuPerRequest: 0.0006, memoryBaseMiB: 24 }),
      svc('currencyservice', 'node', { port: 7000, latencyMs: 3, cpuPerRequest: 0.0012, memoryBaseMiB: 64 }),
      svc('paymentservice', 'node', { port: 50051, replicas: 1, latencyMs: 20, cpuPerRequest: 0.004, memoryBaseMiB: 56 }),
      svc('shippingservice', 'go', { port: 50051, latencyMs: 3, cpuPerRequest: 0.001, memoryBaseMiB: 20 }),
      svc('emailservice', 'python', { replicas: 1, latencyMs: 25, cpuPerRequest: 0.006, memoryBaseMiB: 72 }),
      svc('checkoutservice', 'go', { port: 5050, latencyMs: 15, cpuPerRequest: 0.003, memoryBaseMiB: 28, timeoutMs: 3000 }),
      svc('recommendationservice', 'python', { latencyMs: 10, cpuPerRequest: 0.003, memoryBaseMiB: 80 }),
      svc('adservice', 'java', { port: 9555, latencyMs: 6, cpuPerRequest: 0.0025, memoryBaseMiB: 180, cpuLimit: 0.6 }),
      svc('redis-cart', 'redis', {
        port: 6379,
        replicas: 1,
        latencyMs: 0.5,
        cpuPerRequest: 0.0002,
        memoryBaseMiB: 16,
        memoryLimitMiB: 256,
        timeoutMs: 500,
        version: '7.2-alpine',
      }),
    ],
    edges: [
      e('frontend', 'productcatalogservice', 3),
      e('frontend', 'currencyservice', 2),
      e('frontend', 'cartservice', 1),
      e('frontend', 'recommendationservice', 0.6),
      e('frontend', 'adservice', 0.6),
      e('frontend', 'shippingservice', 0.3),
      e('frontend', 'checkoutservice', 0.05),
      e('checkoutservice', 'cartservice', 2),
      e('checkoutservice', 'productcatalogservice', 2),
      e('checkoutservice', 'currencyservice', 2),
      e('checkoutservice', 'shippingservice', 2),
      e('checkoutservice', 'paymentservice', 1),
      e('checkoutservice', 'emailservice', 1),
      e('cartservice', 'redis-cart', 1.5),
      e('recommendationservice', 'productcatalogservice', 1),
    ],
  };
}

function e(source: string, target: string, callsPerRequest: number): CallEdge {
  return { source, target, callsPerRequest };
}

/** Services ordered so every caller comes before its callees (the graph is acyclic). */
export function topologicalOrder(t: Topology): string[] {
  const indegree = new Map(t.services.map((s) => [s.name, 0]));
  for (const edge of t.edges) indegree.set(edge.target, (indegree.get(edge.target) ?? 0) + 1);
  const queue = t.services.filter((s) => indegree.get(s.name) === 0).map((s) => s.name);
  const order: string[] = [];
  while (queue.length) {
    const name = queue.shift() as string;
    order.push(name);
    for (const edge of t.edges.filter((x) => x.source === name)) {
      const left = (indegree.get(edge.target) ?? 0) - 1;
      indegree.set(edge.target, left);
      if (left === 0) queue.push(edge.target);
    }
  }
  if (order.length !== t.services.length) throw new Error('the simulated call graph has a cycle');
  return order;
}

/** The services `roots` call, directly or not, plus the roots. */
export function downstreamClosure(t: Topology, roots: string[]): Set<string> {
  const seen = new Set<string>();
  const stack = [...roots];
  while (stack.length) {
    const name = stack.pop() as string;
    if (seen.has(name)) continue;
    seen.add(name);
    for (const edge of t.edges) if (edge.source === name) stack.push(edge.target);
  }
  return seen;
}

/** Scales replica counts so the whole shop runs about `totalPods` pods (benches use 1,000). */
export function scaledTopology(t: Topology, totalPods: number): Topology {
  const current = t.services.reduce((n, s) => n + s.replicas, 0);
  const factor = totalPods / current;
  const services = t.services.map((s) => ({ ...s, replicas: Math.max(1, Math.round(s.replicas * factor)) }));
  let diff = totalPods - services.reduce((n, s) => n + s.replicas, 0);
  for (let i = 0; diff !== 0 && i < services.length * 4; i++) {
    const s = services[i % services.length] as ServiceSpec;
    if (diff > 0) {
      s.replicas++;
      diff--;
    } else if (s.replicas > 1) {
      s.replicas--;
      diff++;
    }
  }
  return { ...t, services, peakRps: t.peakRps * factor };
}
