import type { ServiceGraphPort } from '../graph/port.js';
import { InputError } from '../platform/errors.js';
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import type { LogSource, MetricsSource, TraceSource } from '../sources/types.js';
import type { IncidentRepository } from '../store/incidents.js';
import type { IncidentDetail } from '../store/types.js';
import { DEFAULT_RCA_CONFIG, type RcaConfig } from './config.js';
import { historyPriors } from './history.js';
import { rankRootCauses } from './rank.js';
import type { RcaStore, RootCauseVerdict, StoredRca } from './store.js';
import type { AnomalyEventInput, ChangeEventInput, LogLineInput, MetricSeriesInput, RcaInput, RcaResult, SpanInput } from './types.js';

const MINUTE = 60_000;

/** Anomaly events around a time, from detection (built elsewhere; RCA needs only this). */
export interface AnomalyFeed {
  anomaliesBetween(from: number, to: number): Promise<AnomalyEventInput[]>;
}

/** Deploys and config changes, from Kubernetes events. */
export interface ChangeFeed {
  changesBetween(from: number, to: number): Promise<ChangeEventInput[]>;
}

export interface RcaServiceDeps {
  incidents: IncidentRepository;
  store: RcaStore;
  graph: ServiceGraphPort;
  clock: Clock;
  logger: Logger;
  metrics?: MetricsSource;
  /** Loki or the simulator: mined into error templates per service. */
  logs?: LogSource;
  /** Tempo or the simulator: per-service exclusive latency, network gaps, the call graph. */
  traces?: TraceSource;
  anomalies?: AnomalyFeed;
  changes?: ChangeFeed;
  config?: RcaConfig;
}

export interface RcaService {
  /** Runs the analysis now and stores it. */
  analyse(incidentId: string): Promise<StoredRca>;
  /** The stored analysis, or a fresh one when there is none yet. */
  get(incidentId: string, opts?: { refresh?: boolean }): Promise<StoredRca>;
  /** A person confirms or corrects the root cause; the history priors learn from it. */
  recordRootCause(
    incidentId: string,
    input: { service: string; metric?: string; comment?: string },
    actor: string,
  ): Promise<RootCauseVerdict>;
  /** Root-cause probability per service across open incidents (for the graph's rootCause field). */
  rootCauseProbabilities(): Promise<Map<string, number>>;
}

const MAX_SCOPE = 200;

/**
 * Which services to fetch metrics for: the incident's services, everything they call (a cause sits
 * downstream of its symptoms) and their direct callers. Undefined = all (no services named, or a scope
 * too large to fetch one by one).
 */
export function candidateScope(named: readonly string[], graph: ServiceGraphPort): string[] | undefined {
  if (named.length === 0) return undefined;
  const scope = new Set<string>(named);
  const stack = [...named];
  while (stack.length) {
    const cur = stack.pop() ?? '';
    for (const next of graph.downstream(cur)) {
      if (!scope.has(next)) {
        scope.add(next);
        stack.push(next);
      }
    }
  }
  for (const s of named) for (const caller of graph.upstream(s)) scope.add(caller);
  return scope.size > MAX_SCOPE ? undefined : [...scope].sort();
}

/** Most log lines and traces one analysis reads: enough for the window's templates and per-minute trace features. */
const MAX_LOG_LINES = 50_000;
const MAX_TRACES = 2_000;

async function gatherLogsAndSpans(
  deps: Pick<RcaServiceDeps, 'logs' | 'traces'>,
  from: number,
  to: number,
  warnings: string[],
): Promise<{ logs?: LogLineInput[]; spans?: SpanInput[] }> {
  const [logs, traces] = await Promise.all([
    deps.logs?.queryLogs({ from, to, limit: MAX_LOG_LINES }),
    deps.traces?.querySpans({ from, to, limit: MAX_TRACES }),
  ]);
  for (const e of [...(logs?.errors ?? []), ...(traces?.errors ?? [])]) warnings.push(`${e.source}: ${e.message}`);
  return {
    logs: logs?.results.map((l) => ({ time: l.t, service: l.service, message: l.message })),
    spans: traces?.results,
  };
}

