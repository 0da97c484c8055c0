import { InputError } from '../platform/errors.js';
import { removeCommonMode } from './common-mode.js';
import { DEFAULT_RCA_CONFIG, type RcaConfig } from './config.js';
import { explain } from './explain.js';
import { isLatencyKind, metricKind } from './metric-kinds.js';
import { estimateFaultTime } from './fault-time.js';
import { logSignals } from './log-signals.js';
import { anomalyPageRank } from './pagerank.js';
import { scoreSeries, seriesReaches, Z_SATURATION, type SeriesScore } from './series-score.js';
import { edgeGapSignals, linkSpans, traceErrorSignals, traceSeries, type ErrorCounts, type SpanLinks } from './traces.js';
import type { Evidence, EvidenceSource, MetricSeriesInput, RankedCause, RcaInput, RcaResult } from './types.js';

const MINUTE = 60_000;
const QUIET_SHARE = 0.05;

/** Everything the ranker learnt about one service before turning it into a cause. */
interface ServiceFacts {
  service: string;
  signals: SeriesScore[];
  /** Strongest weighted latency-like and resource-like evidence. */
  latency: number;
  /** Largest raw latency-like z: a callee explains a caller only when it is anomalous itself. */
  latencyZ: number;
  /** Strongest evidence of time lost in the service itself or its network (exclusive latency, from traces). */
  own: number;
  ownZ: number;
  resource: number;
  combined: number;
  explainedBy?: string;
}

/**
 * Ranks candidate root-cause services. Per series, a robust anomaly score; per service, the strongest
 * latency-like and resource-like evidence; latency anomalies that a callee explains are discounted,
 * because latency travels from callee to caller; then priors (history) and recent changes shift the
 * posterior, and a softmax turns it into probabilities.
 */
export function rankRootCauses(input: RcaInput, cfg: RcaConfig = DEFAULT_RCA_CONFIG): RcaResult {
  const warnings: string[] = [];
  const links = input.spans?.length ? linkSpans(input.spans) : undefined;
  const traced = input.spans?.length ? traceSeries(input.spans, undefined, links) : undefined;
  // A traffic change every service shares is load (the evening peak), not a fault.
  const series = removeCommonMode([...(input.series ?? []), ...(traced?.series ?? [])], input.anomalyTime);
  const anomalies = input.anomalies ?? [];
  if (series.length === 0 && anomalies.length === 0 && !input.logs?.length) {
    throw new InputError('nothing to rank: the input has neither metric series, spans, logs nor anomaly events');
  }
  // The call graph the spans show stands in when none is given.
  if (!input.edges?.length && traced?.edges.length) input = { ...input, edges: traced.edges };
  const faultTime = cfg.estimateFaultTime ? faultTimeOf(series, input, cfg) : input.anomalyTime;
  const windowFrom = faultTime - cfg.lookbackMinutes * MINUTE;
  const signals = scoreAll(series, input, windowFrom, { ...cfg, abnormalMinutes: cfg.abnormalMinutes + cfg.lookbackMinutes }, warnings, traced?.errors, links);
  const facts = new Map<string, ServiceFacts>();
  const factsOf = (service: string) => {
    let f = facts.get(service);
    if (!f) facts.set(service, (f = { service, signals: [], latency: 0, latencyZ: 0, own: 0, ownZ: 0, resource: 0, combined: 0 }));
    return f;
  };
  for (const s of signals) factsOf(s.service).signals.push(s);
  for (const s of input.services ?? []) factsOf(s);

  const callees = buildCallees(input, facts, warnings);
  for (const f of facts.values()) summarise(f, cfg);
  for (const f of facts.values()) discountPropagated(f, callees, facts, cfg);
  if (cfg.propagation === 'pagerank') rerankByPageRank(facts, callees);

  const ranking = posterior([...facts.values()], input, cfg, callees, facts);
  if (ranking.every((r) => r.score === 0)) warnings.push('no series deviates from its baseline: the ranking is a guess');
  const signature: Record<string, number> = {};
  for (const f of facts.values()) if (f.combined > 0) signature[f.service] = Math.round(f.combined * 1e4) / 1e4;
  return { ranking, faultTime, warnings, signature };
}

