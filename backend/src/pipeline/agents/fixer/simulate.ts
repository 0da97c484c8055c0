import { scaleOutTarget } from '../../../remediation/actions.js';
import { templateChange, type RevisionRecord } from '../../../remediation/types.js';
import type { Simulator } from '../../../sources/simulator/index.js';
import { mulberry32 } from '../../../sources/simulator/random.js';
import type { MetricValues } from '../../../sources/simulator/index.js';
import type { FixerAction } from './bandit.js';
import { faultSignature, type Signature } from './features.js';

const MIN = 60_000;

export interface SimOutcome {
  action: string;
  success: boolean;
  recoveryMs: number | null;
  /** The service's metrics at the end of the horizon. */
  after: Partial<MetricValues>;
}

/** Healthy = what users feel (errors, p99 within 2× + 10 ms) and memory headroom close to what the generated (fault-free) history says this service does at this time. */
export function healthy(now: MetricValues | undefined, base: MetricValues | undefined): boolean {
  if (!now || !base) return false;
  return (
    now.error_rate <= base.error_rate + 0.02 &&
    now.latency_p99 <= base.latency_p99 * 2 + 10 &&
    now.memory <= base.memory * 1.3
  );
}

/**
 * What verification holds a fixed service to, in one frame (remediation/verify.ts): errors at their normal
 * level and latency within 50% of normal (not merely p99 under twice it). Memory is judged apart: it grows
 * with container age, so a restart that brought it down counts even as it grows again (a latched check).
 */
export function meetsVerificationBar(now: MetricValues | undefined, base: MetricValues | undefined): boolean {
  if (!now || !base) return false;
  return (
    now.error_rate <= base.error_rate + 0.02 &&
    now.latency_p50 <= base.latency_p50 * 1.5 &&
    now.latency_p95 <= base.latency_p95 * 1.5 &&
    now.latency_p99 <= base.latency_p99 * 1.5
  );
}

/** Parameters an action may carry (the action library's own, e.g. scale-out's replica count). */
export interface SimActionParams {
  replicas?: number;
}

/** Applies an action to a simulator the way the action library would to a real cluster. */
export function applySimAction(sim: Simulator, service: string, action: string, params: SimActionParams = {}): void {
  switch (action as FixerAction) {
    case 'restart-deployment':
      return sim.actions.restart(service);
    case 'rollback-deployment':
      try {
        return sim.actions.rollback(service);
      } catch {
        return; // no history: a no-op, as the real action would refuse
      }
    case 'scale-out':
      return sim.actions.scale(service, params.replicas ?? scaleOutTarget(replicasOf(sim, service)));
    case 'delete-pod': {
      const pod = [...sim.cluster.pods.values()].filter((p) => p.service === service).sort((a, b) => b.restartCount - a.restartCount || Number(a.ready) - Number(b.ready))[0];
      if (pod) sim.actions.deletePod(pod.name);
      return;
    }
    case 'none':
      return;
  }
}

/** The deployment's desired replica count. */
export function replicasOf(sim: Simulator, service: string): number {
  return (sim.store.get('deployments', sim.namespace, service)?.spec as { replicas?: number } | undefined)?.replicas ?? 1;
}

/**
 * What-if: applies `action` on an independent copy of the simulator and watches the service for
 * `horizonMs`. Recovery = healthy for two consecutive checks; the time is to the first of them.
 */
export function whatIf(
  sim: Simulator,
  service: string,
  action: string,
  horizonMs: number,
  o: { restrict?: boolean; checkEveryMs?: number; params?: SimActionParams; bar?: 'healthy' | 'verification' } = {},
): SimOutcome {
  if (o.bar === 'verification') return holdsUnderVerification(sim, service, action, horizonMs, o);
  const checkEveryMs = o.checkEveryMs ?? 30_000;
  // A restricted clone of a restricted clone loses the outside load, so copies of copies stay whole.
  const copy = o.restrict ? sim.clone({ services: [service] }) : sim.clone();
  const t0 = copy.now();
  applySimAction(copy, service, action, o.params);
  let firstHealthy: number | null = null;
  let streak = 0;
  let restarts = restartCount(copy, service);
  for (let t = checkEveryMs; t <= horizonMs; t += checkEveryMs) {
    copy.advance(checkEveryMs);
    const frame = copy.latestFrame();
    const nowRestarts = restartCount(copy, service);
    const ok =
      healthy(frame?.services.get(service), copy.baselineFrame(copy.now()).services.get(service)) &&
      allReady(copy, service) &&
      nowRestarts === restarts;
    restarts = nowRestarts;
    if (ok) {
      streak++;
      firstHealthy ??= copy.now() - t0;
      if (streak >= 2) break;
    } else {
      streak = 0;
      firstHealthy = null;
    }
  }
  const success = streak >= 2;
  return { action, success, recoveryMs: success ? firstHealthy : null, after: { ...copy.latestFrame()?.services.get(service) } };
}

