/**
 * The incident loop as an SRE meets it, measured end to end on a fresh simulated cluster: the backend
 * (composition root, embedded store, in-process simulator, live detection, pipeline, remediation) on a
 * manual clock the bench drives step by step (simulator ticks, a detection tick every simulated minute,
 * then the pipeline's work), so the figures do not depend on how busy the machine is; no webhooks. First a fault-free period (false incidents), then
 * every scenario on services drawn by seed, one fault at a time, plus two overlapping faults. The bench
 * plays the operator: it approves every proposal, so that verification is measured too.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config/index.js';
import type { BusEvent } from '../src/events/index.js';
import { startAegis, type AegisHandle } from '../src/main.js';
import { createLogger } from '../src/platform/logger.js';
import { remediationPolicySchema } from '../src/remediation/policy.js';
import { createManualClock } from '../src/platform/clock.js';
import { driveBackend } from '../src/pipeline/e2e/driven.js';
import type { Simulator } from '../src/sources/simulator/index.js';
import { openDatabase } from '../src/store/index.js';
import type { Remediation } from '../src/store/types.js';
import { abnormality, NORMAL_SIGNATURE, type FixerOutput, type RootCauseSample } from '../src/pipeline/agents/fixer/index.js';

const MIN = 60_000;

export const LOOP_SCENARIOS = ['memory-leak', 'bad-deploy', 'cpu-saturation', 'dependency-latency', 'crash-loop', 'noisy-neighbour', 'cascading-failure'] as const;

/** The scenario's known fix (the simulator's `fixedBy`); `none`: nothing in the cluster fixes it, so proposing nothing is right. */
export const KNOWN_FIX: Record<string, string[]> = {
  'memory-leak': ['restart-deployment'],
  'bad-deploy': ['rollback-deployment'],
  'cpu-saturation': ['scale-out'],
  'dependency-latency': ['none'],
  'crash-loop': ['rollback-deployment'],
  'noisy-neighbour': ['restart-deployment', 'delete-pod'],
  'cascading-failure': ['restart-deployment'],
};

export interface LoopOptions {
  /** Simulated milliseconds per step of the driven clock. */
  stepMs: number;
  quietMinutes: number;
  faultsPerScenario: number;
  seed: number;
  scenarios?: readonly string[];
  overlap: boolean;
  /** Simulated minutes each fault is given (incident, proposal, approval, verification). */
  faultMinutes: number;
  /** Simulated minutes after clearing a fault before the next. */
  cooldownMinutes: number;
  /** Print each fixer decision (target, action, confidence, rationale) under its fault. */
  explain?: boolean;
  /** Simulated start (ms since epoch); default now. The shop's traffic follows the time of day, so a run is reproduced only from the same start. */
  startMs?: number;
  log: (line: string) => void;
}

export interface Proposal {
  id: string;
  action: string;
  target: string;
  confidence: number;
  correct: boolean;
  harmful: string | null;
}

export interface FaultResult {
  scenario: string;
  service: string;
  overlapping: boolean;
  incidentId: string | null;
  /** A new incident of its own (not one it joined). */
  ownIncident: boolean;
  /** The incident's title when first seen, and the fault's first signal (source, summary, minutes after injection). */
  incidentTitle: string | null;
  firstSignal: string | null;
  minutesToIncident: number | null;
  rcaTop1: boolean;
  rcaTop3: boolean;
  proposals: Proposal[];
  knownFix: boolean;
  verification: { status: string; faultCleared: boolean; truthful: boolean; reason: string } | null;
  /** The approved remediation's status when the fault's time ran out (when it had not finished). */
  unfinished: string | null;
  /** Each fixer decision on the fault's incident: what it chose and why (printed with --explain). */
  decisions: string[];
  /** Other incidents opened while this fault's exercise ran (title, and what was proposed there). */
  otherIncidents: string[];
  /** Per target the fixer looked at and found abnormal: its RCA probability and whether it was a faulty service (calibration data). */
  rootCauseSamples: RootCauseSample[];
  /** Detection's anomalies on the faulty service that were open or ended during the exercise (for faults without an incident). */
  anomalies: string[];
  /** The simulator's ground truth at the end of the exercise, for faults without an incident: fault active, pods, metrics vs the healthy model. */
  truth: string | null;
}

