import type { ServiceEdge } from '../graph/port.js';
import { countSurprise } from './count-surprise.js';
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
} as const;

interface Bin {
  requests: number;
  errors: number;
  latency: number;
  exclusive: number;
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
 * Turns spans into per-minute series per service: requests at the service's entry spans, mean entry latency (inclusive, propagates to callers), mean EXCLUSIVE latency (time in the
 * service minus the time its outgoing calls took, so a slow callee is not blamed on its callers). The
 * time on the wire of each call is judged per edge by `edgeGapSignals`. Also the call graph the spans show,
 * and per-minute failed/all entry spans (when spans carry a status), judged as counts by `traceErrorSignals`.
 */
export function traceSeries(
  spans: readonly SpanInput[],
  binMs = MINUTE,
  links = linkSpans(spans),
): { series: MetricSeriesInput[]; edges: ServiceEdge[]; errors: ErrorCounts } {
  const nodes: Node[] = links.unique.map((span) => ({ span, childTime: 0, exclusive: 0 }));
  const edgeSet = new Set<string>();
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i];
    const parent = nodes[links.parentOfUnique[i] ?? -1];
    if (!n || !parent) continue;
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
    if (!b) byTime.set(key, (b = { requests: 0, errors: 0, latency: 0, exclusive: 0 }));
    return b;
  };
  for (const n of nodes) {
    // A client span's own time is the wire and queueing on the edge: edgeGapSignals judges it per edge.
    if (n.crossChild === undefined) entryOf(n).exclusive += Math.max(0, duration(n.span) - n.childTime);
  }
  for (const n of nodes) {
    if (entryOf(n) !== n) continue;
    const b = binOf(n.span.service, n.span.start);
    b.requests++;
    if (n.span.error) b.errors++;
    b.latency += duration(n.span);
    b.exclusive += n.exclusive;
  }
  const series: MetricSeriesInput[] = [];
  const errors: ErrorCounts = new Map();
  const hasStatus = spans.some((s) => s.error !== undefined);
  for (const [service, byTime] of [...bins].sort(([a], [b]) => a.localeCompare(b))) {
    const first = Math.min(...byTime.keys());
    const last = Math.max(...byTime.keys());
    const times: number[] = [];
    for (let t = first; t <= last; t += binMs) times.push(t);
    // Pushed, not map()ped: V8 boxes every value read from an array map() built in optimised code.
    const col = (f: (b: Bin | undefined) => number) => {
      const values: number[] = [];
      for (const t of times) values.push(f(byTime.get(t)));
      return values;
    };
    const mean = (sum: number, n: number) => (n > 0 ? sum / n : NaN);
    const add = (metric: string, values: number[]) => {
      if (values.some(Number.isFinite)) series.push({ service, metric, times, values, source: 'traces' });
    };
    add(TRACE_METRICS.requests, col((b) => b?.requests ?? 0));
    add(TRACE_METRICS.latency, col((b) => mean(b?.latency ?? 0, b?.requests ?? 0)));
    add(TRACE_METRICS.exclusive, col((b) => mean(b?.exclusive ?? 0, b?.requests ?? 0)));
    if (hasStatus) errors.set(service, new Map([...byTime].map(([t, b]) => [t, { requests: b.requests, errors: b.errors }])));
  }
  const edges = [...edgeSet].sort().map((e) => {
    const [source = '', target = ''] = e.split('\u0000');
    return { source, target };
  });
  return { series, edges, errors };
}

/** service → minute → entry spans and failed entry spans. */
export type ErrorCounts = Map<string, Map<number, { requests: number; errors: number }>>;

/**
 * Failed requests per service as counts, not as a per-minute rate: with a few sampled requests a minute,
 * one failure after a short error-free history made a rate series "go from a constant 0" (certain);
 * as a count it is weighed against the requests seen before (add-one smoothed, `countSurprise`).
 */
