import { normalAt, uniformAt } from './random.js';
import { topologicalOrder, type ServiceSpec, type Topology } from './topology.js';

/** The values of one tick for one service or pod, canonical units (see sources/types.ts METRICS). */
export interface MetricValues {
  /** requests per second */
  request_rate: number;
  /** failing share of requests, 0..1 */
  error_rate: number;
  /** milliseconds */
  latency_p50: number;
  latency_p95: number;
  latency_p99: number;
  /** cores */
  cpu: number;
  /** bytes */
  memory: number;
  /** container restarts (cumulative) */
  restarts: number;
}

/** How a fault bends one pod. Neutral values leave it healthy. */
export interface PodEffects {
  /** Multiplies the pod's CPU limit (a noisy neighbour steals CPU). */
  capacityFactor: number;
  /** Extra CPU seconds per request (a pathological code path). */
  extraCpuPerRequest: number;
  latencyMult: number;
  latencyAddMs: number;
  /** Own failing share of requests. */
  errorRate: number;
}

export const NEUTRAL_EFFECTS: PodEffects = {
  capacityFactor: 1,
  extraCpuPerRequest: 0,
  latencyMult: 1,
  latencyAddMs: 0,
  errorRate: 0,
};

export interface PodInput {
  name: string;
  /** Stable small integer for noise. */
  noiseId: number;
  ready: boolean;
  effects: PodEffects;
  memoryBytes: number;
  restarts: number;
  /** How many identical pods this one stands for (the generated history models big services with a few). */
  weight?: number;
  /** CPU demand added regardless of traffic (cores). */
  extraCores?: number;
  /** The container's CPU limit, cores (from its spec, so a patched limit takes effect). */
  cpuLimit: number;
}

export interface FrameInput {
  topology: Topology;
  seed: number;
  t: number;
  stepMs: number;
  pods: Map<string, PodInput[]>;
  /** Last tick's error rate per service (callers retry failed calls, adding load). */
  previousErrors?: Map<string, number>;
  /** Extra requests per second arriving at a service from outside the graph. */
  extraLoad?: Map<string, number>;
}