export interface LoopReport {
  quietHours: number;
  falseIncidents: number;
  falseIncidentTitles: string[];
  faults: FaultResult[];
}

interface Seen {
  incidents: Map<string, { at: number; title: string }>;
  proposals: Map<string, Remediation>;
  finals: Map<string, Remediation>;
}

export async function runLoopCampaign(o: LoopOptions): Promise<LoopReport> {
  const home = await mkdtemp(path.join(tmpdir(), 'aegis-bench-loop-'));
  const clock = createManualClock(o.startMs ?? Date.now());
  const db = await openDatabase({ engine: 'pglite' });
  const config = loadConfig({ AEGIS_HOME: home, AEGIS_PORT: '0' }, { cwd: home });
  const handle = await startAegis({
    config,
    db,
    clock,
    logger: createLogger({ level: 'error' }),
    remediationPolicy: remediationPolicySchema.parse({ maxActionsPerTargetPerHour: 1_000 }),
    drivenClock: {},
  });
  const sim = handle.simulator;
  const detection = handle.detection;
  if (!sim || !detection) throw new Error('the loop bench needs the in-process simulated cluster and detection');
  const driver = driveBackend(handle, clock, o.stepMs);
  const simSleep = (minutes: number) => driver.advance(minutes * MIN);
  const seen: Seen = { incidents: new Map(), proposals: new Map(), finals: new Map() };
  handle.bus.subscribe('incidents', (e: BusEvent) => {
    const i = e.data as { id?: string; title?: string };
    if ((e.type === 'incident.opened' || e.type === 'incident.created') && i.id) seen.incidents.set(i.id, { at: clock.nowMs(), title: i.title ?? '' });
  });
  handle.bus.subscribe('remediations', (e: BusEvent) => {
    const r = e.data as Remediation;
    if (e.type === 'remediation.proposed') seen.proposals.set(r.id, r);
    if (['remediation.succeeded', 'remediation.failed', 'remediation.reverted'].includes(e.type)) seen.finals.set(r.id, r);
  });
  try {
    o.log(`quiet period: ${o.quietMinutes} simulated minutes with no fault`);
    const quietStart = clock.nowMs();
    for (let m = 0; m < o.quietMinutes; m += 10) {
      await simSleep(Math.min(10, o.quietMinutes - m));
      o.log(`  ${Math.min(o.quietMinutes, m + 10)} min: ${seen.incidents.size} incidents`);
    }
    const falseOnes = [...seen.incidents.entries()].filter(([, v]) => v.at >= quietStart);
    await resolveOpen(handle);
    const faults: FaultResult[] = [];
    const plan = drawFaults(sim, o);
    for (const group of plan) {
      faults.push(...(await runFaultGroup(handle, sim, clock, seen, group, o, simSleep)));
      const last = faults.slice(-group.length);
      for (const f of last) {
        o.log(`  ${f.scenario.padEnd(18)} ${f.service.padEnd(22)} ${describe(f)}`);
        if (o.explain) {
          o.log(`      incident: ${f.incidentTitle ?? '—'}; first signal ${f.firstSignal ?? '—'}`);
          for (const d of f.decisions) o.log(`      fixer: ${d}`);
          for (const x of f.otherIncidents) o.log(`      another incident opened meanwhile: ${x}`);
          for (const x of f.anomalies) o.log(`      detection anomaly on ${f.service}: ${x}`);
          if (f.truth) o.log(`      simulator: ${f.truth}`);
          if (f.verification) o.log(`      verification ${f.verification.status} (fault ${f.verification.faultCleared ? 'cleared' : 'not cleared'}): ${f.verification.reason}`);
        }
      }
    }
    return { quietHours: o.quietMinutes / 60, falseIncidents: falseOnes.length, falseIncidentTitles: falseOnes.map(([, v]) => v.title), faults };
  } finally {
    await detection.stop();
    await handle.close();
    await db.close();
    await rm(home, { recursive: true, force: true });
  }
}