/**
 * The what-if as verification will judge the action: errors and latency at the bar (each check on the mean of
 * it and the one before, as verification averages two points) unbroken from some point to the end of the
 * horizon, at least as long as the window verification waits for (2 min) — holding to the end, not only for a
 * window, leaves a scale-out some headroom —, and memory back near normal at least once after the action (a
 * leak grows again after a restart).
 */
/** The window verification needs every check to hold for (remediation policy `verifyWindowMs`). */
const VERIFY_WINDOW_MS = 2 * MIN;

function holdsUnderVerification(sim: Simulator, service: string, action: string, horizonMs: number, o: { restrict?: boolean; checkEveryMs?: number; params?: SimActionParams }): SimOutcome {
  const checkEveryMs = o.checkEveryMs ?? 30_000;
  const copy = o.restrict ? sim.clone({ services: [service] }) : sim.clone();
  applySimAction(copy, service, action, o.params);
  let holdingSince: number | null = null;
  let memoryBack = false;
  let restarts = restartCount(copy, service);
  let previous: MetricValues | undefined;
  for (let t = checkEveryMs; t <= horizonMs; t += checkEveryMs) {
    copy.advance(checkEveryMs);
    const now = copy.latestFrame()?.services.get(service);
    const base = copy.baselineFrame(copy.now()).services.get(service);
    const nowRestarts = restartCount(copy, service);
    const ok = meetsVerificationBar(now && previous ? meanOf(now, previous) : now, base) && allReady(copy, service) && nowRestarts === restarts;
    restarts = nowRestarts;
    previous = now;
    if (now && base && now.memory <= base.memory * 1.3 && allReady(copy, service)) memoryBack = true;
    if (!ok) holdingSince = null;
    else holdingSince ??= t;
  }
  const success = memoryBack && holdingSince !== null && horizonMs - holdingSince >= VERIFY_WINDOW_MS;
  return { action, success, recoveryMs: success ? holdingSince : null, after: { ...copy.latestFrame()?.services.get(service) } };
}

function meanOf(a: MetricValues, b: MetricValues): MetricValues {
  const out = { ...a };
  for (const k of Object.keys(a) as Array<keyof MetricValues>) out[k] = (a[k] + b[k]) / 2;
  return out;
}

function restartCount(sim: Simulator, service: string): number {
  let n = 0;
  for (const p of sim.cluster.pods.values()) if (p.service === service) n += p.restartCount;
  return n;
}

/** Every desired pod exists and is ready (a crash-looping pod in back-off is not). */
function allReady(sim: Simulator, service: string): boolean {
  const dep = sim.store.get('deployments', sim.namespace, service);
  const desired = (dep?.spec as { replicas?: number } | undefined)?.replicas ?? 1;
  const pods = [...sim.cluster.pods.values()].filter((p) => p.service === service);
  return pods.length === desired && pods.every((p) => p.ready);
}

/** Whether the service's pod template changed recently, read from the simulator's ReplicaSets. */
export function simRecentChange(sim: Simulator, service: string, sinceMs: number): boolean {
  const dep = sim.store.get('deployments', sim.namespace, service);
  if (!dep) return false;
  const records: RevisionRecord[] = sim.store
    .list('replicasets', sim.namespace)
    .filter((rs) => rs.metadata.ownerReferences?.some((o) => o.uid === dep.metadata.uid))
    .map((rs) => ({
      revision: Number(rs.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0),
      createdAt: rs.metadata.creationTimestamp ? Date.parse(rs.metadata.creationTimestamp) : 0,
      containers: (rs.spec as { template?: { spec?: { containers?: unknown } } }).template?.spec?.containers ?? [],
      cause: null,
    }));
  return templateChange(records, sinceMs).changed;
}