export function traceErrorSignals(errors: ErrorCounts, faultTime: number, opts: { baselineMinutes: number; abnormalMinutes: number }): SeriesScore[] {
  const from = faultTime - opts.baselineMinutes * MINUTE;
  const until = faultTime + opts.abnormalMinutes * MINUTE;
  const out: SeriesScore[] = [];
  for (const [service, byTime] of errors) {
    const base = { requests: 0, errors: 0 };
    const after = { requests: 0, errors: 0 };
    let onset: number | undefined;
    for (const [t, b] of byTime) {
      if (t < from || t >= until) continue;
      const side = t < faultTime ? base : after;
      side.requests += b.requests;
      side.errors += b.errors;
      if (t >= faultTime && b.errors > 0 && (onset === undefined || t < onset)) onset = t;
    }
    if (after.requests === 0 || base.requests === 0) continue;
    const { z, expected } = countSurprise(after.errors, base.errors, base.requests, after.requests);
    if (!(z > 0)) continue;
    out.push({
      service,
      metric: TRACE_METRICS.errors,
      kind: 'errors',
      source: 'traces',
      z,
      baseline: expected / after.requests,
      observed: after.errors / after.requests,
      onset,
      summary: `${after.errors} of ${after.requests} requests failed (${base.errors} of ${base.requests} before: ${expected.toFixed(1)} expected), z=${z.toFixed(1)}`,
    });
  }
  return out;
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

interface EdgeGaps {
  caller: string;
  callee: string;
  before: number[];
  after: number[];
  first: number;
}

interface SideEvidence {
  service: string;
  side: 'in' | 'out';
  /** Lower quartile of the z of the side's edges: most of them, not one, must be slow. */
  z: number;
  edges: EdgeGaps[];
  anomalous: number;
}

/**
 * Time on the wire of each call edge (a client span's own time: its duration minus its children's),
 * judged per edge against its own calls before the fault time (or, for an edge too rarely called to
 * have a baseline, against every edge's calls). A slow edge has two suspects. A pod whose network is
 * delayed answers late on every edge INTO it; a pod starved of CPU finishes its client spans late on
 * every edge OUT of it. So each service is scored by the lower quartile of its incoming edges' z and
 * of its outgoing edges' z, and a service whose slow edges are all better explained by a partner with
 * more slow edges on the opposite side is dropped (one slow edge X→Y blames X when all of X's calls
 * are slow, and Y when all calls into Y are).
 */
export function edgeGapSignals(
  spans: readonly SpanInput[],
  faultTime: number,
  opts: { baselineMinutes: number; abnormalMinutes: number; anomalyZ: number; minCalls?: number },
  links = linkSpans(spans),
): SeriesScore[] {
  const minCalls = opts.minCalls ?? 3;
  const edges = edgeGaps(spans, links, faultTime - opts.baselineMinutes * MINUTE, faultTime, faultTime + opts.abnormalMinutes * MINUTE);
  const system = edges.flatMap((e) => e.before);
  if (system.length < 10) return [];
  const systemStats = robustCentreScale(system, 0.01);
  const zOf = new Map<EdgeGaps, number>();
  for (const e of edges) {
    if (e.after.length < minCalls) continue;
    const { centre, scale } = systemStats;
    zOf.set(e, Math.max(0, (quantile(e.after, 0.25) - centre) / scale));
  }
  const sides = new Map<string, SideEvidence>();
  const sideOf = (service: string, side: 'in' | 'out') => {
    const key = `${side}\u0000${service}`;
    let v = sides.get(key);
    if (!v) sides.set(key, (v = { service, side, z: 0, edges: [], anomalous: 0 }));
    return v;
  };
  for (const e of zOf.keys()) {
    sideOf(e.callee, 'in').edges.push(e);
    sideOf(e.caller, 'out').edges.push(e);
  }
  for (const v of sides.values()) {
    const zs = v.edges.map((e) => zOf.get(e) ?? 0);
    v.z = quantile(zs, 0.25);
    v.anomalous = zs.filter((z) => z >= opts.anomalyZ).length;
  }
  const out: SeriesScore[] = [];
  for (const v of sides.values()) {
    if (v.z < opts.anomalyZ || explainedByPartner(v, zOf, sides, opts.anomalyZ)) continue;
    const slow = v.edges.filter((e) => (zOf.get(e) ?? 0) >= opts.anomalyZ);
    const after = slow.flatMap((e) => e.after);
    const observed = quantile(after, 0.25);
    // What z was judged against (an edge's own past may hold an earlier incident on the same pod).
    const baseline = systemStats.centre;
    const partners = slow.map((e) => (v.side === 'in' ? e.caller : e.callee));
    const direction = v.side === 'in' ? 'calls into it' : 'its calls to other services';
    out.push({
      service: v.service,
      metric: v.side === 'in' ? 'TraceEdgeGapIn(ms)' : 'TraceEdgeGapOut(ms)',
      kind: 'exclusive-latency',
      source: 'traces',
      z: v.z,
      baseline,
      observed,
      onset: Math.min(...slow.map((e) => e.first)),
      summary: `${direction} spend ${observed.toFixed(0)} ms on the wire against ${baseline.toFixed(1)} ms across the system before (${slow.length} of ${v.edges.length} edges slow: ${partners.slice(0, 3).join(', ')}${partners.length > 3 ? ', …' : ''}), z=${v.z.toFixed(1)}`,
    });
  }
  return out;
}

/**
 * Every slow edge of this side is also slow on its partner's opposite side, which has more slow edges.
 * On a tie the callee is blamed: a late answer is the usual reading of one slow edge.
 */
function explainedByPartner(v: SideEvidence, zOf: Map<EdgeGaps, number>, sides: Map<string, SideEvidence>, anomalyZ: number): boolean {
  const slow = v.edges.filter((e) => (zOf.get(e) ?? 0) >= anomalyZ);
  return slow.every((e) => {
    const partner = v.side === 'in' ? sides.get(`out\u0000${e.caller}`) : sides.get(`in\u0000${e.callee}`);
    if (partner === undefined || partner.z < anomalyZ) return false;
    return v.side === 'in' ? partner.anomalous > v.anomalous : partner.anomalous >= v.anomalous;
  });
}

/** Own time of every client span that calls another service, per caller → callee edge, before and after the fault time. */
function edgeGaps(spans: readonly SpanInput[], links: SpanLinks, from: number, faultTime: number, until: number): EdgeGaps[] {
  const childTime = new Map<SpanInput, number>();
  const crossTo = new Map<SpanInput, string>();
  for (let i = 0; i < spans.length; i++) {
    const s = spans[i];
    const parent = links.unique[links.parentOf[i] ?? -1];
    if (!s || !parent) continue;
    childTime.set(parent, (childTime.get(parent) ?? 0) + duration(s));
    if (parent.service !== s.service) crossTo.set(parent, s.service);
  }
  const edges = new Map<string, EdgeGaps>();
  for (const [client, callee] of crossTo) {
    const t = client.start;
    if (t < from || t >= until) continue;
    const key = `${client.service}\u0000${callee}`;
    let e = edges.get(key);
    if (!e) edges.set(key, (e = { caller: client.service, callee, before: [], after: [], first: Infinity }));
    const gap = Math.max(0, duration(client) - (childTime.get(client) ?? 0));
    if (t < faultTime) e.before.push(gap);
    else {
      e.after.push(gap);
      e.first = Math.min(e.first, t);
    }
  }
  return [...edges.values()];
}

/** Who is whose parent, worked out once per ranking for the trace series and the edge gaps. */
export interface SpanLinks {
  /** Each distinct (trace id, span id) once, at its first position, holding its latest span (as a Map would). */
  unique: readonly SpanInput[];
  /** Per unique span, its parent's index in `unique`; −1 when it has none or the parent is missing. */
  parentOfUnique: Int32Array;
  /** The same per input span, by position (repeated ids included). */
  parentOf: Int32Array;
}

/**
 * Links spans to their parents by trace id, then span id: the ids are strings whose hashes are cached,
 * where a joined `trace/span` key built a fresh string per span and per lookup (33k each in a
 * 20-minute window of 40 services).
 */
export function linkSpans(spans: readonly SpanInput[]): SpanLinks {
  const traces = new Map<string, Map<string, number>>();
  const unique: SpanInput[] = [];
  const position = new Int32Array(spans.length);
  for (let i = 0; i < spans.length; i++) {
    const s = spans[i];
    if (!s) continue;
    let ids = traces.get(s.traceId);
    if (!ids) traces.set(s.traceId, (ids = new Map()));
    const at = ids.get(s.spanId);
    if (at === undefined) {
      ids.set(s.spanId, unique.length);
      position[i] = unique.length;
      unique.push(s);
    } else {
      position[i] = at;
      unique[at] = s;
    }
  }
  const parentIndex = (s: SpanInput | undefined): number => (s?.parentId ? (traces.get(s.traceId)?.get(s.parentId) ?? -1) : -1);
  const parentOfUnique = new Int32Array(unique.length);
  for (let u = 0; u < unique.length; u++) parentOfUnique[u] = parentIndex(unique[u]);
  const parentOf = new Int32Array(spans.length);
  for (let i = 0; i < spans.length; i++) parentOf[i] = parentIndex(spans[i]);
  return { unique, parentOfUnique, parentOf };
}