function describe(f: FaultResult): string {
  const p = f.proposals[0];
  return [
    f.ownIncident ? `own incident in ${f.minutesToIncident?.toFixed(1)} min` : f.incidentId ? 'joined another incident' : 'no incident',
    `rca ${f.rcaTop1 ? 'top-1' : f.rcaTop3 ? 'top-3' : 'miss'}`,
    p ? `${p.action}@${p.target} conf ${p.confidence.toFixed(2)}${p.harmful ? ` HARMFUL (${p.harmful})` : ''}` : 'no proposal',
    f.knownFix ? 'known fix' : 'not the known fix',
    f.verification ? `verification ${f.verification.status}${f.verification.truthful ? '' : ' UNTRUTHFUL'}` : f.unfinished ? `remediation still ${f.unfinished}` : '',
  ].join(' · ');
}

/** Every scenario on `faultsPerScenario` services drawn by seed; then two overlapping faults on services that do not call each other. */
function drawFaults(sim: Simulator, o: LoopOptions): Array<Array<{ scenario: string; service: string; overlapping: boolean }>> {
  const rnd = mulberry32(o.seed);
  const services = sim.topology.services.map((s) => s.name).filter((s) => s !== sim.topology.entry);
  const groups: Array<Array<{ scenario: string; service: string; overlapping: boolean }>> = [];
  for (const scenario of o.scenarios ?? LOOP_SCENARIOS) {
    const pool = [...services];
    for (let i = 0; i < o.faultsPerScenario && pool.length; i++) groups.push([{ scenario, service: pool.splice(Math.floor(rnd() * pool.length), 1)[0] as string, overlapping: false }]);
  }
  if (o.overlap) {
    const edges = sim.graph();
    const linked = (a: string, b: string) => edges.some((e) => (e.source === a && e.target === b) || (e.source === b && e.target === a));
    const a = services[Math.floor(rnd() * services.length)] as string;
    const b = services.filter((s) => s !== a && !linked(a, s))[0];
    if (b) groups.push([{ scenario: 'memory-leak', service: a, overlapping: true }, { scenario: 'bad-deploy', service: b, overlapping: true }]);
  }
  return groups;
}

