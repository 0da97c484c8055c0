import { InputError } from '../platform/errors.js';
import { DEFAULT_RCA_CONFIG, type RcaConfig } from './config.js';
import { explain } from './explain.js';
import { isLatencyKind, metricKind } from './metric-kinds.js';
import { scoreSeries, type SeriesScore } from './series-score.js';
import type { Evidence, RankedCause, RcaInput, RcaResult } from './types.js';

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
  const series = input.series ?? [];
  const anomalies = input.anomalies ?? [];
  if (series.length === 0 && anomalies.length === 0) {
    throw new InputError('nothing to rank: the input has neither metric series nor anomaly events');
  }
  const signals = scoreAll(input, cfg, warnings);
  const facts = new Map<string, ServiceFacts>();
  const factsOf = (service: string) => {
    let f = facts.get(service);
    if (!f) facts.set(service, (f = { service, signals: [], latency: 0, latencyZ: 0, resource: 0, combined: 0 }));
    return f;
  };
  for (const s of signals) factsOf(s.service).signals.push(s);
  for (const s of input.services ?? []) factsOf(s);

  const callees = buildCallees(input, facts, warnings);
  for (const f of facts.values()) summarise(f, cfg);
  for (const f of facts.values()) discountPropagated(f, callees, facts, cfg);

  const ranking = posterior([...facts.values()], input, cfg, callees, facts);
  if (ranking.every((r) => r.score === 0)) warnings.push('no series deviates from its baseline: the ranking is a guess');
  const signature: Record<string, number> = {};
  for (const f of facts.values()) if (f.combined > 0) signature[f.service] = Math.round(f.combined * 1e4) / 1e4;
  return { ranking, warnings, signature };
}

function scoreAll(input: RcaInput, cfg: RcaConfig, warnings: string[]): SeriesScore[] {
  const out: SeriesScore[] = [];
  const skipped = new Map<string, string[]>();
  for (const s of input.series ?? []) {
    const r = scoreSeries(s, input.anomalyTime, cfg, input.windowStart);
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
    out.push({ service: a.service, metric: a.metric, kind: metricKind(a.metric), z, baseline: NaN, observed: NaN, onset: a.at });
  }
  return out;
}

function buildCallees(input: RcaInput, facts: Map<string, ServiceFacts>, warnings: string[]): Map<string, string[]> {
  const callees = new Map<string, string[]>();
  const unknown = new Set<string>();
  for (const { source, target } of input.edges ?? []) {
    if (source === target) continue;
    for (const s of [source, target]) if (!facts.has(s)) unknown.add(s);
    callees.set(source, [...(callees.get(source) ?? []), target]);
  }
  if (unknown.size) {
    warnings.push(`call graph names services without metrics: ${[...unknown].sort().join(', ')}`);
    for (const s of unknown) facts.set(s, { service: s, signals: [], latency: 0, latencyZ: 0, resource: 0, combined: 0 });
  }
  const cycle = findCycle(callees);
  if (cycle) warnings.push(`call graph has a cycle (${cycle.join(' → ')}); each edge is still used on its own`);
  return callees;
}

function weightOf(s: SeriesScore, cfg: RcaConfig): number {
  return (cfg.kindWeights[s.kind] ?? 1) * Math.log1p(s.z);
}

function summarise(f: ServiceFacts, cfg: RcaConfig): void {
  f.signals.sort((a, b) => weightOf(b, cfg) - weightOf(a, cfg));
  for (const s of f.signals) {
    const w = weightOf(s, cfg);
    if (isLatencyKind(s.kind)) {
      f.latency = Math.max(f.latency, w);
      f.latencyZ = Math.max(f.latencyZ, s.z);
    }
    else f.resource = Math.max(f.resource, w);
  }
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
    if (!callee || callee.latencyZ < cfg.anomalyZ) continue;
    const l = callee.latency;
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
  for (const [src, targets] of callees) for (const t of targets) callers.set(t, [...(callers.get(t) ?? []), src]);
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
  scored.sort((a, b) => b.logPost - a.logPost || a.f.service.localeCompare(b.f.service));
  const max = scored[0]?.logPost ?? 0;
  // Services with no anomalous signal, change or history keep only a sliver of the probability mass.
  const weights = scored.map(
    (s) => Math.exp(s.logPost - max) * (s.evidence.some((e) => e.kind !== 'propagation') ? 1 : QUIET_SHARE),
  );
  const total = weights.reduce((a, b) => a + b, 0) || 1;
  return scored.map((s, i) => {
    const cause: RankedCause = {
      service: s.f.service,
      metric: s.f.signals[0]?.metric,
      score: round(s.logPost * cfg.temperature),
      probability: round((weights[i] ?? 0) / total),
      evidence: s.evidence,
      explanation: '',
    };
    cause.explanation = explain(cause, i + 1, s.f.explainedBy);
    return cause;
  });
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
      summary: describeSignal(s),
    }));
}

function describeSignal(s: SeriesScore): string {
  if (!Number.isFinite(s.baseline)) return `${s.metric} flagged by detection (z≈${s.z.toFixed(1)})`;
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