export function createRcaService(deps: RcaServiceDeps): RcaService {
  const cfg = deps.config ?? DEFAULT_RCA_CONFIG;

  const gather = async (incident: IncidentDetail): Promise<{ input: RcaInput; warnings: string[] }> => {
    const t0 = Date.parse(incident.started_at);
    const from = t0 - (cfg.baselineMinutes + 5) * MINUTE;
    const to = Math.min(t0 + cfg.abnormalMinutes * MINUTE, deps.clock.nowMs());
    const warnings: string[] = [];
    const series: MetricSeriesInput[] = [];
    if (deps.metrics) {
      const scope = candidateScope(incident.services, deps.graph);
      const batches = scope
        ? await Promise.all(scope.map((service) => deps.metrics?.queryRange({ from, to, stepMs: MINUTE, service })))
        : [await deps.metrics.queryRange({ from, to, stepMs: MINUTE })];
      for (const got of batches) {
        if (!got) continue;
        for (const s of got.results) {
          series.push({ service: s.key.service, metric: s.key.metric, ...columns(s.points) });
        }
        warnings.push(...got.errors.map((e) => `metrics source ${e.source}: ${e.message}`));
      }
    } else warnings.push('no metrics source configured: ranking from anomaly events and alerts only');
    const { logs, spans } = await gatherLogsAndSpans(deps, from, to, warnings);
    const anomalies = deps.anomalies ? await deps.anomalies.anomaliesBetween(from, to) : [];
    // Firing alerts that joined the incident count as evidence on their service.
    for (const s of incident.signals) {
      if (s.service && s.status === 'firing') {
        anomalies.push({ service: s.service, metric: `alert:${s.source}`, at: Date.parse(s.received_at), score: 0.9 });
      }
    }
    // Services the incident itself names are weak evidence, so an incident without data still ranks.
    for (const service of incident.services) anomalies.push({ service, metric: 'named-by-incident', at: t0, score: 0.5 });
    const changes = deps.changes ? await deps.changes.changesBetween(t0 - cfg.changeWindowMinutes * MINUTE, to) : [];
    return {
      input: {
        anomalyTime: t0,
        series,
        anomalies,
        changes,
        edges: deps.graph.edges(),
        services: [...new Set([...deps.graph.services(), ...incident.services])],
        logs,
        spans,
      },
      warnings,
    };
  };

  const analyse = async (incidentId: string): Promise<StoredRca> => {
    const incident = await deps.incidents.getDetail(incidentId);
    const { input, warnings } = await gather(incident);
    let result: RcaResult;
    try {
      const first = rankRootCauses(input, cfg);
      const priors = historyPriors(first.signature, await deps.store.pastVerdicts());
      result = Object.keys(priors).length ? rankRootCauses({ ...input, priors }, cfg) : first;
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      result = { ranking: [], faultTime: input.anomalyTime, warnings: [err.message], signature: {} };
    }
    const stored = await deps.store.saveResult({
      incident_id: incidentId,
      ranking: result.ranking.slice(0, 20),
      warnings: [...warnings, ...result.warnings],
      signature: result.signature,
      fault_time: Number.isFinite(result.faultTime) ? new Date(result.faultTime).toISOString() : null,
    });
    deps.logger.info('root cause analysis stored', {
      incidentId,
      top: stored.ranking[0]?.service,
      probability: stored.ranking[0]?.probability,
    });
    return stored;
  };

  return {
    analyse,
    async get(incidentId, opts = {}) {
      if (!opts.refresh) {
        await deps.incidents.get(incidentId);
        const stored = await deps.store.latestResult(incidentId);
        if (stored) return stored;
      }
      return analyse(incidentId);
    },
    async recordRootCause(incidentId, input, actor) {
      await deps.incidents.get(incidentId);
      const latest = (await deps.store.latestResult(incidentId)) ?? (await analyse(incidentId));
      const previousTop = latest.ranking[0]?.service ?? null;
      const verdict = previousTop === input.service ? 'confirmed' : 'corrected';
      const saved = await deps.store.addVerdict({
        incident_id: incidentId,
        service: input.service,
        metric: input.metric ?? null,
        verdict,
        previous_top: previousTop,
        signature: latest.signature,
        comment: input.comment ?? null,
        actor,
      });
      await deps.store.setIncidentRootCause(incidentId, {
        service: input.service,
        metric: input.metric ?? null,
        verdict,
        by: actor,
      });
      await deps.incidents.addTimeline(incidentId, {
        kind: 'root_cause',
        actor,
        message:
          verdict === 'confirmed'
            ? `root cause confirmed: ${input.service}`
            : `root cause corrected to ${input.service} (Aegis ranked ${previousTop ?? 'nothing'} first)`,
        data: { service: input.service, metric: input.metric ?? null, verdict },
      });
      return saved;
    },
    async rootCauseProbabilities() {
      const out = new Map<string, number>();
      for (const r of await deps.store.latestOpenResults()) {
        for (const c of r.ranking) out.set(c.service, Math.max(out.get(c.service) ?? 0, c.probability));
      }
      return out;
    },
  };
}

/**
 * Times and values as packed arrays (pushed, not map()ped: V8 makes an array map() fills in optimised
 * code holey, and the scorer then boxes every value it reads, a heap number per point).
 */
function columns(points: ReadonlyArray<readonly [number, number]>): { times: number[]; values: number[] } {
  const times: number[] = [];
  const values: number[] = [];
  for (const [t, v] of points) {
    times.push(t);
    values.push(v);
  }
  return { times, values };
}
