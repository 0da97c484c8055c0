import type { MetricsSource } from '../sources/types.js';
import type { IncidentDetail } from '../store/types.js';
import type { DeploymentState, Trigger } from './types.js';
import {
  baselineStats,
  baselineValue,
  type CheckSpec,
  type DisturbedPeriods,
  errorLimit,
  expectedText,
  latestValue,
  observe,
  recoveryLimit,
  type VerificationCheck,
  type VerificationRecord,
} from './verify.js';

export interface VerificationTiming {
  /** No check counts before this much time after the action (pods start, caches warm, queues drain). */
  settleMs: number;
  /** Every check must hold this long without a break. */
  windowMs: number;
  /** Verification ends (failed) at this long after the action. */
  deadlineMs: number;
}

export interface VerificationInputs {
  metrics?: MetricsSource;
  /** Services that call a service (the graph's upstream). */
  callers?: (service: string) => string[];
  /** When each service was disturbed (detection's anomalies): left out of the baselines checks are judged against. */
  disturbed?: DisturbedPeriods;
}

const MAX_CALLERS = 4;
/** Metrics that grow with container age under a leak: a restart resets them, then they grow again. */
const GROWS_WITH_AGE = new Set(['memory']);
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The checks for one action: the target's readiness and error rate, the triggering metric, the signals
 * that opened the incident, and the callers' error rates — each against its level before the incident.
 */
export async function planChecks(
  io: VerificationInputs,
  target: { namespace: string; name: string },
  trigger: Trigger | undefined,
  incident: IncidentDetail | undefined,
  nowMs: number,
  action?: string,
): Promise<CheckSpec[]> {
  const specs: CheckSpec[] = [{ id: 'target-ready', description: `${target.name}: rollout complete and every pod ready`, service: target.name, metric: null }];
  const m = io.metrics;
  if (!m) return specs;
  const startMs = incident ? Date.parse(incident.started_at) : nowMs - 10 * 60_000;
  const ns = target.namespace;
  const seen = new Set<string>();
  const add = (s: CheckSpec) => {
    const key = `${s.service}:${s.metric}`;
    if (seen.has(key)) return;
    seen.add(key);
    specs.push(s);
  };
  if (trigger) {
    // The same bar as the opening signals: a latency that spiked 300× is not back at 2× (a quarter of the way down).
    const own = await baselineStats(m, trigger.service, trigger.metric, startMs, ns, io.disturbed);
    const { direction, limit } = recoveryLimit(trigger.baseline, trigger.observed, trigger.metric, own?.sd);
    const latch = GROWS_WITH_AGE.has(trigger.metric);
    add({ id: `trigger:${trigger.service}:${trigger.metric}`, description: `${trigger.service} ${trigger.metric} back near its baseline ${round(trigger.baseline)}${latch ? ' after the action (its lowest since)' : ''}`, service: trigger.service, metric: trigger.metric, direction, limit, fault: true, latch });
  }
  const base = await baselineValue(m, target.name, 'error_rate', startMs, ns, io.disturbed);
  add({ id: `errors:${target.name}`, description: `${target.name} error rate at its normal level`, service: target.name, metric: 'error_rate', direction: 'down', limit: errorLimit(base), fault: true });
  for (const s of openingSignals(incident)) {
    // Scaling out adds capacity, it does not remove demand: the service's total CPU stays up while it recovers.
    if (action === 'scale-out' && s.service === target.name && s.metric === 'cpu') continue;
    const stats = await baselineStats(m, s.service, s.metric, startMs, ns, io.disturbed);
    const now = await latestValue(m, s.service, s.metric, nowMs, ns);
    if (stats === null || now === null) continue;
    const b = stats.mean;
    const { direction, limit } = s.metric === 'error_rate' ? { direction: 'down' as const, limit: errorLimit(b) } : recoveryLimit(b, now, s.metric, stats.sd);
    const latch = GROWS_WITH_AGE.has(s.metric);
    add({ id: `signal:${s.service}:${s.metric}`, description: `${s.service} ${s.metric} (which opened the incident) back near its baseline ${round(b)}${latch ? ' after the action (its lowest since)' : ''}`, service: s.service, metric: s.metric, direction, limit, fault: true, latch });
  }
  for (const caller of (io.callers?.(target.name) ?? []).slice(0, MAX_CALLERS)) {
    const b = await baselineValue(m, caller, 'error_rate', startMs, ns, io.disturbed);
    add({ id: `errors:${caller}`, description: `caller ${caller} error rate at its normal level`, service: caller, metric: 'error_rate', direction: 'down', limit: errorLimit(b) });
  }
  return specs;
}

