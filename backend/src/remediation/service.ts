import type { EventBus } from '../events/bus.js';
import type { Extension } from '../extensions/index.js';
import type { Clock } from '../platform/clock.js';
import { ConflictError, errorMessage, ForbiddenError } from '../platform/errors.js';
import { failpoint } from '../platform/failpoints.js';
import type { Logger } from '../platform/logger.js';
import type { Registry } from '../platform/registry.js';
import type { MetricsSource } from '../sources/types.js';
import type { Queryable, Store } from '../store/index.js';
import type { Incident, IncidentStatus, Remediation, RemediationStatus, Severity } from '../store/types.js';
import { lookupAction } from './actions.js';
import { autoApproves, DEFAULT_POLICY, policyViolations, type RemediationPolicy } from './policy.js';
import { chooseRollbackTarget, crashLooping, createFailingRevisions, templateFingerprint, type RollbackTarget } from './rollback-target.js';
import { createRemediationQueries, FINAL_STATUSES, OUTCOME_STATUSES } from './store.js';
import { type ActingIdentity, type ActionDefinition, ClusterForbiddenError, type ActionParams, type ClusterPort, type DeploymentState, MARKER_ANNOTATION, type Trigger } from './types.js';
import { advance, attributionDoubt, type Evaluated, evaluate, failureDoubt, madeWorse, planChecks, recoveredAfterMs, startRecord, type VerificationTiming } from './verification.js';
import type { DisturbedPeriods, VerificationRecord } from './verify.js';

export interface ProposeInput {
  incidentId: string;
  action: string;
  namespace: string;
  target: string;
  params?: ActionParams;
  confidence: number;
  severity: Severity;
  trigger?: Trigger;
  /** What the fixer expects to happen (what-if run, learned policy). */
  predicted?: unknown;
  rationale?: string;
  actor: string;
}

export interface RemediationOutcome {
  remediation: Remediation;
  status: Extract<RemediationStatus, 'succeeded' | 'failed' | 'reverted'>;
  /** From the action landing until its checks began to hold (succeeded only). */
  recoveryMs: number | null;
  /** The verification credits the action with the outcome — the recovery, or the failure to recover — (learning, postmortems and similar incidents use only these). */
  attributed: boolean;
}

export interface RemediationService {
  /** Plans, dry-runs and checks policy; stores a `proposed` remediation (or approves it when a policy allows). */
  propose(input: ProposeInput): Promise<Remediation>;
  approve(id: string, actor: string, actorRole?: string): Promise<Remediation>;
  reject(id: string, actor: string, reason?: string, actorRole?: string): Promise<Remediation>;
  /** Stops offering a proposal (its incident resolved, or the evidence moved on); undefined when it was no longer proposed. */
  withdraw(id: string, reason: string, actor?: string): Promise<Remediation | undefined>;
  /** During verification: the operator keeps the change (verification ends, succeeded, not credited as evidence). */
  keep(id: string, actor: string, reason?: string, actorRole?: string): Promise<Remediation>;
  /** During or after verification: the operator undoes the change. */
  revert(id: string, actor: string, reason?: string, actorRole?: string): Promise<Remediation>;
  /** Picks up approved/applying/verifying remediations whose lease is free; returns how many it took. */
  reconcile(): Promise<number>;
  start(): void;
  stop(): Promise<void>;
  /** Resolves when nothing is executing (tests, shutdown). */
  idle(): Promise<void>;
  /**
   * Resolves when every execution here has finished or is waiting for the clock between verification polls
   * (a driver of a manual clock calls this before moving time on, so each poll happens at the time it was due).
   */
  settled(): Promise<void>;
  onOutcome(listener: (o: RemediationOutcome) => void | Promise<void>): () => void;
  readonly policy: RemediationPolicy;
}

export interface RemediationServiceDeps {
  store: Store;
  bus: EventBus;
  clock: Clock;
  logger: Logger;
  actions: Registry<Extension>;
  /** Absent: nothing can be applied (proposals fail with a clear reason). */
  cluster?: ClusterPort;
  metrics?: MetricsSource;
  policy?: RemediationPolicy;
  /** This backend's identity for leases. */
  owner: string;
  leaseTtlMs?: number;
  /** Pause between verification polls, in the clock's time (tests shorten it). */
  pollMs?: number;
  /** How a poll waits; default the clock's own `sleep` (so a manual clock holds polls until it moves), else real time. */
  sleep?: (ms: number) => Promise<void>;
  reconcileEveryMs?: number;
  /** Services that call a service (verification checks their error rates too). */
  callers?: (service: string) => string[];
  /** When a service was disturbed (detection's anomalies on it): verification's baselines leave those periods out. */
  disturbed?: DisturbedPeriods;
  /** Act with the approver's rights (Kubernetes impersonation); absent: Aegis's own identity makes the writes. */
  impersonation?: ImpersonationSettings;
}