/** The change point most of the anomalous series agree on around the anomaly time. */
function faultTimeOf(series: readonly MetricSeriesInput[], input: RcaInput, cfg: RcaConfig): number {
  const scored: Array<{ s: MetricSeriesInput; w: number }> = [];
  // Which series changed anywhere from the earliest plausible fault time on: they vote on when.
  const from = input.anomalyTime - cfg.faultSearchMinutes * MINUTE;
  const wide = { ...cfg, abnormalMinutes: cfg.abnormalMinutes + cfg.faultSearchMinutes };
  for (const s of series) {
    // The z alone first: most series are quiet, and only voters need the full score.
    if (!seriesReaches(s, from, wide, cfg.anomalyZ, input.windowStart)) continue;
    const r = scoreSeries(s, from, wide, input.windowStart);
    if ('ok' in r) scored.push({ s, w: weightOf(r.ok, cfg) });
  }
  return estimateFaultTime(
    scored.map((x) => ({ series: x.s, weight: x.w })),
    input.anomalyTime,
    {
      searchMinutes: cfg.faultSearchMinutes,
      referenceMinutes: cfg.baselineMinutes / 2,
      afterMinutes: cfg.abnormalMinutes,
      anomalyZ: cfg.anomalyZ,
      relativeScaleFloor: cfg.relativeScaleFloor,
    },
  ).at;
}

function scoreAll(
  series: readonly MetricSeriesInput[],
  input: RcaInput,
  faultTime: number,
  cfg: RcaConfig,
  warnings: string[],
  traceErrors?: ErrorCounts,
  links?: SpanLinks,
): SeriesScore[] {
  const out: SeriesScore[] = [];
  const skipped = new Map<string, string[]>();
  for (const s of series) {
    const r = scoreSeries(s, faultTime, cfg, input.windowStart);
    if ('ok' in r) out.push(r.ok);
    else {
      const names = skipped.get(r.skipped) ?? [];
      names.push(`${s.service}_${s.metric}`);
      skipped.set(r.skipped, names);
    }
  }
  for (const [reason, names] of skipped) {
    warnings.push(`${names.length} series skipped (${reason}), e.g. ${names.slice(0, 3).join(', ')}`);
  }
  for (const a of input.anomalies ?? []) {
    // A detector's [0,1] score read as a tail probability: 0.5 → z≈2, 0.99 → z≈14.
    const z = -3 * Math.log(1 - Math.min(Math.max(a.score, 0), 0.9999));
    out.push({ service: a.service, metric: a.metric, kind: metricKind(a.metric), z, baseline: NaN, observed: NaN, onset: a.at, source: 'detection' });
  }
  if (input.logs?.length) out.push(...logSignals(input.logs, faultTime, cfg));
  if (input.spans?.length) out.push(...edgeGapSignals(input.spans, faultTime, cfg, links));
  if (traceErrors?.size) out.push(...traceErrorSignals(traceErrors, faultTime, cfg));
  return out;
}

function buildCallees(input: RcaInput, facts: Map<string, ServiceFacts>, warnings: string[]): Map<string, string[]> {
  const callees = new Map<string, string[]>();
  const unknown = new Set<string>();
  for (const { source, target } of input.edges ?? []) {
    if (source === target) continue;
    for (const s of [source, target]) if (!facts.has(s)) unknown.add(s);
    appendTo(callees, source, target);
  }
  if (unknown.size) {
    warnings.push(`call graph names services without metrics: ${[...unknown].sort().join(', ')}`);
    for (const s of unknown) facts.set(s, { service: s, signals: [], latency: 0, latencyZ: 0, own: 0, ownZ: 0, resource: 0, combined: 0 });
  }
  const cycle = findCycle(callees);
  if (cycle) warnings.push(`call graph has a cycle (${cycle.join(' → ')}); each edge is still used on its own`);
  return callees;
}

/**
 * Evidence strength: the z says whether a deviation is real, but past saturation every real one ties;
 * how far the series moved relative to its own level then decides (a wire time ×100 beats a latency
 * ×2). Only for deviations beyond `anomalyZ`, so a large relative move of a noisy series adds nothing.
 */
function weightOf(s: SeriesScore, cfg: RcaConfig): number {
  const significance = Math.log1p(Math.min(s.z, Z_SATURATION));
  return (cfg.kindWeights[s.kind] ?? 1) * (significance + (s.z >= cfg.anomalyZ ? magnitude(s) : 0));
}

/**
 * log(1 + |observed − baseline| / |baseline|), saturating like z (a ×5000 jump of a mostly idle series
 * is not 5000 times the evidence); a move off a zero level counts as saturated.
 */
function magnitude(s: SeriesScore): number {
  if (!Number.isFinite(s.baseline) || !Number.isFinite(s.observed)) return 0;
  if (s.baseline === 0) return s.observed === 0 ? 0 : Math.log1p(Z_SATURATION);
  return Math.log1p(Math.min(Z_SATURATION, Math.abs(s.observed - s.baseline) / Math.abs(s.baseline)));
}

