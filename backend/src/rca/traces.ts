import type { ServiceEdge } from '../graph/port.js';
import type { SeriesScore } from './series-score.js';
import { quantile, robustCentreScale } from './stats.js';
import type { MetricSeriesInput, SpanInput } from './types.js';

const MINUTE = 60_000;

/** Metric names the trace features get (metric-kinds.ts reads their kinds from these names). */
export const TRACE_METRICS = {
  requests: 'TraceRequests',
  errors: 'TraceErrorRate',
  latency: 'TraceLatencyMean(ms)',
  exclusive: 'TraceExclusiveMean(ms)',
  gap: 'TraceNetworkGapQ25(ms)',
} as const;

interface Bin {
  requests: number;
  errors: number;
  latency: number;
  exclusive: number;
  gaps: number[];
}

interface Node {
  span: SpanInput;
  parent?: Node;
  childTime: number;
  /** A client span: one of its children runs in another service. */
  crossChild?: string;
  entry?: Node;
  exclusive: number;
}

/**
 * Turns spans into per-minute series per service: requests and error rate at the service's entry
 * spans, mean entry latency (inclusive, propagates to callers), mean EXCLUSIVE latency (time in the
 * service minus the time its outgoing calls took, so a slow callee is not blamed on its callers), and
 * the lower quartile of the network gap of the calls into it (a client span's duration minus the
 * callee's server span: a delay on a pod's network shows on every call it answers). Also the call graph the spans show.
 */
export function traceSeries(spans: readonly SpanInput[], binMs = MINUTE): { series: MetricSeriesInput[]; edges: ServiceEdge[] } {
  const nodes = new Map<string, Node>();
  for (const span of spans) nodes.set(`${span.traceId}/${span.spanId}`, { span, childTime: 0, exclusive: 0 });
  const edgeSet = new Set<string>();
  for (const n of nodes.values()) {
    if (!n.span.parentId) continue;
    const parent = nodes.get(`${n.span.traceId}/${n.span.parentId}`);
    if (!parent) continue;
    n.parent = parent;
    parent.childTime += duration(n.span);
    if (parent.span.service !== n.span.service) {
      parent.crossChild = n.span.service;
      edgeSet.add(`${parent.span.service}\u0000${n.span.service}`);
    }
  }
  const bins = new Map<string, Map<number, Bin>>();
  const binOf = (service: string, t: number): Bin => {
    let byTime = bins.get(service);
    if (!byTime) bins.set(service, (byTime = new Map()));
    const key = Math.floor(t / binMs) * binMs;
    let b = byTime.get(key);
    if (!b) byTime.set(key, (b = { requests: 0, errors: 0, latency: 0, exclusive: 0, gaps: [] }));
    return b;
  };
  for (const n of nodes.values()) {
    const self = Math.max(0, duration(n.span) - n.childTime);
    if (n.crossChild !== undefined) {
      // The client span's own time is the wire and queueing on the edge; it is charged to the callee,
      // since a delayed pod's responses arrive late on every edge into it.
      binOf(n.crossChild, n.span.start).gaps.push(self);
    } else entryOf(n).exclusive += self;
  }
  for (const n of nodes.values()) {
    if (entryOf(n) !== n) continue;
    const b = binOf(n.span.service, n.span.start);
    b.requests++;
    if (n.span.error) b.errors++;
    b.latency += duration(n.span);
    b.exclusive += n.exclusive;
  }
  const series: MetricSeriesInput[] = [];
  for (const [service, byTime] of [...bins].sort(([a], [b]) => a.localeCompare(b))) {
    const first = Math.min(...byTime.keys());
    const last = Math.max(...byTime.keys());
    const times: number[] = [];
    for (let t = first; t <= last; t += binMs) times.push(t);
    const col = (f: (b: Bin | undefined) => number) => times.map((t) => f(byTime.get(t)));
    const mean = (sum: number, n: number) => (n > 0 ? sum / n : NaN);
    const add = (metric: string, values: number[]) => {
      if (values.some(Number.isFinite)) series.push({ service, metric, times, values, source: 'traces' });
    };
    add(TRACE_METRICS.requests, col((b) => b?.requests ?? 0));
    add(TRACE_METRICS.latency, col((b) => mean(b?.latency ?? 0, b?.requests ?? 0)));
    add(TRACE_METRICS.exclusive, col((b) => mean(b?.exclusive ?? 0, b?.requests ?? 0)));
    // Lower quartile: a delayed pod slows all the calls into it, not just those of one caller.
    add(TRACE_METRICS.gap, col((b) => (b?.gaps.length ? quantile(b.gaps, 0.25) : NaN)));
    if (spans.some((s) => s.error !== undefined)) add(TRACE_METRICS.errors, col((b) => mean(b?.errors ?? 0, b?.requests ?? 0)));
  }
  const edges = [...edgeSet].sort().map((e) => {
    const [source = '', target = ''] = e.split('\u0000');
    return { source, target };
  });
  return { series, edges };
}