/** How an approver's name becomes the Kubernetes identity a write is made as. */
export interface ImpersonationSettings {
  /** The user to impersonate; `{approver}` is replaced by the approver's name (e.g. `oidc:{approver}`). */
  user: string;
  /** A group to impersonate as well (Kubernetes clients send one header per group; one is supported). */
  group?: string;
}

const HOUR = 3_600_000;
const RESOLVED_REASON = 'the incident was resolved before this proposal was approved';
const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref?.());

/** What a step writes on its incident: a timeline line and, maybe, a new status. */
interface IncidentNote {
  actor: string;
  message: string;
  status?: { to: IncidentStatus; message: string };
}

interface PlanRecord {
  summary: string;
  /** Rollbacks: the revision chosen, why, and the templates' fingerprints (revisions renumber; templates do not). */
  to_revision?: number;
  revision_reason?: string;
  to_fingerprint?: string;
  from_fingerprint?: string | null;
  params: ActionParams;
  podsAffected: number;
  trigger?: Trigger;
  predicted?: unknown;
  rationale?: string;
  severity: Severity;
}

export function createRemediationService(deps: RemediationServiceDeps): RemediationService {
  const policy = deps.policy ?? DEFAULT_POLICY;
  const queries = createRemediationQueries({ db: deps.store.db, clock: deps.clock });
  const failing = createFailingRevisions({ db: deps.store.db, clock: deps.clock });
  const timing: VerificationTiming = { settleMs: policy.verifySettleMs, windowMs: policy.verifyWindowMs, deadlineMs: policy.verifyDeadlineMs };
  const ttl = deps.leaseTtlMs ?? 30_000;
  const pollMs = deps.pollMs ?? 2_000;
  const clockSleep = deps.clock.sleep?.bind(deps.clock);
  const rawSleep = deps.sleep ?? clockSleep ?? delay;
  // Executions waiting between polls; `settled()` waits until every running one is (or has finished).
  let parked = 0;
  const parkedListeners = new Set<() => void>();
  const sleep = async (ms: number) => {
    parked++;
    parkedListeners.forEach((f) => f());
    try {
      await rawSleep(ms);
    } finally {
      parked--;
    }
  };
  const log = deps.logger;
  const running = new Map<string, Promise<void>>();
  const listeners = new Set<(o: RemediationOutcome) => void | Promise<void>>();
  let timer: NodeJS.Timeout | undefined;
  let unsubscribeIncidents: (() => void) | undefined;
  let stopped = false;

  const cluster = (): ClusterPort => {
    if (!deps.cluster) throw new ConflictError('no Kubernetes cluster is configured: remediation cannot act');
    return deps.cluster;
  };
  const ctx = () => ({ cluster: cluster(), now: () => deps.clock.now() });
  /** The identity a person's approval acts as; a policy's auto-approval acts as Aegis itself. */
  const actingAs = (approver: string | null | undefined): ActingIdentity | undefined => {
    const imp = deps.impersonation;
    if (!imp || !approver || approver.startsWith('policy:')) return undefined;
    return { user: imp.user.replaceAll('{approver}', approver), ...(imp.group ? { group: imp.group } : {}) };
  };
  const planOf = (r: Remediation) => r.plan as PlanRecord;

  const publish = (r: Remediation) => deps.bus.publish('remediations', `remediation.${r.status}`, r);

  const audit = (r: Remediation, actor: string, action: string, details: Record<string, unknown> = {}, tx?: Queryable, role?: string) =>
    deps.store.audit.record(
      { actor, actor_role: role ?? null, action, target: `remediation:${r.id}`, result: 'success', details: { status: r.status, action: r.action_type, target: `${r.namespace}/${r.target}`, ...details } },
      tx,
    );

  /**
   * The incident's side of a step (a timeline line, maybe a new status), written in the step's own transaction:
   * a crash between the two left a succeeded remediation's incident `remediating` forever (crash-points test).
   */
  const noteIncident = async (r: Remediation, note: IncidentNote, tx: Queryable): Promise<Incident | undefined> => {
    await deps.store.incidents.addTimeline(r.incident_id, { kind: 'remediation', actor: note.actor, message: note.message, data: { remediation_id: r.id } }, tx);
    if (!note.status) return undefined;
    try {
      return await deps.store.incidents.setStatus(r.incident_id, note.status.to, note.actor, note.status.message, tx);
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err; // a closed incident stays closed
      return undefined;
    }
  };

  const publishIncident = (incident: Incident | undefined) => {
    if (incident) deps.bus.publish('incidents', `incident.${incident.status === 'resolved' ? 'resolved' : 'updated'}`, incident);
  };

  /** Moves a remediation from one state to the next under its row lock, with its incident note; undefined if it was not in `from`. */
  const transition = async (
    id: string,
    from: RemediationStatus[],
    to: RemediationStatus,
    fields: Partial<Remediation>,
    actor: string,
    role?: string,
    note?: (next: Remediation) => IncidentNote,
    alsoInTx?: (next: Remediation, tx: Queryable) => Promise<void>,
  ): Promise<Remediation | undefined> => {
    const done = await deps.store.db.transaction(async (tx) => {
      const cur = await deps.store.remediations.getForUpdate(id, tx);
      if (!from.includes(cur.status)) return undefined;
      const next = await deps.store.remediations.update(id, { ...fields, status: to }, tx);
      await audit(next, actor, `remediation.${to}`, { from: cur.status }, tx, role);
      await alsoInTx?.(next, tx);
      return { next, incident: note ? await noteIncident(next, note(next), tx) : undefined };
    });
    if (!done) return undefined;
    publish(done.next);
    publishIncident(done.incident);
    return done.next;
  };

  async function propose(input: ProposeInput): Promise<Remediation> {
    const action = lookupAction(deps.actions, input.action);
    const state = await cluster().readDeployment(input.namespace, input.target);
    const rollback = action.id === 'rollback-deployment' && input.params?.toRevision === undefined ? await safeRollbackTarget(state) : undefined;
    const planned = action.plan(state, rollback ? { ...input.params, toRevision: rollback.toRevision } : (input.params ?? {}));
    const violations = policyViolations(policy, {
      namespace: input.namespace,
      action: action.id,
      podsAffected: planned.podsAffected,
      activeOnTarget: (await queries.activeOnTarget(input.namespace, input.target)).length,
      appliedLastHour: await queries.appliedSince(input.namespace, input.target, new Date(deps.clock.nowMs() - HOUR)),
    });
    if (violations.length) throw new ForbiddenError(`policy refuses ${action.id} on ${input.namespace}/${input.target}: ${violations.join('; ')}`);
    const dryRun = await runDryRun(action, input, planned.params);
    if (!dryRun.ok) throw new ConflictError(`dry run of ${action.id} on ${input.namespace}/${input.target} failed: ${dryRun.error}`);
    const plan: PlanRecord = {
      summary: rollback ? `${planned.summary}: ${rollback.reason}` : planned.summary,
      ...(rollback ? { to_revision: rollback.toRevision, revision_reason: rollback.reason, to_fingerprint: rollback.fingerprint, from_fingerprint: rollback.fromFingerprint } : {}),
      params: planned.params,
      podsAffected: planned.podsAffected,
      trigger: input.trigger,
      predicted: input.predicted,
      rationale: input.rationale,
      severity: input.severity,
    };
    const r = await deps.store.db.transaction(async (tx) => {
      // Checked again under the insert's transaction so two proposals cannot both pass.
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`${input.namespace}/${input.target}`]);
      for (const id of await queries.staleProposals({ namespace: input.namespace, target: input.target }, tx)) await withdrawIn(tx, id, RESOLVED_REASON, 'aegis');
      if ((await queries.activeOnTarget(input.namespace, input.target, tx)).length) {
        throw new ConflictError(`another remediation on ${input.namespace}/${input.target} is not finished`);
      }
      const created = await deps.store.remediations.create(
        { incidentId: input.incidentId, actionType: action.id, target: input.target, namespace: input.namespace, plan, dryRun, confidence: input.confidence },
        tx,
      );
      await tx.query('UPDATE remediations SET severity = $2 WHERE id = $1', [created.id, input.severity]);
      await audit(created, input.actor, 'remediation.propose', { summary: plan.summary, confidence: input.confidence }, tx);
      const incident = await noteIncident(
        created,
        { actor: input.actor, message: `proposed: ${plan.summary}`, status: { to: 'awaiting_approval', message: `awaiting approval: ${plan.summary}` } },
        tx,
      );
      return { created, incident };
    });
    failpoint('remediation.after-propose');
    flushWithdrawn();
    publish(r.created);
    publishIncident(r.incident);
    if (autoApproves(policy, action.id, input.severity, input.confidence)) return approve(r.created.id, 'policy:auto-approve', 'policy');
    return r.created;
  }

  /** Never a template seen failing; the current one is remembered as failing when its pods crash-loop. */
  async function safeRollbackTarget(state: DeploymentState): Promise<RollbackTarget> {
    const revisions = await cluster().revisions(state.namespace, state.name);
    const current = revisions.find((r) => r.revision === state.revision);
    if (current && crashLooping(state, current)) {
      await failing.record(state.namespace, state.name, templateFingerprint(current.containers), current.revision, `crash-looping when seen at revision ${current.revision}`);
    }
    return chooseRollbackTarget(state, revisions, await failing.list(state.namespace, state.name));
  }

  /** A rollback's outcome says which template failed: the one it left (it worked) or the one it went to (it did not). */
  async function rememberFailingTemplate(r: Remediation, status: RemediationOutcome['status'], tx: Queryable) {
    const plan = planOf(r);
    if (r.action_type !== 'rollback-deployment') return;
    const before = r.before_state as DeploymentState | null;
    if (status === 'succeeded' && plan.from_fingerprint) {
      await failing.record(r.namespace, r.target, plan.from_fingerprint, before?.revision ?? 0, `rolled away from by remediation ${r.id.slice(0, 8)}`, tx);
    } else if (status !== 'succeeded' && plan.to_fingerprint) {
      await failing.record(r.namespace, r.target, plan.to_fingerprint, plan.to_revision ?? 0, `failed verification after remediation ${r.id.slice(0, 8)}`, tx);
    }
  }

  /** A rollback goes to the planned template, whatever number Kubernetes gives it by now. */
  async function currentParams(r: Remediation): Promise<ActionParams> {
    const plan = planOf(r);
    if (!plan.to_fingerprint) return plan.params;
    const match = (await cluster().revisions(r.namespace, r.target)).find((x) => templateFingerprint(x.containers) === plan.to_fingerprint);
    if (!match) throw new ConflictError(`the revision planned for ${r.namespace}/${r.target} is no longer in its rollout history`);
    return { ...plan.params, toRevision: match.revision };
  }

  async function runDryRun(action: ActionDefinition, input: ProposeInput, params: ActionParams) {
    try {
      const result = await action.apply(ctx(), { namespace: input.namespace, name: input.target }, params, { dryRun: true, marker: 'dry-run' });
      return { ok: true, mode: 'server-side dryRun=All', result: summariseObject(result) };
    } catch (err) {
      return { ok: false, mode: 'server-side dryRun=All', error: errorMessage(err) };
    }
  }

  /** Withdraws inside a caller's transaction (no incident status change: the incident is over or re-investigating). */
  async function withdrawIn(tx: Queryable, id: string, reason: string, actor: string): Promise<Remediation | undefined> {
    const cur = await deps.store.remediations.getForUpdate(id, tx);
    if (cur.status !== 'proposed') return undefined;
    const next = await deps.store.remediations.update(id, { status: 'withdrawn', withdrawn_reason: reason }, tx);
    await audit(next, actor, 'remediation.withdrawn', { from: cur.status, reason }, tx);
    await deps.store.incidents.addTimeline(next.incident_id, { kind: 'remediation', actor, message: `withdrawn: ${planOf(next).summary} (${reason})`, data: { remediation_id: id } }, tx);
    withdrawnLater.push(next);
    return next;
  }
  /** Withdrawals are published once their transaction committed. */
  const withdrawnLater: Remediation[] = [];
  const flushWithdrawn = () => {
    for (const r of withdrawnLater.splice(0)) publish(r);
  };

  async function withdraw(id: string, reason: string, actor = 'aegis'): Promise<Remediation | undefined> {
    const r = await deps.store.db.transaction((tx) => withdrawIn(tx, id, reason, actor));
    flushWithdrawn();
    return r;
  }

  /** Every proposal of an incident that is over. */
  async function withdrawForIncident(incidentId: string): Promise<void> {
    for (const id of await queries.staleProposals({ incidentId })) await withdraw(id, RESOLVED_REASON);
  }

  async function approve(id: string, actor: string, role?: string): Promise<Remediation> {
    const proposal = await deps.store.remediations.get(id);
    const incident = await deps.store.incidents.get(proposal.incident_id);
    if (incident.status === 'resolved' || incident.status === 'closed') {
      await withdraw(id, RESOLVED_REASON);
      throw new ConflictError(`remediation ${id} belongs to an incident that is already ${incident.status}; it was withdrawn`);
    }
    if (proposal.status === 'proposed') await ensureApproverMay(proposal, actor);
    const r = await transition(id, ['proposed'], 'approved', { approved_by: actor, approved_at: deps.clock.now().toISOString() }, actor, role, (next) => ({
      actor,
      message: `approved by ${actor}`,
      status: { to: 'remediating', message: `remediating: ${planOf(next).summary}` },
    }));
    if (!r) {
      const cur = await deps.store.remediations.get(id);
      throw new ConflictError(`remediation ${id} is ${cur.status}; only a proposed remediation can be approved`);
    }
    failpoint('remediation.after-approve');
    kick(id);
    return r;
  }

  /** With impersonation, an approval by someone who could not make the change by hand does not make it. */
  async function ensureApproverMay(r: Remediation, approver: string): Promise<void> {
    const as = actingAs(approver);
    if (!as) return;
    const action = lookupAction(deps.actions, r.action_type);
    try {
      await action.apply(ctx(), { namespace: r.namespace, name: r.target }, await currentParams(r), { dryRun: true, marker: 'dry-run', as });
    } catch (err) {
      if (err instanceof ClusterForbiddenError) throw new ForbiddenError(`${approver} may not make this change in the cluster as ${as.user}, so the approval cannot make it: ${err.message}`);
      throw err;
    }
  }

  async function reject(id: string, actor: string, reason?: string, role?: string): Promise<Remediation> {
    const r = await transition(id, ['proposed'], 'rejected', { rejected_by: actor, reason: reason ?? null }, actor, role, () => ({
      actor,
      message: `rejected by ${actor}${reason ? `: ${reason}` : ''}`,
      status: { to: 'investigating', message: 'remediation rejected; back to investigation' },
    }));
    if (!r) {
      const cur = await deps.store.remediations.get(id);
      throw new ConflictError(`remediation ${id} is ${cur.status}; only a proposed remediation can be rejected`);
    }
    return r;
  }

  /** Starts executing unless this process already is. */
  function kick(id: string): void {
    if (running.has(id) || stopped) return;
    const run = execute(id)
      .catch((err: unknown) => log.error('remediation execution failed', { id, err: errorMessage(err) }))
      .finally(() => running.delete(id));
    running.set(id, run);
  }

  async function execute(id: string): Promise<void> {
    if (!(await queries.lease(id, deps.owner, ttl))) return;
    try {
      for (let step = 0; step < 4 && !stopped; step++) {
        const r = await deps.store.remediations.get(id);
        // A crash right after the final transition left the outcome undelivered: deliver it now (at least once).
        if (FINAL_STATUSES.includes(r.status)) return await deliverPendingOutcome(r);
        if (r.status === 'proposed') return;
        if (r.status === 'approved') await beginApplying(r);
        else if (r.status === 'applying') await applyOnce(r);
        else if (r.status === 'verifying') return await verify(r);
      }
    } finally {
      await queries.release(id, deps.owner).catch(() => {});
    }
  }

  async function beginApplying(r: Remediation) {
    const before = await cluster().readDeployment(r.namespace, r.target);
    await transition(r.id, ['approved'], 'applying', { before_state: before }, 'aegis');
    failpoint('remediation.after-begin-applying');
  }

  /** Writes the action unless its marker shows it already landed (a restart between write and bookkeeping). */
  async function applyOnce(r: Remediation) {
    const action = lookupAction(deps.actions, r.action_type);
    const before = r.before_state as DeploymentState;
    let params: ActionParams;
    try {
      params = await currentParams(r);
    } catch (err) {
      await finish(r, 'failed', { error: errorMessage(err) });
      return;
    }
    const now = await cluster().readDeployment(r.namespace, r.target);
    let resumed = true;
    if (!action.isApplied(now, r.id, params, before)) {
      resumed = false;
      try {
        await action.apply(ctx(), { namespace: r.namespace, name: r.target }, params, { dryRun: false, marker: r.id, as: actingAs(r.approved_by) });
      } catch (err) {
        await finish(r, 'failed', { error: `apply failed: ${errorMessage(err)}` });
        return;
      }
    }
    failpoint('remediation.after-apply');
    const verification = await beginVerification(r, resumed);
    await transition(r.id, ['applying'], 'verifying', { verification }, 'aegis', undefined, () => ({
      actor: 'aegis',
      message: `applied ${r.action_type} to ${r.namespace}/${r.target}${resumed ? ' (found already applied after a restart)' : ''}; verifying ${verification.specs.length} checks after ${Math.round(timing.settleMs / 1000)} s of settling`,
    }));
  }

  /** Plans the checks and measures them once as the action lands (what was failing then, the target before). */
  async function beginVerification(r: Remediation, resumed: boolean): Promise<VerificationRecord> {
    const incident = await deps.store.incidents.getDetail(r.incident_id).catch(() => undefined);
    const nowMs = deps.clock.nowMs();
    const specs = await planChecks({ metrics: deps.metrics, callers: deps.callers, disturbed: deps.disturbed }, { namespace: r.namespace, name: r.target }, planOf(r).trigger, incident, nowMs, r.action_type);
    const before = (r.before_state as DeploymentState | null) ?? (await cluster().readDeployment(r.namespace, r.target));
    const atApply = await evaluate(specs, before, deps.metrics, nowMs);
    return startRecord(specs, atApply, before, timing, nowMs, resumed);
  }

  async function verify(r: Remediation) {
    let rec = r.verification as VerificationRecord | null;
    if (!rec?.specs) rec = await beginVerification(r, true);
    const deadline = Date.parse(rec.deadline);
    let state: DeploymentState | undefined;
    let results: Evaluated[] = [];
    while (!stopped) {
      await queries.lease(r.id, deps.owner, ttl);
      if ((await deps.store.remediations.get(r.id)).status !== 'verifying') return; // an operator kept or reverted it
      const nowMs = deps.clock.nowMs();
      try {
        state = await cluster().readDeployment(r.namespace, r.target);
        results = await evaluate(rec.specs, state, deps.metrics, nowMs, Date.parse(rec.applied_at));
      } catch (err) {
        // A dropped connection is not evidence either way: poll again until the deadline.
        log.warn('verification poll failed; trying again', { id: r.id, err: errorMessage(err) });
        if (nowMs >= deadline) break;
        await sleep(pollMs);
        continue;
      }
      failpoint('remediation.during-verify');
      const next = advance(rec, results, state, nowMs, timing);
      if (next.phase === 'passed') return pass(r, next, state);
      if (next.phase === 'inconclusive') return finish(r, 'failed', { after_state: state, verification: next, error: next.reason });
      if (next.phase !== rec.phase || next.reason !== rec.reason) await saveProgress(r.id, next);
      rec = next;
      if (nowMs >= deadline) break;
      await sleep(pollMs);
    }
    if (stopped) return;
    if (!state) return finish(r, 'failed', { verification: { ...rec, phase: 'inconclusive', reason: 'the target could not be read before the deadline' }, error: 'verification could not read the target' });
    await failVerification(r, state, rec, results);
  }

  /** Progress is visible while verifying; written only while still verifying, so it never undoes an operator's decision. */
  async function saveProgress(id: string, rec: VerificationRecord) {
    await deps.store.db.query(`UPDATE remediations SET verification = $2 WHERE id = $1 AND status = 'verifying'`, [id, JSON.stringify(rec)]);
  }

  /** Passed: the fault is gone. Credited to the action only if it was there when the action landed and nothing else changed. */
  async function pass(r: Remediation, rec: VerificationRecord, state: DeploymentState) {
    const doubt = attributionDoubt(rec, await otherChanges(r, state));
    const verification: VerificationRecord = { ...rec, attributed: !doubt, reason: doubt ? `${rec.reason}; not credited to this action: ${doubt}` : `${rec.reason}; the improvement followed this action` };
    return finish(r, 'succeeded', { after_state: state, verification });
  }

  /** Other writes in the namespace while this one was being verified, and writes to the target that are not ours. */
  async function otherChanges(r: Remediation, state: DeploymentState): Promise<string[]> {
    const rec = r.verification as VerificationRecord | null;
    const since = new Date(Date.parse(rec?.applied_at ?? r.updated_at) - timing.settleMs);
    const { rows } = await deps.store.db.query<{ action_type: string; target: string }>(
      `SELECT action_type, target FROM remediations WHERE namespace = $1 AND id <> $2 AND before_state IS NOT NULL AND updated_at >= $3
         AND status IN ('applying', 'verifying', 'succeeded', 'failed', 'reverted')`,
      [r.namespace, r.id, since],
    );
    const out = rows.map((x) => `${x.action_type} on ${x.target}`);
    const marker = state.annotations[MARKER_ANNOTATION];
    if (marker && !marker.startsWith(r.id)) out.push(`${r.target} was changed again by another write`);
    return out;
  }

  /** Deadline passed without the checks holding: revert only on evidence the action made things worse. */
  async function failVerification(r: Remediation, state: DeploymentState, rec: VerificationRecord, results: Evaluated[]) {
    const action = lookupAction(deps.actions, r.action_type);
    const worse = madeWorse(rec, results, r.target);
    // A failure teaches only when it is the action's: the fault was there when it landed and nothing else changed meanwhile.
    const doubt = failureDoubt(rec, results, await otherChanges(r, state));
    const verification: VerificationRecord = {
      ...rec,
      phase: 'failed',
      attributed: !doubt,
      reason: `${rec.reason}; deadline passed${worse ? `; ${worse}` : '; no evidence the action made things worse, so it is left in place'}${doubt ? `; not held against this action: ${doubt}` : ''}`,
    };
    if (!worse || !action.revert) return finish(r, 'failed', { after_state: state, verification, error: 'verification did not pass before the deadline' });
    try {
      await action.revert(ctx(), r.before_state as DeploymentState, { dryRun: false, marker: `${r.id}:revert` });
      return finish(r, 'reverted', { after_state: state, verification, error: `the action made things worse (${worse}); it was reverted` });
    } catch (err) {
      return finish(r, 'failed', { after_state: state, verification, error: `the action made things worse and its revert failed: ${errorMessage(err)}` });
    }
  }

  /** An operator ends verification: keep the change (succeeded, not credited as evidence) or undo it. */
  async function keep(id: string, actor: string, reason?: string, role?: string): Promise<Remediation> {
    const cur = await deps.store.remediations.get(id);
    const rec = cur.verification as VerificationRecord | null;
    const verification = rec ? { ...rec, phase: 'passed' as const, attributed: false, reason: `kept by ${actor}${reason ? `: ${reason}` : ''} before verification finished` } : cur.verification;
    const done = await transition(id, ['verifying'], 'succeeded', { verification }, actor, role, (next) => ({
      actor,
      message: `kept by ${actor}${reason ? `: ${reason}` : ''}`,
      status: { to: 'resolved', message: `resolved: ${next.action_type} on ${next.target} kept by ${actor}` },
    }));
    if (!done) throw new ConflictError(`remediation ${id} is ${cur.status}; only a remediation being verified can be kept`);
    await deliverOutcome(done, 'succeeded', deps.clock.nowMs());
    return done;
  }

  async function revert(id: string, actor: string, reason?: string, role?: string): Promise<Remediation> {
    const cur = await deps.store.remediations.get(id);
    if (cur.status !== 'verifying' && cur.status !== 'succeeded') throw new ConflictError(`remediation ${id} is ${cur.status}; only an applied remediation can be reverted`);
    const action = lookupAction(deps.actions, cur.action_type);
    if (!action.revert) throw new ConflictError(`${cur.action_type} cannot be undone`);
    try {
      await action.revert(ctx(), cur.before_state as DeploymentState, { dryRun: false, marker: `${id}:revert`, as: actingAs(actor) });
    } catch (err) {
      if (err instanceof ClusterForbiddenError) throw new ForbiddenError(`${actor} may not revert this change in the cluster: ${err.message}`);
      throw err;
    }
    const rec = cur.verification as VerificationRecord | null;
    const why = `reverted by ${actor}${reason ? `: ${reason}` : ''}`;
    const done = await transition(id, ['verifying', 'succeeded'], 'reverted', { verification: rec ? { ...rec, phase: 'failed', attributed: false, reason: why } : cur.verification, error: why }, actor, role, () => ({
      actor,
      message: why,
      status: { to: 'investigating', message: `${why}; back to investigation` },
    }));
    if (!done) throw new ConflictError(`remediation ${id} changed while it was being reverted`);
    await deliverOutcome(done, 'reverted', deps.clock.nowMs());
    return done;
  }

  async function finish(r: Remediation, status: RemediationOutcome['status'], fields: Partial<Remediation>) {
    const done = await transition(r.id, ['applying', 'verifying'], status, fields, 'aegis', undefined, (next) =>
      status === 'succeeded'
        ? {
            actor: 'aegis',
            message: `verified: ${planOf(next).summary}`,
            status: { to: 'resolved', message: `resolved by ${next.action_type} on ${next.target} (approved by ${next.approved_by ?? 'policy'})` },
          }
        : { actor: 'aegis', message: `${status}: ${next.error ?? ''}`, status: { to: 'investigating', message: `remediation ${status}; back to investigation` } },
      (next, tx) => rememberFailingTemplate(next, status, tx),
    );
    if (!done) return;
    failpoint('remediation.after-finish');
    await deliverOutcome(done, status, deps.clock.nowMs());
  }

  /** Gives the outcome to every listener (each must tolerate a repeat: a crash before the mark repeats it). */
  async function deliverOutcome(r: Remediation, status: RemediationOutcome['status'], finishedMs: number) {
    const approvedAt = r.approved_at ? Date.parse(r.approved_at) : null;
    const rec = r.verification as VerificationRecord | null;
    const attributed = rec?.attributed === true;
    const recoveryMs = status !== 'succeeded' ? null : (recoveredAfterMs(rec, timing) ?? (approvedAt ? finishedMs - approvedAt : null));
    const outcome: RemediationOutcome = { remediation: r, status, attributed, recoveryMs };
    for (const l of listeners) await Promise.resolve(l(outcome)).catch((err: unknown) => log.error('remediation outcome listener failed', { err: errorMessage(err) }));
    await queries.outcomeDelivered(r.id);
  }

  async function deliverPendingOutcome(r: Remediation) {
    if (!OUTCOME_STATUSES.includes(r.status) || !(await queries.outcomePending(r.id))) return;
    log.info('delivering a remediation outcome left undelivered by a crash', { id: r.id, status: r.status });
    await deliverOutcome(r, r.status as RemediationOutcome['status'], Date.parse(r.updated_at));
  }

  async function reconcile(): Promise<number> {
    const ids = await queries.claimable();
    for (const id of ids) kick(id);
    return ids.length;
  }

  return {
    policy,
    propose,
    approve,
    reject,
    withdraw,
    keep,
    revert,
    reconcile,
    start() {
      stopped = false;
      unsubscribeIncidents ??= deps.bus.subscribe('incidents', async (e) => {
        const id = (e.data as { id?: string } | undefined)?.id;
        const over = e.type === 'incident.resolved' || e.type === 'incident.closed' || (e.data as { status?: string } | undefined)?.status === 'resolved';
        // Awaited, so the bus's drain covers it too.
        if (over && id) await withdrawForIncident(id).catch((err: unknown) => log.error('withdrawing proposals failed', { incidentId: id, err: errorMessage(err) }));
      });
      void reconcile().catch((err: unknown) => log.error('remediation reconcile failed', { err: errorMessage(err) }));
      timer = setInterval(() => void reconcile().catch(() => {}), deps.reconcileEveryMs ?? 5_000);
      timer.unref?.();
    },
    async stop() {
      stopped = true;
      unsubscribeIncidents?.();
      unsubscribeIncidents = undefined;
      if (timer) clearInterval(timer);
      await Promise.allSettled([...running.values()]);
    },
    async idle() {
      while (running.size) await Promise.allSettled([...running.values()]);
    },
    async settled() {
      for (;;) {
        // A sleeper the clock just woke is still counted until its continuation runs: let it run first.
        await new Promise((r) => setImmediate(r));
        if (running.size <= parked) return;
        await new Promise<void>((resolve) => {
          const done = () => {
            parkedListeners.delete(done);
            resolve();
          };
          parkedListeners.add(done);
          void Promise.race([...running.values()]).then(done);
        });
      }
    },
    onOutcome(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
}

/** Keeps the dry run's answer small: the fields a reviewer looks at. */
function summariseObject(o: unknown): unknown {
  const obj = o as { kind?: string; metadata?: { name?: string; resourceVersion?: string; generation?: number }; spec?: { replicas?: number } } | undefined;
  if (!obj || typeof obj !== 'object') return o ?? null;
  if ('toRevision' in obj) return obj;
  return { kind: obj.kind ?? null, name: obj.metadata?.name ?? null, generation: obj.metadata?.generation ?? null, replicas: obj.spec?.replicas ?? null };
}