async function runFaultGroup(
  handle: AegisHandle,
  sim: Simulator,
  clock: { nowMs(): number },
  seen: Seen,
  group: Array<{ scenario: string; service: string; overlapping: boolean }>,
  o: LoopOptions,
  simSleep: (minutes: number) => Promise<unknown>,
): Promise<FaultResult[]> {
  const t0 = clock.nowMs();
  // Templates before the faults: a bad revision left in place would be the next exercise's "fault".
  const templates = new Map(group.map((g) => [g.service, structuredClone(sim.store.get('deployments', sim.namespace, g.service)?.spec)]));
  const injected = group.map((g, i) => ({ ...g, info: sim.inject({ scenario: g.scenario, service: g.service, seed: o.seed * 100 + i + seen.incidents.size }) }));
  const badMarkers = injected.map((f) => f.info.params.image ?? f.info.params.env?.value).filter((x): x is string => !!x);
  const results: FaultResult[] = injected.map((g) => ({ scenario: g.scenario, service: g.service, overlapping: g.overlapping, incidentId: null, ownIncident: false, incidentTitle: null, firstSignal: null, minutesToIncident: null, rcaTop1: false, rcaTop3: false, proposals: [], knownFix: false, verification: null, unfinished: null, decisions: [], otherIncidents: [], anomalies: [], rootCauseSamples: [], truth: null }));
  const approved = new Set<string>();
  const faulty = new Set(group.map((g) => g.service));
  while (clock.nowMs() - t0 < o.faultMinutes * MIN) {
    await simSleep(0.25);
    for (const r of results) await follow(r);
    if (results.every((r) => r.verification || (r.incidentId && clock.nowMs() - t0 > (o.faultMinutes * MIN) / 2 && !r.proposals.length))) break;
  }
  for (const r of results) if (r.incidentId) await rankOf(r);
  for (const r of results) {
    const last = [...r.proposals].reverse().find((p) => approved.has(p.id));
    if (!r.verification && last) r.unfinished = (await handle.store.remediations.get(last.id)).status;
  }
  for (const r of results) r.knownFix = isKnownFix(r);
  for (const r of results) {
    if (!r.incidentId) continue;
    const d = await fixerDecisions(handle, r.incidentId, faulty);
    r.decisions = d.lines;
    r.rootCauseSamples = d.samples;
  }
  for (const r of results) if (!r.incidentId) r.anomalies = await anomaliesOn(handle, r.service, t0);
  for (const r of results) if (!r.incidentId) r.truth = groundTruth(sim, r.service, r.scenario);
  const followed = new Set(results.map((r) => r.incidentId));
  const others = [...seen.incidents.entries()].filter(([id, v]) => v.at >= t0 && !followed.has(id));
  for (const r of results) r.otherIncidents = await Promise.all(others.map(async ([id, v]) => `${v.title} at ${((v.at - t0) / MIN).toFixed(1)} min; ${(await handle.store.remediations.listByIncident(id)).map((x) => `${x.action_type}@${x.target} ${x.status}`).join(', ') || 'no proposal'}`));
  sim.clearFaults();
  for (const [service, spec] of templates) {
    const dep = sim.store.get('deployments', sim.namespace, service);
    const tpl = (spec as { template?: unknown } | undefined)?.template;
    if (dep && tpl && JSON.stringify((dep.spec as { template?: unknown }).template) !== JSON.stringify(tpl)) sim.write('deployments', { ...dep, spec: { ...(dep.spec as object), template: tpl } });
  }
  await resolveOpen(handle);
  await simSleep(o.cooldownMinutes);
  await resolveOpen(handle);
  return results;

  async function follow(r: FaultResult) {
    if (!r.incidentId) {
      const mine = await incidentsOf(handle, r.service, t0);
      if (mine) {
        r.incidentId = mine.id;
        r.ownIncident = (seen.incidents.get(mine.id)?.at ?? Date.parse(mine.created_at)) >= t0 && !results.some((x) => x !== r && x.incidentId === mine.id);
        r.minutesToIncident = (Date.parse(mine.created_at) - t0) / MIN;
        r.incidentTitle = seen.incidents.get(mine.id)?.title ?? null;
        r.firstSignal = `${mine.source}: ${mine.summary} at ${((mine.received_at - t0) / MIN).toFixed(1)} min`;
      }
      return;
    }
    for (const p of [...seen.proposals.values()].filter((x) => x.incident_id === r.incidentId && !r.proposals.some((y) => y.id === x.id))) {
      r.proposals.push({ id: p.id, action: p.action_type, target: p.target, confidence: p.confidence ?? 0, correct: KNOWN_FIX[r.scenario]?.includes(p.action_type) === true && p.target === r.service, harmful: harmOf(p) });
      if (!r.rcaTop1 && !r.rcaTop3) await rankOf(r);
      if (!approved.has(p.id)) {
        approved.add(p.id);
        await handle.remediation.approve(p.id, 'bench-operator').catch(() => {});
      }
    }
    const final = [...seen.finals.values()].find((x) => x.incident_id === r.incidentId && approved.has(x.id));
    if (final && !r.verification) {
      const cleared = faultCleared(sim, r.service, r.scenario);
      const v = final.verification as { reason?: string; checks?: Array<{ id: string; status: string; observed: number | null; expected: string | null }> } | null;
      const failing = (v?.checks ?? []).filter((c) => c.status !== 'passed').map((c) => `${c.id} ${c.status} (${c.observed?.toPrecision(3) ?? '—'} vs ${c.expected ?? '—'})`);
      r.verification = { status: final.status, faultCleared: cleared, truthful: (final.status === 'succeeded') === cleared, reason: `${v?.reason ?? ''}${failing.length ? `; not passed: ${failing.join(', ')}` : ''}; simulator ${truthText(sim, r.service)}` };
    }
  }

  function harmOf(p: Remediation): string | null {
    if (!faulty.has(p.target)) return `${p.action_type} on ${p.target}, which has no fault`;
    const to = (p.plan as { to_revision?: number }).to_revision;
    if (p.action_type === 'rollback-deployment') {
      const rs = sim.store.list('replicasets', sim.namespace).find((x) => x.metadata.name.startsWith(`${p.target}-`) && x.metadata.annotations?.['deployment.kubernetes.io/revision'] === String(to));
      const text = JSON.stringify((rs?.spec as { template?: unknown } | undefined)?.template ?? {});
      if (rs && badMarkers.some((m) => text.includes(m))) return `rollback of ${p.target} to revision ${to}, a known-bad revision`;
    }
    return null;
  }

  async function rankOf(r: FaultResult) {
    if (!r.incidentId) return;
    const stored = await handle.rca.get(r.incidentId).catch(() => undefined);
    const ranking = [...(stored?.ranking ?? [])].sort((a, b) => b.probability - a.probability).map((x) => x.service);
    r.rcaTop1 = ranking[0] === r.service;
    r.rcaTop3 = ranking.slice(0, 3).includes(r.service);
  }
}