function duration(s: SpanInput): number {
  return Math.max(0, s.end - s.start);
}

/** The span where this request entered the service: the nearest ancestor whose parent is elsewhere. */
function entryOf(n: Node): Node {
  if (n.entry) return n.entry;
  const path: Node[] = [];
  let cur: Node = n;
  while (cur.parent && cur.parent.span.service === cur.span.service && !cur.entry) {
    path.push(cur);
    cur = cur.parent;
  }
  const entry = cur.entry ?? cur;
  for (const p of path) p.entry = entry;
  n.entry = entry;
  return entry;
}

/**
 * Network gaps judged against the whole system rather than the service's own past: a service whose
 * answers after the fault time take far longer on the wire than calls anywhere did before it.
 * Works for sparsely called services that have no baseline of their own.
 */
export function networkGapSignals(
  spans: readonly SpanInput[],
  faultTime: number,
  opts: { baselineMinutes: number; abnormalMinutes: number; minCalls?: number },
): SeriesScore[] {
  const from = faultTime - opts.baselineMinutes * MINUTE;
  const until = faultTime + opts.abnormalMinutes * MINUTE;
  const byId = new Map<string, SpanInput>();
  for (const s of spans) byId.set(`${s.traceId}/${s.spanId}`, s);
  const childTime = new Map<SpanInput, number>();
  const crossTo = new Map<SpanInput, string>();
  for (const s of spans) {
    const parent = s.parentId ? byId.get(`${s.traceId}/${s.parentId}`) : undefined;
    if (!parent) continue;
    childTime.set(parent, (childTime.get(parent) ?? 0) + duration(s));
    if (parent.service !== s.service) crossTo.set(parent, s.service);
  }
  const baseline: number[] = [];
  const after = new Map<string, { gaps: number[]; first: number }>();
  for (const [client, callee] of crossTo) {
    const t = client.start;
    if (t < from || t >= until) continue;
    const gap = Math.max(0, duration(client) - (childTime.get(client) ?? 0));
    if (t < faultTime) baseline.push(gap);
    else {
      let a = after.get(callee);
      if (!a) after.set(callee, (a = { gaps: [], first: t }));
      a.gaps.push(gap);
      a.first = Math.min(a.first, t);
    }
  }
  if (baseline.length < 10) return [];
  const { centre, scale } = robustCentreScale(baseline, 0.01);
  const out: SeriesScore[] = [];
  for (const [service, a] of after) {
    if (a.gaps.length < (opts.minCalls ?? 3)) continue;
    // Most of its calls, not just those with one slow partner: a delayed pod slows every edge it is on.
    const observed = quantile(a.gaps, 0.25);
    const z = (observed - centre) / scale;
    if (z <= 0) continue;
    out.push({
      service,
      metric: 'TraceNetworkGap(ms) vs system',
      kind: 'exclusive-latency',
      source: 'traces',
      z,
      baseline: centre,
      observed,
      onset: a.first,
      summary: `calls into it spend ${observed.toFixed(0)} ms on the network (lower quartile of ${a.gaps.length} calls) against ${centre.toFixed(1)} ms across the system before, z=${z.toFixed(1)}`,
    });
  }
  return out;
}
