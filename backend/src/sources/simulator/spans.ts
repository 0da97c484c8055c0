import type { MetricsSource, TraceSource, TraceSpan } from '../types.js';
import { uniformAt } from './random.js';
import type { CallEdge } from './topology.js';

/** One generated request every this many ms (enough for per-minute trace features, cheap to build). */
const TRACE_EVERY_MS = 5_000;
/** The wire between two pods in the simulated cluster. */
const WIRE_MS = 1;
/** A handler's own work before its first call and after its last, on average. */
const OWN_WORK_MS = 0.2;

interface SimView {
  namespace: string;
  topology: { entry: string; edges: CallEdge[] };
  metrics: MetricsSource;
  seed?: number;
}

/**
 * The simulator as a TraceSource: one request every 5 s walks the call graph from the entry service;
 * each service's server span lasts its recorded p50 latency at that time (at least its callees' calls
 * plus its own work), fails with its recorded error rate, and every call has a client span in the
 * caller around the callee's server span. A slow or failing service therefore shows in spans exactly
 * where the metrics put it.
 */
export function createSimTraceSource(sim: SimView): TraceSource {
  return {
    name: 'simulator',
    async querySpans(q) {
      const stepMs = 60_000;
      const [lat, err] = await Promise.all(
        ['latency_p50', 'error_rate'].map((metric) => sim.metrics.queryRange({ from: q.from - stepMs, to: q.to, stepMs, metric })),
      );
      // service → points, read by a moving index (the requests below walk forward in time)
      const lookup = (series: typeof lat) => {
        const by = new Map((series?.results ?? []).map((s) => [s.key.service, s.points.filter(([, v]) => Number.isFinite(v))]));
        return (service: string, t: number): number => {
          const pts = by.get(service) ?? [];
          let lo = 0;
          let hi = pts.length - 1;
          // last point at or before t (binary search)
          while (lo <= hi) {
            const mid = (lo + hi) >> 1;
            if ((pts[mid]?.[0] ?? Infinity) <= t) lo = mid + 1;
            else hi = mid - 1;
          }
          return pts[hi]?.[1] ?? NaN;
        };
      };
      const latAt = lookup(lat);
      const errAt = lookup(err);
      const callees = calleesOf(sim.topology.edges);
      const spans: TraceSpan[] = [];
      const limit = q.limit ?? 10_000;
      let traces = 0;
      for (let t = Math.ceil(q.from / TRACE_EVERY_MS) * TRACE_EVERY_MS; t < q.to && traces < limit; t += TRACE_EVERY_MS, traces++) {
        spans.push(
          ...requestTrace({
            t,
            seed: sim.seed ?? 1,
            entry: sim.topology.entry,
            callees,
            latencyMs: (service) => latAt(service, t),
            errorRate: (service) => errAt(service, t),
          }),
        );
      }
      const results = q.service ? spans.filter((s) => spans.some((x) => x.traceId === s.traceId && x.service === q.service)) : spans;
      results.sort((a, b) => a.start - b.start);
      return { results, errors: [] };
    },
  };
}

export function calleesOf(edges: ReadonlyArray<{ source: string; target: string }>): Map<string, string[]> {
  const callees = new Map<string, string[]>();
  for (const e of edges) callees.set(e.source, [...(callees.get(e.source) ?? []), e.target]);
  return callees;
}

/**
 * One request's spans, from the entry service down the call graph: a server span per service lasting
 * its p50 latency (at least its calls plus a little own work, jittered), a client span per call around the
 * callee's server span plus the wire, errors drawn from each service's error rate.
 */
export function requestTrace(o: {
  t: number;
  seed: number;
  entry: string;
  callees: Map<string, string[]>;
  latencyMs: (service: string) => number;
  errorRate: (service: string) => number;
  wireMs?: (caller: string, callee: string) => number;
}): TraceSpan[] {
  const traceId = `${o.seed.toString(16).padStart(8, '0')}${o.t.toString(16).padStart(24, '0')}`.slice(-32);
  const spans: TraceSpan[] = [];
  let n = 0;
  const nextId = () => (n++).toString(16).padStart(16, '0');
  const visit = (service: string, start: number, parentId: string, depth: number): number => {
    const spanId = nextId();
    const jitter = 0.9 + 0.2 * uniformAt(o.seed, o.t, n, 1);
    const own = Math.max(0.5, (o.latencyMs(service) || 5) * jitter);
    // The handler's own work around its calls varies in proportion to itself, as measured time does: a
    // fixed 0.2 ms left the exclusive time of a service whose calls fill its latency without any noise,
    // so at quiet hours its first tenth of a millisecond read as a certain anomaly.
    const workBefore = OWN_WORK_MS * (0.5 + uniformAt(o.seed, o.t, n, 3));
    const workAfter = OWN_WORK_MS * (0.5 + uniformAt(o.seed, o.t, n, 4));
    let cursor = start + workBefore;
    const children: TraceSpan[] = [];
    for (const callee of depth < 8 ? (o.callees.get(service) ?? []) : []) {
      const clientId = nextId();
      const wire = o.wireMs?.(service, callee) ?? WIRE_MS;
      const calleeMs = visit(callee, cursor + wire / 2, clientId, depth + 1);
      const clientEnd = cursor + calleeMs + wire;
      children.push({ traceId, spanId: clientId, parentId: spanId, service, operation: `call ${callee}`, start: cursor, end: clientEnd, error: false });
      cursor = clientEnd;
    }
    const end = Math.max(start + own, cursor + workAfter);
    const error = uniformAt(o.seed, o.t, n, 2) < (o.errorRate(service) || 0);
    spans.push({ traceId, spanId, parentId, service, operation: `handle ${service}`, start, end, error }, ...children);
    return end - start;
  };
  visit(o.entry, o.t, '', 0);
  return spans;
}