/** The fixer's decisions on an incident, oldest first (target, action, confidence, rationale), and one calibration sample per abnormal target. */
async function fixerDecisions(handle: AegisHandle, incidentId: string, faulty: Set<string>): Promise<{ lines: string[]; samples: RootCauseSample[] }> {
  const runs = (await handle.store.executions.listByIncident(incidentId)).filter((e) => e.agent === 'fixer' && e.status === 'success');
  const samples = new Map<string, RootCauseSample>();
  const lines = runs.map((e) => {
    const out = e.output as FixerOutput;
    const pRca = out.p_root_cause_rca ?? out.p_root_cause;
    if (out.target && pRca !== undefined && pRca !== null && abnormality(out.feature_vector) >= NORMAL_SIGNATURE && !samples.has(out.target)) samples.set(out.target, { p: pRca, right: faulty.has(out.target) });
    const shown = Object.entries(out.features).filter(([k, v]) => k !== 'bias' && v > 0).map(([k, v]) => `${k} ${v.toFixed(2)}`);
    return `${out.plan.action}@${out.target ?? '?'} conf ${out.plan.confidence.toFixed(2)} [signature: ${shown.join(', ') || 'nothing abnormal'}]: ${out.plan.rationale}${out.proposal_error ? ` [not proposed: ${out.proposal_error}]` : ''}`;
  });
  return { lines, samples: [...samples.values()] };
}

function isKnownFix(r: FaultResult): boolean {
  const fix = KNOWN_FIX[r.scenario] ?? [];
  if (fix.includes('none')) return !r.proposals.some((p) => p.confidence >= 0.5);
  return r.proposals.some((p) => p.correct);
}

/** Detection's anomalies on a service open at or after `since`: metric, start, end (or still open), relative to `since`. */
async function anomaliesOn(handle: AegisHandle, service: string, since: number): Promise<string[]> {
  const { rows } = await handle.store.db.query<{ metric: string; start_at: Date; end_at: Date; open: boolean; score: number }>(
    `SELECT metric, start_at, end_at, open, score FROM anomalies WHERE service = $1 AND (open OR end_at >= $2) ORDER BY start_at`,
    [service, new Date(since)],
  );
  const rel = (d: Date) => ((new Date(d).getTime() - since) / MIN).toFixed(1);
  return rows.map((a) => `${a.metric} score ${a.score.toFixed(2)} from ${rel(a.start_at)} min to ${a.open ? 'still open' : `${rel(a.end_at)} min`}`);
}

/** The incident the fault's first signal went into (a signal on the service received since `since`). */
async function incidentsOf(handle: AegisHandle, service: string, since: number) {
  const { rows } = await handle.store.db.query<{ id: string; created_at: Date; received_at: Date; source: string; summary: string }>(
    `SELECT i.id, i.created_at, s.received_at, s.source, s.summary FROM incident_signals s JOIN incidents i ON i.id = s.incident_id
     WHERE s.service = $1 AND s.received_at >= $2 ORDER BY s.received_at, s.starts_at NULLS LAST, s.source, s.summary, s.dedupe_key LIMIT 1`,
    [service, new Date(since)],
  );
  const r = rows[0];
  return r ? { id: r.id, created_at: new Date(r.created_at).toISOString(), received_at: new Date(r.received_at).getTime(), source: r.source, summary: r.summary } : undefined;
}