function summarise(f: ServiceFacts, cfg: RcaConfig): void {
  // Each weight once, not twice per comparison (two logarithms each, 10k signals a ranking).
  const weights = f.signals.map((s) => ({ s, w: weightOf(s, cfg) }));
  weights.sort((a, b) => b.w - a.w);
  f.signals = weights.map((x) => x.s);
  for (const { s, w } of weights) {
    if (isLatencyKind(s.kind)) {
      f.latency = Math.max(f.latency, w);
      f.latencyZ = Math.max(f.latencyZ, s.z);
    }
    else f.resource = Math.max(f.resource, w);
    if (s.kind === 'exclusive-latency') {
      f.own = Math.max(f.own, w);
      f.ownZ = Math.max(f.ownZ, s.z);
    }
  }
}

/** Blends each service's evidence with its share of an anomaly-weighted random walk over the call graph. */
function rerankByPageRank(facts: Map<string, ServiceFacts>, callees: Map<string, string[]>): void {
  const anomaly = new Map([...facts.values()].map((f) => [f.service, f.combined]));
  const pr = anomalyPageRank(anomaly, callees);
  const n = Math.max(1, pr.size);
  for (const f of facts.values()) f.combined = f.combined > 0 ? f.combined + Math.log(Math.max(1e-6, (pr.get(f.service) ?? 0) * n)) : 0;
}

/** A caller's latency anomaly is largely its callee's when the callee is anomalous too. */
function discountPropagated(
  f: ServiceFacts,
  callees: Map<string, string[]>,
  facts: Map<string, ServiceFacts>,
  cfg: RcaConfig,
): void {
  let strongest = 0;
  for (const c of callees.get(f.service) ?? []) {
    const callee = facts.get(c);
    if (!callee || Math.max(callee.latencyZ, callee.ownZ) < cfg.anomalyZ) continue;
    // A callee slow in itself (exclusive latency) explains its callers as much as one slow end to end.
    const l = Math.max(callee.latency, callee.own);
    if (l > strongest) {
      strongest = l;
      f.explainedBy = c;
    }
  }
  const explained = f.latency > 0 ? Math.min(1, strongest / (cfg.explainRatio * f.latency)) : 0;
  if (explained === 0) f.explainedBy = undefined;
  const latency = f.latency * (1 - cfg.propagationDiscount * explained);
  const [first, second] = [latency, f.resource].sort((a, b) => b - a);
  f.combined = (first ?? 0) + cfg.breadthWeight * (second ?? 0);
}

function posterior(
  all: ServiceFacts[],
  input: RcaInput,
  cfg: RcaConfig,
  callees: Map<string, string[]>,
  facts: Map<string, ServiceFacts>,
): RankedCause[] {
  const callers = new Map<string, string[]>();
  for (const [src, targets] of callees) for (const t of targets) appendTo(callers, t, src);
  const scored = all.map((f) => {
    const evidence = anomalyEvidence(f, cfg);
    let logPost = f.combined / cfg.temperature;
    const prior = input.priors?.[f.service];
    if (prior !== undefined && prior > 0 && prior !== 1) {
      logPost += Math.log(prior);
      evidence.push({
        kind: 'history',
        prior,
        summary: `confirmed as root cause in similar past incidents (prior ×${prior.toFixed(2)})`,
      });
    }
    for (const c of recentChanges(f.service, input, cfg)) {
      logPost += Math.log(cfg.changeBoost);
      const ago = Math.round((input.anomalyTime - c.at) / MINUTE);
      evidence.push({
        kind: 'change',
        at: c.at,
        change: `${c.kind}: ${c.description}`,
        summary: `${c.kind} ${ago} min before the anomaly: ${c.description}`,
      });
    }
    const path = propagationPath(f.service, callers, facts, cfg);
    if (path.length > 1) {
      evidence.push({
        kind: 'propagation',
        path,
        summary: `callers with latency anomalies along ${path.join(' → ')}`,
      });
    }
    return { f, logPost, evidence };
  });
  const max = Math.max(...scored.map((s) => s.logPost));
  // Services with no anomalous signal, change or history keep only a sliver of the probability mass.
  const weights = scored.map(
    (s) => Math.exp(s.logPost - max) * (s.evidence.some((e) => e.kind !== 'propagation') ? 1 : QUIET_SHARE),
  );
  const total = weights.reduce((a, b) => a + b, 0) || 1;
  const rows = scored.map((s, i) => ({ ...s, probability: round((weights[i] ?? 0) / total) }));
  // The ranking is the order of the final probability (the quiet share can reorder raw scores).
  rows.sort((a, b) => b.probability - a.probability || b.logPost - a.logPost || BY_NAME.compare(a.f.service, b.f.service));
  return rows.map((s, i) => {
    const cause: RankedCause = {
      service: s.f.service,
      metric: s.f.signals[0]?.metric,
      score: round(s.logPost * cfg.temperature),
      probability: s.probability,
      evidence: s.evidence,
      sources: sourcesOf(s.evidence),
      explanation: '',
    };
    cause.explanation = explain(cause, i + 1, s.f.explainedBy);
    return cause;
  });
}