/** The (service, metric) pairs of the anomaly signals that opened or joined the incident. */
function openingSignals(incident: IncidentDetail | undefined): Array<{ service: string; metric: string }> {
  const out: Array<{ service: string; metric: string }> = [];
  for (const s of incident?.signals ?? []) {
    const metric = (s.payload as { metric?: unknown } | null)?.metric;
    if (s.service && typeof metric === 'string') out.push({ service: s.service, metric });
  }
  return out.slice(0, 6);
}

export interface Evaluated {
  spec: CheckSpec;
  ok: boolean;
  observed: number | null;
}

/** Measures every check now; `actionAtMs` (when the action landed) lets latched checks see their lowest value since. */
export async function evaluate(specs: CheckSpec[], state: DeploymentState, metrics: MetricsSource | undefined, nowMs: number, actionAtMs?: number): Promise<Evaluated[]> {
  const out: Evaluated[] = [];
  for (const spec of specs) out.push({ spec, ...(await observe(spec, state, metrics, nowMs, state.namespace, actionAtMs)) });
  return out;
}

/** The record written when the action lands: checks planned, what was failing then, the target's state before. */
export function startRecord(specs0: CheckSpec[], atApply0: Evaluated[], before: DeploymentState, timing: VerificationTiming, appliedMs: number, resumed: boolean): VerificationRecord {
  const errors = atApply0.find((e) => e.spec.id === `errors:${before.name}`);
  // A caller check is there to catch the action breaking its callers: one already failing when it landed (another
  // fault on a shared caller) asks only that the action did not make it worse.
  const atApply = atApply0.map((e) => (!e.spec.fault && e.spec.metric !== null && !e.ok && e.observed !== null && e.spec.limit !== undefined ? { ...e, spec: noWorse(e.spec, e.observed) } : e));
  const specs = specs0.map((s) => atApply.find((e) => e.spec.id === s.id)?.spec ?? s);
  return {
    phase: 'settling',
    settle_until: iso(appliedMs + timing.settleMs),
    window_until: null,
    checks: atApply.map((e) => view(e, 'pending', before)),
    attributed: false,
    reason: `settling for ${Math.round(timing.settleMs / 1000)} s before any check counts`,
    deadline: iso(appliedMs + timing.deadlineMs),
    applied_at: iso(appliedMs),
    resumed,
    specs,
    failing_at_apply: atApply.filter((e) => e.spec.fault && !e.ok).map((e) => e.spec.id),
    broken_at_apply: atApply.filter((e) => !e.spec.fault && e.spec.metric !== null && !e.ok).map((e) => e.spec.id),
    before: { ready_pods: before.pods.filter((p) => p.ready).length, error_rate: errors?.observed ?? null },
  };
}

/** The check relaxed to "no worse than when the action landed" (with a little room for noise). */
function noWorse(spec: CheckSpec, atApply: number): CheckSpec {
  const up = spec.direction === 'up';
  const limit = up ? Math.min(spec.limit ?? atApply, atApply - Math.max(0.02, 0.1 * Math.abs(atApply))) : Math.max(spec.limit ?? atApply, atApply + Math.max(0.02, 0.1 * Math.abs(atApply)));
  return { ...spec, limit, description: `${spec.description} (failing already when the action landed: no worse than then)` };
}

const view = (e: Evaluated, status: VerificationCheck['status'], state?: DeploymentState): VerificationCheck => ({
  id: e.spec.id,
  description: e.spec.description,
  service: e.spec.service,
  metric: e.spec.metric,
  status,
  observed: e.observed,
  expected: expectedText(e.spec, state),
});

/**
 * One poll: settling → checking; all checks holding since `window_until - windowMs` and past it → passed;
 * any check failing restarts the window. Zero checks can never pass.
 */