/** What an SRE does after each exercise: close whatever is still open (its proposals are withdrawn). */
async function resolveOpen(handle: AegisHandle) {
  const { rows } = await handle.store.db.query<{ id: string }>(`SELECT id FROM incidents WHERE status NOT IN ('resolved', 'closed')`);
  for (const { id } of rows) {
    const i = await handle.store.incidents.resolve(id, 'bench', 'exercise over').catch(() => undefined);
    if (i) handle.bus.publish('incidents', 'incident.resolved', i);
  }
  await handle.bus.drain?.();
}

/** What the simulator says about a faulty service now (printed with --explain when the fault got no incident). */
function groundTruth(sim: Simulator, service: string, scenario: string): string {
  const fault = sim.faults().filter((f) => f.service === service && f.scenario === scenario).pop();
  const frame = sim.latestFrame();
  const now = frame?.services.get(service);
  const base = sim.baselineFrame(frame?.t ?? sim.now()).services.get(service);
  const pods = [...sim.cluster.pods.values()].filter((p) => p.service === service).map((p) => `${p.name} ${p.image.split(':').pop()} ${p.ready ? 'ready' : 'not ready'}`);
  const m = (k: 'error_rate' | 'latency_p99' | 'request_rate') => `${k} ${now?.[k].toPrecision(3) ?? '—'} (healthy ${base?.[k].toPrecision(3) ?? '—'})`;
  return `fault ${fault ? (fault.active ? 'active' : 'over') : 'missing'}; pods ${pods.join(', ') || 'none'}; ${m('error_rate')}, ${m('latency_p99')}, ${m('request_rate')}`;
}

/** The stretch ground truth is judged over: the window verification holds its checks for (remediation policy `verifyWindowMs`). */
export const TRUTH_WINDOW_MS = 2 * MIN;

type Judged = 'error_rate' | 'latency_p99' | 'memory';

/**
 * A service's metrics and the healthy model's, each averaged over the simulator's frames of the last `windowMs`
 * (5 s apart): one frame's jitter is not the fault (a p99 frame scatters ±20% around the service's state), the
 * state over the window is. Undefined when the simulator has no frame of the service.
 */
export function windowTruth(sim: Simulator, service: string, windowMs = TRUTH_WINDOW_MS): { now: Record<Judged, number>; base: Record<Judged, number>; last: Record<Judged, number> } | undefined {
  const frame = sim.latestFrame();
  const lastNow = frame?.services.get(service);
  if (!frame || !lastNow) return undefined;
  const lastTick = Math.floor(frame.t / sim.stepMs);
  const keys: Judged[] = ['error_rate', 'latency_p99', 'memory'];
  const sum = { now: { error_rate: 0, latency_p99: 0, memory: 0 }, base: { error_rate: 0, latency_p99: 0, memory: 0 } };
  let n = 0;
  for (let tick = lastTick - Math.max(0, Math.round(windowMs / sim.stepMs) - 1); tick <= lastTick; tick++) {
    const base = sim.baselineFrame(tick * sim.stepMs).services.get(service);
    const now = keys.map((k) => sim.series.at(`s|${service}|${k}`, tick));
    if (!base || now.some((v) => v === undefined || !Number.isFinite(v))) continue;
    keys.forEach((k, j) => {
      sum.now[k] += now[j] as number;
      sum.base[k] += base[k];
    });
    n++;
  }
  if (!n) return undefined;
  const mean = (x: Record<Judged, number>) => Object.fromEntries(keys.map((k) => [k, x[k] / n])) as Record<Judged, number>;
  return { now: mean(sum.now), base: mean(sum.base), last: { error_rate: lastNow.error_rate, latency_p99: lastNow.latency_p99, memory: lastNow.memory } };
}