/** localeCompare's order (the same default collator) without building a collator per call: quiet services tie by the thousand. */
const BY_NAME = new Intl.Collator();

const SOURCE_ORDER: EvidenceSource[] = ['metrics', 'traces', 'logs', 'detection', 'events', 'history'];

function sourcesOf(evidence: Evidence[]): EvidenceSource[] {
  const used = new Set<EvidenceSource>();
  for (const e of evidence) {
    if (e.kind === 'anomaly') used.add(e.source);
    else if (e.kind === 'change') used.add('events');
    else if (e.kind === 'history') used.add('history');
  }
  return SOURCE_ORDER.filter((s) => used.has(s));
}

function anomalyEvidence(f: ServiceFacts, cfg: RcaConfig): Evidence[] {
  return f.signals
    .filter((s) => s.z >= cfg.anomalyZ)
    .slice(0, 5)
    .map((s) => ({
      kind: 'anomaly' as const,
      metric: s.metric,
      metricKind: s.kind,
      z: round(s.z),
      baseline: round(s.baseline),
      observed: round(s.observed),
      onset: s.onset,
      source: s.source,
      summary: describeSignal(s),
    }));
}

function describeSignal(s: SeriesScore): string {
  if (s.summary) return s.summary;
  if (!Number.isFinite(s.baseline)) return `${s.metric} flagged by detection (z≈${s.z.toFixed(1)})`;
  if (s.flatBaseline) return `${s.metric} went from a constant ${fmt(s.baseline)} to ${fmt(s.observed)} (no variation before, so no z-score)`;
  const ratio = s.baseline !== 0 ? s.observed / s.baseline : NaN;
  const change = Number.isFinite(ratio) && ratio > 0 ? ` (${ratio.toFixed(ratio >= 10 ? 0 : 1)}× baseline)` : '';
  return `${s.metric} went from ${fmt(s.baseline)} to ${fmt(s.observed)}${change}, z=${s.z.toFixed(1)}`;
}

function recentChanges(service: string, input: RcaInput, cfg: RcaConfig) {
  const from = input.anomalyTime - cfg.changeWindowMinutes * MINUTE;
  return (input.changes ?? []).filter((c) => c.service === service && c.at >= from && c.at <= input.anomalyTime + MINUTE);
}

/** The chain of anomalous callers above a candidate, longest first: how its fault reached the edge. */
function propagationPath(
  service: string,
  callers: Map<string, string[]>,
  facts: Map<string, ServiceFacts>,
  cfg: RcaConfig,
): string[] {
  const threshold = Math.log1p(cfg.anomalyZ);
  const path = [service];
  const seen = new Set(path);
  for (let cur = service; ; ) {
    const next = (callers.get(cur) ?? [])
      .filter((c) => !seen.has(c) && (facts.get(c)?.latency ?? 0) >= threshold)
      .sort((a, b) => (facts.get(b)?.latency ?? 0) - (facts.get(a)?.latency ?? 0))[0];
    if (!next) break;
    path.unshift(next);
    seen.add(next);
    cur = next;
  }
  return path;
}

/** Adds to a key's list in place (a copy per edge made graph building quadratic in a service's degree). */
function appendTo(lists: Map<string, string[]>, key: string, value: string): void {
  const list = lists.get(key);
  if (list) list.push(value);
  else lists.set(key, [value]);
}

/** One cycle in the call graph, if any (iterative DFS with colours). */
export function findCycle(adj: Map<string, string[]>): string[] | undefined {
  const colour = new Map<string, 1 | 2>();
  for (const start of adj.keys()) {
    if (colour.has(start)) continue;
    const stack: Array<{ node: string; next: number }> = [{ node: start, next: 0 }];
    const onPath: string[] = [start];
    colour.set(start, 1);
    while (stack.length) {
      const top = stack[stack.length - 1];
      if (!top) break;
      const out = adj.get(top.node) ?? [];
      const child = out[top.next++];
      if (child === undefined) {
        colour.set(top.node, 2);
        stack.pop();
        onPath.pop();
      } else if (colour.get(child) === 1) {
        return [...onPath.slice(onPath.indexOf(child)), child];
      } else if (!colour.has(child)) {
        colour.set(child, 1);
        stack.push({ node: child, next: 0 });
        onPath.push(child);
      }
    }
  }
  return undefined;
}

function round(x: number): number {
  return Number.isFinite(x) ? Math.round(x * 1e4) / 1e4 : x;
}

function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  return a >= 100 ? x.toFixed(0) : a >= 1 ? x.toFixed(2) : x.toPrecision(2);
}