export interface Frame {
  t: number;
  services: Map<string, MetricValues>;
  pods: Map<string, MetricValues & { service: string }>;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Daily and weekly shape of traffic: a lunchtime and an evening peak, quiet nights, calmer weekends. */
export function seasonality(t: number): number {
  const hour = (t % DAY) / HOUR;
  const peak = (centre: number, width: number) => {
    const d = Math.abs(hour - centre) % 24;
    return Math.exp(-(Math.min(d, 24 - d) ** 2) / (2 * width * width));
  };
  const daily = Math.min(1, 0.3 + 0.45 * peak(13, 3) + 0.55 * peak(20, 2.5));
  const weekday = new Date(t).getUTCDay();
  return daily * (weekday === 0 || weekday === 6 ? 0.8 : 1);
}

/** Smooth noise: interpolates seeded normals at 5-minute knots, so traffic wanders instead of jittering. */
export function smoothNoise(seed: number, id: number, t: number, periodMs = 300_000): number {
  const k = Math.floor(t / periodMs);
  const f = (t - k * periodMs) / periodMs;
  const a = normalAt(seed, id, k);
  const b = normalAt(seed, id, k + 1);
  const s = f * f * (3 - 2 * f);
  return a + (b - a) * s;
}

const orderCache = new WeakMap<Topology, string[]>();
function orderOf(t: Topology): string[] {
  let order = orderCache.get(t);
  if (!order) orderCache.set(t, (order = topologicalOrder(t)));
  return order;
}

/** Requests per second each service receives, flowing down the call graph from the entry service. */
function requestRates(input: FrameInput, specs: Map<string, ServiceSpec>): Map<string, number> {
  const { topology, seed, t, stepMs } = input;
  const tick = Math.floor(t / stepMs);
  const rates = new Map<string, number>();
  for (const s of topology.services) rates.set(s.name, input.extraLoad?.get(s.name) ?? 0);
  const entryRate =
    topology.peakRps * seasonality(t) * (1 + 0.06 * smoothNoise(seed, 7, t)) * (1 + 0.03 * normalAt(seed, 11, tick));
  rates.set(topology.entry, (rates.get(topology.entry) ?? 0) + Math.max(0, entryRate));
  for (const name of orderOf(topology)) {
    const rate = rates.get(name) ?? 0;
    for (const edge of topology.edges) {
      if (edge.source !== name || !specs.has(edge.target)) continue;
      const retries = Math.min(1, input.previousErrors?.get(edge.target) ?? 0);
      rates.set(edge.target, (rates.get(edge.target) ?? 0) + rate * edge.callsPerRequest * (1 + retries));
    }
  }
  return rates;
}

/**
 * One tick of the shop: traffic flows down the call graph; latency and errors flow back up it, so a
 * slow or failing dependency shows in every caller (errors attenuated by retries and fallbacks,
 * amplified when calls time out).
 */
export function computeFrame(input: FrameInput): Frame {
  const { topology, seed, t, stepMs } = input;
  const tick = Math.floor(t / stepMs);
  const specs = new Map(topology.services.map((s) => [s.name, s]));
  const rates = requestRates(input, specs);
  const services = new Map<string, MetricValues>();
  const pods = new Map<string, MetricValues & { service: string }>();
  const order = orderOf(topology);
  for (let i = order.length - 1; i >= 0; i--) {
    const name = order[i] as string;
    const spec = specs.get(name);
    if (!spec) continue;
    const rate = rates.get(name) ?? 0;
    const deps = downstreamImpact(topology, name, services, specs);
    const podList = input.pods.get(name) ?? [];
    services.set(name, servicePods(spec, podList, rate, deps, { seed, tick, t }, pods));
  }
  return { t, services, pods };
}

interface DownstreamImpact {
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  errorRate: number;
}

function downstreamImpact(
  topology: Topology,
  name: string,
  done: Map<string, MetricValues>,
  specs: Map<string, ServiceSpec>,
): DownstreamImpact {
  let p50 = 0;
  let p95 = 0;
  let p99 = 0;
  let okShare = 1;
  for (const edge of topology.edges) {
    if (edge.source !== name) continue;
    const callee = done.get(edge.target);
    const timeoutMs = specs.get(edge.target)?.timeoutMs ?? 1000;
    if (!callee) continue;
    // Calls are partly parallel: the sum overstates, the max understates.
    const weight = Math.min(edge.callsPerRequest, 1) * 0.6 + Math.max(0, edge.callsPerRequest - 1) * 0.25;
    p50 += weight * Math.min(callee.latency_p50, timeoutMs);
    p95 += weight * Math.min(callee.latency_p95, timeoutMs);
    p99 = Math.max(p99, Math.min(callee.latency_p99, timeoutMs));
    // The share of calls slower than the caller's deadline fails with DeadlineExceeded.
    const timedOut = sigmoid((callee.latency_p95 - timeoutMs) / (0.08 * timeoutMs));
    const failing = Math.min(1, 0.6 * callee.error_rate + 0.9 * timedOut);
    okShare *= Math.pow(1 - failing, Math.min(edge.callsPerRequest, 1.5));
  }
  return { p50Ms: p50, p95Ms: p95, p99Ms: Math.max(p99, p95 * 1.3), errorRate: 1 - okShare };
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

function servicePods(
  spec: ServiceSpec,
  podList: PodInput[],
  rate: number,
  deps: DownstreamImpact,
  n: { seed: number; tick: number; t: number },
  out: Map<string, MetricValues & { service: string }>,
): MetricValues {
  const ready = podList.filter((p) => p.ready);
  const readyWeight = ready.reduce((n, p) => n + (p.weight ?? 1), 0);
  const share = readyWeight ? rate / readyWeight : 0;
  let errWeighted = 0;
  let p50w = 0;
  let p95w = 0;
  let p99pow = 0;
  let cpu = 0;
  let memory = 0;
  let restarts = 0;
  for (const pod of podList) {
    const w = pod.weight ?? 1;
    const m = podValues(spec, pod, pod.ready ? share : 0, deps, n);
    if (pod.weight === undefined) out.set(pod.name, { ...m, service: spec.name });
    cpu += m.cpu * w;
    memory = Math.max(memory, m.memory);
    restarts += m.restarts * w;
    if (!pod.ready) continue;
    errWeighted += m.error_rate * w;
    p50w += m.latency_p50 * w;
    p95w += m.latency_p95 * w;
    p99pow += m.latency_p99 ** 4 * w;
  }
  const k = readyWeight;
  if (k === 0) {
    // Nothing ready behind the Service: every request is refused at once.
    return { request_rate: rate, error_rate: 1, latency_p50: 1, latency_p95: 2, latency_p99: 3, cpu, memory, restarts };
  }
  return {
    request_rate: rate,
    error_rate: errWeighted / k,
    latency_p50: p50w / k,
    latency_p95: p95w / k,
    latency_p99: (p99pow / k) ** 0.25,
    cpu,
    memory,
    restarts,
  };
}

function podValues(
  spec: ServiceSpec,
  pod: PodInput,
  podRate: number,
  deps: DownstreamImpact,
  n: { seed: number; tick: number; t: number },
): MetricValues {
  const e = pod.effects;
  const noise = (k: number) => normalAt(n.seed, pod.noiseId, n.tick, k);
  const demand = spec.cpuIdle + podRate * (spec.cpuPerRequest + e.extraCpuPerRequest) + (pod.extraCores ?? 0);
  const capacity = pod.cpuLimit * e.capacityFactor;
  const u = demand / capacity;
  const cpu = Math.max(0, Math.min(demand, capacity) * (1 + 0.04 * noise(1)));
  if (!pod.ready) {
    return { request_rate: 0, error_rate: 0, latency_p50: 0, latency_p95: 0, latency_p99: 0, cpu, memory: pod.memoryBytes, restarts: pod.restarts };
  }
  const queue = 1 / (1 - Math.min(u, 0.95));
  const overload = Math.max(0, u - 1);
  const own = spec.latencyMs * queue * e.latencyMult + e.latencyAddMs + overload * 1500;
  const jitter = Math.exp(0.08 * noise(2));
  const tail = 1 + 0.15 * Math.max(0, noise(3)) + Math.min(3, u * u);
  const p50 = (own + deps.p50Ms) * jitter;
  const p95 = (own * 2.2 + deps.p95Ms) * jitter * (1 + 0.3 * Math.min(u, 1.5));
  const p99 = Math.max(p95 * 1.15, (own * 3.8 * tail + deps.p99Ms) * jitter);
  const ownErrors = spec.baseErrorRate * (1 + 0.5 * uniformAt(n.seed, pod.noiseId, n.tick, 4)) + e.errorRate + Math.min(0.9, overload * 0.6);
  const errorRate = 1 - (1 - Math.min(1, ownErrors)) * (1 - deps.errorRate);
  return {
    request_rate: podRate,
    error_rate: Math.min(1, Math.max(0, errorRate)),
    latency_p50: p50,
    latency_p95: p95,
    latency_p99: p99,
    cpu,
    memory: pod.memoryBytes * (1 + 0.004 * noise(5)),
    restarts: pod.restarts,
  };
}