/**
 * The fault's effect is gone: errors, latency and memory of the service near the healthy model over the last
 * verification window (the simulator's state, not one noisy frame of it), and no bad template left. A memory
 * leak is in the code and no action removes it (its known fix, a restart, "clears it for a while"): its effect
 * is the memory leaked so far, gone when every pod's container started after the fault began — memory near the
 * model at one instant depends on how fast it leaks (a fast one is back above 1.3× within the three minutes
 * any verification waits, a restart or not).
 */
export function faultCleared(sim: Simulator, service: string, scenario: string): boolean {
  const faults = sim.faults().filter((f) => f.service === service && f.scenario === scenario);
  const active = faults.some((f) => f.active);
  const w = windowTruth(sim, service);
  if (!w) return !active;
  const users = w.now.error_rate <= w.base.error_rate + 0.02 && w.now.latency_p99 <= w.base.latency_p99 * 1.5;
  if (scenario === 'memory-leak') {
    const began = Math.max(...faults.map((f) => f.startedAt));
    const pods = [...sim.cluster.pods.values()].filter((p) => p.service === service);
    return users && pods.length > 0 && pods.every((p) => p.ready && p.containerStartedAt > began && p.memoryBytes < p.memoryLimitBytes);
  }
  const healthy = users && w.now.memory <= w.base.memory * 1.3;
  if (scenario === 'cpu-saturation') return healthy;
  return healthy && !active;
}

/** The ground truth's figures, for --explain: the window means and the last frame, each against the healthy model. */
function truthText(sim: Simulator, service: string): string {
  const w = windowTruth(sim, service);
  if (!w) return 'no frame';
  const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}×` : '—');
  return `over the last ${TRUTH_WINDOW_MS / MIN} min p99 ${ratio(w.now.latency_p99, w.base.latency_p99)} healthy, errors ${w.now.error_rate.toPrecision(3)} (healthy ${w.base.error_rate.toPrecision(3)}); last frame p99 ${ratio(w.last.latency_p99, w.base.latency_p99)}`;
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export interface LoopSummary {
  falseIncidentsPerHour: number;
  ownWithin3Min: number;
  rcaTop1: number;
  rcaTop3: number;
  knownFixRate: number;
  harmfulAny: number;
  harmfulConfident: number;
  brier: number | null;
  bins: Array<{ from: number; to: number; n: number; meanConfidence: number; correctRate: number }>;
  verifications: number;
  truthful: number;
}

/** The figures the issue asks for, from a campaign's raw results. */
export function summarise(r: LoopReport): LoopSummary {
  const n = r.faults.length || 1;
  const proposals = r.faults.flatMap((f) => f.proposals);
  const brier = proposals.length ? proposals.reduce((s, p) => s + (p.confidence - (p.correct ? 1 : 0)) ** 2, 0) / proposals.length : null;
  const edges = [0, 0.2, 0.4, 0.6, 0.8, 1.0001];
  const bins = edges.slice(0, -1).map((from, i) => {
    const to = edges[i + 1] as number;
    const inBin = proposals.filter((p) => p.confidence >= from && p.confidence < to);
    return { from, to: Math.min(1, to), n: inBin.length, meanConfidence: mean(inBin.map((p) => p.confidence)), correctRate: mean(inBin.map((p) => (p.correct ? 1 : 0))) };
  });
  const verified = r.faults.filter((f) => f.verification);
  return {
    falseIncidentsPerHour: r.quietHours ? r.falseIncidents / r.quietHours : 0,
    ownWithin3Min: r.faults.filter((f) => f.ownIncident && (f.minutesToIncident ?? Infinity) <= 3).length / n,
    rcaTop1: r.faults.filter((f) => f.rcaTop1).length / n,
    rcaTop3: r.faults.filter((f) => f.rcaTop3).length / n,
    knownFixRate: r.faults.filter((f) => f.knownFix).length / n,
    harmfulAny: proposals.filter((p) => p.harmful).length,
    harmfulConfident: proposals.filter((p) => p.harmful && p.confidence >= 0.5).length,
    brier,
    bins,
    verifications: verified.length,
    truthful: verified.filter((f) => f.verification?.truthful).length,
  };
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