export interface Episode {
  scenario: string;
  service: string;
  seed: number;
  signature: Signature;
  outcomes: SimOutcome[];
}

/**
 * One training/evaluation context: inject `scenario` into `service` on a copy of `base`, let it develop
 * for `developMs`, read the signature the fixer would see, then try every action on its own copy.
 */
export async function runEpisode(
  base: Simulator,
  e: { scenario: string; service: string; seed: number },
  actions: readonly string[],
  o: { developMs: number; horizonMs: number },
): Promise<Episode> {
  const sim = base.clone({ services: [e.service] });
  const injectedAt = sim.now();
  sim.inject({ scenario: e.scenario, service: e.service, seed: e.seed });
  sim.advance(o.developMs);
  // An incident starts when an alert or anomaly first fires, some minutes into the fault: train on that, as it is served.
  const startedAt = injectedAt + Math.floor(mulberry32(e.seed ^ 0x5bd1e995)() * (o.developMs / 2));
  const signature = await faultSignature(sim.metrics, e.service, sim.now(), {
    recentChange: simRecentChange(sim, e.service, startedAt - 30 * MIN),
    incidentStartMs: startedAt,
  });
  const outcomes = actions.map((a) => whatIf(sim, e.service, a, o.horizonMs, { restrict: false }));
  return { ...e, signature, outcomes };
}

/** One what-if run of a candidate action (scale-out carries the replica count it tried). */
export interface WhatIfRun {
  action: string;
  replicas?: number;
  recovered: boolean;
  recovery_ms: number | null;
}

/** Scale-out sizes to try, smallest first: the action's default step, then up to two more steps from there (capped as the action caps it). */
export function scaleOutLadder(replicas: number, steps = 3): number[] {
  const sizes: number[] = [];
  let r = replicas;
  for (let i = 0; i < steps; i++) {
    const next = scaleOutTarget(r);
    if (next <= r) break;
    sizes.push(next);
    r = next;
  }
  return sizes;
}

/**
 * Tries candidate actions on copies of the simulator in order, stopping at the first that recovers the
 * service by the bar verification will hold it to. A scale-out too small to bring the service back (still
 * queueing at high utilisation) is tried again one step larger, then halved back down between the last
 * size that failed and the first that worked, so the proposal carries the smallest size the what-if saw work.
 */
export function tryCandidates(sim: Simulator, service: string, actions: readonly string[], horizonMs: number): WhatIfRun[] {
  const runs: WhatIfRun[] = [];
  const run = (action: string, replicas?: number) => {
    const o = whatIf(sim, service, action, horizonMs, { restrict: true, bar: 'verification', params: replicas === undefined ? {} : { replicas } });
    runs.push({ action, ...(replicas === undefined ? {} : { replicas }), recovered: o.success, recovery_ms: o.recoveryMs });
    return o.success;
  };
  for (const action of actions) {
    if (action !== 'scale-out') {
      if (run(action)) return runs;
      continue;
    }
    let failed = replicasOf(sim, service);
    for (const replicas of scaleOutLadder(failed)) {
      if (!run(action, replicas)) {
        failed = replicas;
        continue;
      }
      // Halve the gap: the proposal takes the smallest recovering size (smallestRecovering).
      let works = replicas;
      while (works - failed > 1) {
        const mid = Math.floor((failed + works) / 2);
        if (run(action, mid)) works = mid;
        else failed = mid;
      }
      return runs;
    }
  }
  return runs;
}

/** The run the proposal should carry for `action`: the smallest scale-out that recovered, or the action's recovering run. */
export function smallestRecovering(runs: readonly WhatIfRun[], action: string): WhatIfRun | undefined {
  return runs.filter((w) => w.action === action && w.recovered).sort((a, b) => (a.replicas ?? 0) - (b.replicas ?? 0))[0];
}