export function advance(rec: VerificationRecord, measured: Evaluated[], state: DeploymentState, nowMs: number, timing: VerificationTiming): VerificationRecord {
  if (nowMs < Date.parse(rec.settle_until ?? rec.applied_at)) {
    return { ...rec, phase: 'settling', checks: measured.map((e) => view(e, 'pending', state)) };
  }
  if (!measured.length) return { ...rec, phase: 'inconclusive', checks: [], reason: 'no check could be made, so the action cannot be verified' };
  const latched = new Set(rec.latched ?? []);
  for (const e of measured) if (e.spec.latch && e.ok) latched.add(e.spec.id);
  const results = measured.map((e) => (latched.has(e.spec.id) ? { ...e, ok: true } : e));
  const next = { ...rec, latched: [...latched] };
  const failing = results.filter((e) => !e.ok);
  if (failing.length) {
    return {
      ...next,
      phase: 'checking',
      window_until: null,
      checks: results.map((e) => view(e, e.ok ? 'holding' : 'failed', state)),
      reason: `not holding yet: ${failing.map((e) => e.spec.description).join('; ')}`,
    };
  }
  const windowUntil = rec.window_until ? Date.parse(rec.window_until) : nowMs + timing.windowMs;
  if (nowMs >= windowUntil) {
    return { ...next, phase: 'passed', window_until: iso(windowUntil), checks: results.map((e) => view(e, 'passed', state)), reason: `all ${results.length} checks held for ${Math.round(timing.windowMs / 1000)} s` };
  }
  return { ...next, phase: 'checking', window_until: iso(windowUntil), checks: results.map((e) => view(e, 'holding', state)), reason: `all ${results.length} checks holding until ${iso(windowUntil)}` };
}

/** Evidence that the action made things worse: fewer ready pods than before, or a clearly higher error rate. */
export function madeWorse(rec: VerificationRecord, results: Evaluated[], target: string): string | null {
  const ready = results.find((e) => e.spec.metric === null)?.observed;
  if (ready !== null && ready !== undefined && ready < rec.before.ready_pods) return `${target} has ${ready} ready pods, fewer than the ${rec.before.ready_pods} before the action`;
  const err = results.find((e) => e.spec.id === `errors:${target}`)?.observed;
  const before = rec.before.error_rate;
  if (err !== null && err !== undefined && before !== null && err > before + Math.max(0.05, before * 0.5)) {
    return `${target} error rate rose from ${round(before)} to ${round(err)} after the action`;
  }
  return null;
}

/**
 * How long the service took to recover after the action landed: until the checks began to hold, not until the
 * window they had to hold for ran out (what the fixer learns a time to recovery from, as the what-if measures it).
 */
export function recoveredAfterMs(rec: Pick<VerificationRecord, 'window_until' | 'applied_at'> | null | undefined, timing: Pick<VerificationTiming, 'windowMs'>): number | null {
  if (!rec?.window_until) return null;
  return Math.max(0, Date.parse(rec.window_until) - timing.windowMs - Date.parse(rec.applied_at));
}

/**
 * Why a failed verification cannot be held against the action (null: it can): as for a pass, and also when
 * every check of the fault held and only callers already failing when it landed did not (another fault on a
 * shared caller, not this one).
 */
export function failureDoubt(rec: VerificationRecord, last: Evaluated[], otherChanges: string[]): string | null {
  const doubt = attributionDoubt(rec, otherChanges);
  if (doubt) return doubt;
  const latched = new Set(rec.latched ?? []);
  const before = new Set(rec.broken_at_apply ?? []);
  const failing = last.filter((e) => !e.ok && !latched.has(e.spec.id));
  if (failing.length && failing.every((e) => !e.spec.fault && before.has(e.spec.id))) {
    return `the fault's own checks held; only ${failing.map((e) => e.spec.id).join(', ')} did not, failing already when the action landed`;
  }
  return null;
}

/** Why a passed verification cannot be credited to the action (null: it can). */
export function attributionDoubt(rec: VerificationRecord, otherChanges: string[]): string | null {
  if (!rec.failing_at_apply.length) return 'the signals were already back to normal when the action landed';
  if (otherChanges.length) return `another change happened in the same period: ${otherChanges.join('; ')}`;
  return null;
}

const round = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toPrecision(3));
