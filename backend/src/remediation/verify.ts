import { mad, median } from '../rca/stats.js';
import type { MetricsSource } from '../sources/types.js';
import type { DeploymentState } from './types.js';

const MIN = 60_000;

/** The rollout finished: the controller saw the new spec and every desired pod is updated, ready and alone. */
export function rolloutComplete(s: DeploymentState): boolean {
  return (
    s.observedGeneration >= s.generation &&
    s.updatedReplicas >= s.replicas &&
    s.availableReplicas >= s.replicas &&
    s.pods.length === s.replicas
  );
}

export function podsReady(s: DeploymentState): boolean {
  return s.pods.length >= s.replicas && s.pods.every((p) => p.ready);
}

/** What one check looks at; `metric: null` is the target's readiness (rollout complete, every pod ready). */
export interface CheckSpec {
  id: string;
  description: string;
  service: string;
  metric: string | null;
  /** `down`: the value must be at most `limit`; `up`: at least. */
  direction?: 'down' | 'up';
  limit?: number;
  /** The check proves the fault itself is gone (opening signals, the target's errors), not only that nothing broke. */
  fault?: boolean;
  /**
   * Passes once it is met after settling and stays passed: memory that grows with container age (a leak)
   * drops at a restart and grows again; the restart is the mitigation, not a cure that holds a window.
   */
  latch?: boolean;
}

export type CheckStatus = 'pending' | 'holding' | 'passed' | 'failed';

/** One check as the API shows it (contract shared with the incident workspace). */
export interface VerificationCheck {
  id: string;
  description: string;
  service: string;
  metric: string | null;
  status: CheckStatus;
  observed: number | null;
  expected: string | null;
}

export type VerificationPhase = 'settling' | 'checking' | 'passed' | 'failed' | 'inconclusive';

/** `remediations.verification`: the shared shape plus what a resumed backend needs to carry on. */
export interface VerificationRecord {
  phase: VerificationPhase;
  settle_until: string | null;
  window_until: string | null;
  checks: VerificationCheck[];
  attributed: boolean;
  reason: string;
  deadline: string;
  applied_at: string;
  resumed: boolean;
  specs: CheckSpec[];
  /** Checks of the fault that were failing when the action landed (nothing failing = nothing to attribute). */
  failing_at_apply: string[];
  /** Other checks (callers) already failing when the action landed: another fault's doing, not this action's. */
  broken_at_apply?: string[];
  /** The target before the action, to tell "did not help" from "made it worse". */
  before: { ready_pods: number; error_rate: number | null };
  /** Latched checks already met. */
  latched?: string[];
}

export interface Observation {
  ok: boolean;
  observed: number | null;
}

/** Mean of the last two finite points of a service-level series over the last two minutes (null: no data). */
export async function latestValue(metrics: MetricsSource, service: string, metric: string, nowMs: number, namespace?: string): Promise<number | null> {
  const got = await metrics.queryRange({ namespace, service, metric, from: nowMs - 2 * MIN, to: nowMs, stepMs: 15_000 });
  const points = got.results.find((s) => s.key.service === service && s.key.metric === metric && !s.key.pod)?.points ?? [];
  const recent = points.map((p) => p[1]).filter((v) => Number.isFinite(v)).slice(-2);
  return recent.length ? recent.reduce((a, b) => a + b, 0) / recent.length : null;
}

/** A stretch of time a service was disturbed (an anomaly open on it): not its normal level. */
export interface Period {
  fromMs: number;
  toMs: number;
}

/** The periods a service was disturbed between two times (detection's anomalies on it); left out of its baseline. */
export type DisturbedPeriods = (service: string, fromMs: number, toMs: number, namespace?: string) => Promise<Period[]>;

/** How far back a baseline may reach for an hour of undisturbed points when the last hour held earlier faults. */
const BASELINE_LOOKBACK_MS = 3 * 60 * MIN;
/** An hour of one-minute points: the baseline's size. */
const BASELINE_POINTS = 60;
/** Fewer undisturbed points than this and the baseline falls back to the last hour, robustly. */
const MIN_QUIET_POINTS = 15;
/** A disturbance is taken to start a little before detection saw it and to fade out after it closed. */
const LEAD_MS = 2 * MIN;
const TAIL_MS = 5 * MIN;
/** Points this many robust deviations from the median are an episode detection did not report, not the normal level. */
const OUTLIER_MADS = 6;

/** The mean of a service's metric before `startMs`, leaving disturbed periods out (its normal level). */
export async function baselineValue(metrics: MetricsSource, service: string, metric: string, startMs: number, namespace?: string, disturbed?: DisturbedPeriods): Promise<number | null> {
  return (await baselineStats(metrics, service, metric, startMs, namespace, disturbed))?.mean ?? null;
}

/**
 * Mean and standard deviation of a service's metric before `startMs`: its normal level and how much it moves on
 * its own. The hour before an incident may hold earlier faults (their spikes would raise the bar a "recovered"
 * service must meet): the baseline is the last hour of points outside the periods detection saw the service
 * disturbed (reaching back up to three hours for them), with points far out of line with the rest (an episode
 * detection missed) dropped too. Too few undisturbed points: the last hour, with the same outliers dropped.
 */
