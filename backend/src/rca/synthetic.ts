import { calleesOf, requestTrace } from '../sources/simulator/spans.js';
import { synthSeries } from './testing.js';
import type { LogLineInput, MetricSeriesInput, SpanInput } from './types.js';

/**
 * The latency bench's synthetic system (bench/rca-latency.ts), shared with the test that pins its
 * rankings: a layered call graph of n services, 30 minutes of 1-minute data for 10 metrics each, one
 * root cause whose latency rise travels up to its callers.
 */
const METRICS = ['latency_p50', 'latency_p95', 'latency_p99', 'error_rate', 'request_rate', 'cpu', 'memory', 'network_rx', 'network_tx', 'restarts'];

function lcg(seed: number) {
  let s = seed >>> 0 || 1;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 0x100000000);
}

export function syntheticSystem(n: number, seed: number) {
  const rand = lcg(seed);
  const services = Array.from({ length: n }, (_, i) => `svc-${String(i).padStart(4, '0')}`);
  const layers = 8;
  const layerOf = (i: number) => Math.floor((i * layers) / n);
  const edges: Array<{ source: string; target: string }> = [];
  for (let i = 0; i < n; i++) {
    const layer = layerOf(i);
    if (layer === layers - 1) continue;
    const lo = Math.ceil(((layer + 1) * n) / layers);
    const hi = Math.ceil(((layer + 2) * n) / layers);
    for (let k = 0; k < 3; k++) edges.push({ source: services[i] ?? '', target: services[lo + Math.floor(rand() * (hi - lo))] ?? '' });
  }
  const root = services[Math.floor(n * 0.6)] ?? '';
  const start = Date.UTC(2026, 0, 1);
  const t0 = start + 25 * 60_000;
  const callers = new Map<string, string[]>();
  for (const e of edges) callers.set(e.target, [...(callers.get(e.target) ?? []), e.source]);
  const affected = new Map<string, number>([[root, 8]]);
  for (let frontier = [root]; frontier.length; ) {
    const next: string[] = [];
    for (const s of frontier)
      for (const c of callers.get(s) ?? []) {
        if (affected.has(c)) continue;
        affected.set(c, (affected.get(s) ?? 0) * (0.5 + rand()));
        next.push(c);
      }
    frontier = next;
  }
  const series: MetricSeriesInput[] = [];
  services.forEach((service, i) =>
    METRICS.forEach((metric, j) =>
      series.push(
        synthSeries({
          service,
          metric,
          start,
          minutes: 30,
          level: 100,
          noise: 5,
          shiftAt: t0,
          shift: metric.startsWith('latency') ? (affected.get(service) ?? 0) * 5 : 0,
          seed: i * 16 + j + seed,
        }),
      ),
    ),
  );
  return { series, edges, t0, root, start, services, affected };
}

/** Logs and spans for the 20 minutes up to 5 minutes after the fault. */
export function logsAndSpans(sys: ReturnType<typeof syntheticSystem>): { logs: LogLineInput[]; spans: SpanInput[] } {
  const from = sys.t0 - 15 * 60_000;
  const to = sys.t0 + 5 * 60_000;
  const logs: LogLineInput[] = [];
  for (const service of sys.services)
    for (let t = from; t < to; t += 2_000) {
      logs.push({ time: t, service, message: `12:00:00.000 INFO request handled path=/api/${service} took ${t % 97} ms user=${t % 1013}` });
      if (service === sys.root && t >= sys.t0) logs.push({ time: t + 1, service, message: `12:00:00.001 ERROR java.lang.IllegalStateException: pool exhausted in ${service} after ${t % 50} ms` });
    }
  const spans: SpanInput[] = [];
  const all = calleesOf(sys.edges);
  const entries = sys.services.filter((s) => !sys.edges.some((e) => e.target === s));
  for (let t = from, i = 0; t < to; t += 500, i++) {
    // Each request takes one of the callees at every hop (a full fan-out of a layered graph explodes).
    const callees = new Map([...all].map(([s, cs]) => [s, [cs[(i + s.length) % cs.length] ?? '']]));
    const entry = entries[i % entries.length] ?? '';
    spans.push(...requestTrace({ t, seed: 1, entry, callees, latencyMs: (s) => 5 + (t >= sys.t0 && s === sys.root ? 200 : 0), errorRate: () => 0.001 }));
  }
  return { logs, spans };
}