export async function baselineStats(
  metrics: MetricsSource,
  service: string,
  metric: string,
  startMs: number,
  namespace?: string,
  disturbed?: DisturbedPeriods,
): Promise<{ mean: number; sd: number } | null> {
  const to = startMs - 2 * MIN;
  const from = startMs - (disturbed ? BASELINE_LOOKBACK_MS : 60 * MIN);
  const got = await metrics.queryRange({ namespace, service, metric, from, to, stepMs: MIN });
  const points = (got.results.find((s) => s.key.service === service && s.key.metric === metric && !s.key.pod)?.points ?? []).filter((p) => Number.isFinite(p[1]) && p[0] >= from && p[0] <= to);
  const lastHour = points.filter((p) => p[0] >= startMs - 60 * MIN);
  let chosen = lastHour;
  if (disturbed) {
    const periods = await disturbed(service, from - TAIL_MS, to, namespace).catch(() => [] as Period[]);
    const quiet = points.filter(([t]) => !periods.some((d) => t >= d.fromMs - LEAD_MS && t <= d.toMs + TAIL_MS));
    if (quiet.length >= MIN_QUIET_POINTS) chosen = quiet.slice(-BASELINE_POINTS);
  }
  const vs = withoutOutliers(chosen.map((p) => p[1]));
  if (!vs.length) return null;
  const mean = vs.reduce((a, b) => a + b, 0) / vs.length;
  return { mean, sd: Math.sqrt(vs.reduce((a, v) => a + (v - mean) ** 2, 0) / vs.length) };
}

/** The values within `OUTLIER_MADS` robust deviations of their median (the deviation floored at 10% of the median's size). */
function withoutOutliers(vs: number[]): number[] {
  if (vs.length < 5) return vs;
  const centre = median(vs);
  const spread = Math.max(1.4826 * mad(vs, centre), 0.1 * Math.abs(centre), Number.EPSILON);
  return vs.filter((v) => Math.abs(v - centre) <= OUTLIER_MADS * spread);
}

/** An error rate counts as normal up to twice its baseline, plus two points, and never below 1%. */
export const errorLimit = (baseline: number | null) => Math.max((baseline ?? 0) * 2, (baseline ?? 0) + 0.02, 0.01);

/**
 * A moved metric is back when within a quarter of the way from its baseline (at least 10% of the baseline
 * away, and at least the 3 standard deviations it moved by on its own in the baseline hour — traffic ramping
 * up in the morning moves a p99 more than 10% within the hour); a latency at most 50% above its baseline,
 * whatever the spike was (a p99 that jumped 20× is not "back" at 5×: users still feel it).
 */
export function recoveryLimit(baseline: number, observed: number, metric = '', sd = 0): { direction: 'down' | 'up'; limit: number } {
  const quarter = 0.25 * Math.abs(observed - baseline);
  const cap = metric.startsWith('latency') ? 0.5 * Math.abs(baseline) : Infinity;
  const slack = Math.max(Math.min(quarter, cap), 0.1 * Math.abs(baseline), Math.min(3 * sd, cap));
  return observed >= baseline ? { direction: 'down', limit: baseline + slack } : { direction: 'up', limit: baseline - slack };
}

/** The lowest point of a service-level series from `sinceMs` to `nowMs` (null: no data). */
export async function lowestSince(metrics: MetricsSource, service: string, metric: string, sinceMs: number, nowMs: number, namespace?: string): Promise<number | null> {
  const got = await metrics.queryRange({ namespace, service, metric, from: sinceMs, to: nowMs, stepMs: 15_000 });
  const points = got.results.find((s) => s.key.service === service && s.key.metric === metric && !s.key.pod)?.points ?? [];
  const vs = points.filter((p) => p[0] >= sinceMs).map((p) => p[1]).filter((v) => Number.isFinite(v));
  return vs.length ? Math.min(...vs) : null;
}

/**
 * One measurement of a check. A latched check, once the action has landed (`actionAtMs`), is judged by its
 * lowest value since then: memory that grows with container age is back at a fresh container's level only
 * for the moments after the restart, and a fast leak has grown past the limit again before settling ends.
 */
export async function observe(spec: CheckSpec, state: DeploymentState, metrics: MetricsSource | undefined, nowMs: number, namespace?: string, actionAtMs?: number): Promise<Observation> {
  if (spec.metric === null) {
    const ready = state.pods.filter((p) => p.ready).length;
    return { ok: rolloutComplete(state) && podsReady(state), observed: ready };
  }
  if (!metrics || spec.limit === undefined) return { ok: false, observed: null };
  const sinceAction = spec.latch && spec.direction !== 'up' && actionAtMs !== undefined && actionAtMs < nowMs;
  const v = sinceAction ? await lowestSince(metrics, spec.service, spec.metric, actionAtMs, nowMs, namespace) : await latestValue(metrics, spec.service, spec.metric, nowMs, namespace);
  if (v === null) return { ok: false, observed: null };
  return { ok: spec.direction === 'up' ? v >= spec.limit : v <= spec.limit, observed: v };
}

export function expectedText(spec: CheckSpec, state?: DeploymentState): string | null {
  if (spec.metric === null) return state ? `${state.replicas} of ${state.replicas} pods ready, rollout complete` : 'every pod ready, rollout complete';
  if (spec.limit === undefined) return null;
  return `${spec.direction === 'up' ? '≥' : '≤'} ${round(spec.limit)}`;
}

const round = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toPrecision(3));
