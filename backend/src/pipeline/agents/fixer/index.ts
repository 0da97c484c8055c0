import { z } from 'zod';
import type { RemediationService } from '../../../remediation/index.js';
import type { Simulator } from '../../../sources/simulator/index.js';
import type { MetricsSource, RangeQuery, Series, CollectorResult } from '../../../sources/types.js';
import { severity } from '../../../store/types.js';
import { defineAgent } from '../../agent.js';
import type { ToolRunner } from '../../tools.js';
import { incidentBrief } from '../../types.js';
import { FEATURE_NAMES, faultSignature, triggeringMetric } from './features.js';
import type { FixerModel } from './model.js';
import { FIXER_ACTIONS } from './bandit.js';
import { decide, MIN_CONFIDENCE, ruleTable } from './policy.js';
import { EPISODE_OPTIONS } from './train.js';
import { smallestRecovering, tryCandidates } from './simulate.js';
import { abnormality, honestConfidence, NORMAL_SIGNATURE } from './confidence.js';
import { loadRootCauseCalibrator, type RootCauseCalibrator } from './root-cause.js';

export { FIXER_ACTIONS, createBandit, type Bandit, type BanditState } from './bandit.js';
export { FEATURE_NAMES, faultSignature, triggeringMetric, type Signature } from './features.js';
export { decide, ruleTable, ACTION_COST } from './policy.js';
export { loadFixerModel, DEFAULT_MODEL_FILE, type FixerModel, type StoredModel } from './model.js';
export { collectEpisodes, planEpisodes, trainBandit, trainableServices, trainingBase, EPISODE_OPTIONS } from './train.js';
export { scorePolicy, policies, reliability, type PolicyScore, type ReliabilityRow } from './evaluate.js';
export { honestConfidence, abnormality, PROPOSE_THRESHOLD, NORMAL_SIGNATURE, type Confidence } from './confidence.js';
export { fitPlatt, plattCalibrator, loadRootCauseCalibrator, ROOT_CAUSE_CALIBRATION_FILE, rootCauseCalibrationSchema, type RootCauseCalibration, type RootCauseSample } from './root-cause.js';
export { whatIf, runEpisode, healthy, meetsVerificationBar, applySimAction, scaleOutLadder, tryCandidates, smallestRecovering, type Episode, type SimOutcome, type WhatIfRun } from './simulate.js';

const MIN = 60_000;
/** Suspects the fixer looks at, most probable first, and how probable one must be to be acted on instead of a normal-looking first. */
const MAX_SUSPECTS = 3;
const MIN_SUSPECT_PROBABILITY = 0.1;

export const fixerInput = z.object({
  incident: incidentBrief,
  severity,
  route: z.enum(['investigate', 'auto-handle', 'notify-only']),
  rcaTop: z.array(z.object({ service: z.string(), probability: z.number() })),
  similar: z.array(z.object({ incident_id: z.string(), similarity: z.number(), action: z.string().nullable(), outcome: z.enum(['succeeded', 'failed', 'none']) })),
  /** Actions already rejected, failed or reverted on a service in this incident: never proposed again. */
  exclude: z.array(z.object({ service: z.string(), action: z.string() })).default([]),
  /** Services another open incident has its own signals on (and this one has none): that incident fixes them (ownership.ts). */
  handledElsewhere: z.array(z.object({ service: z.string(), incident_id: z.string(), title: z.string() })).default([]),
  /** Services a fix for this incident may target (its signals' services, their dependencies and callers); empty: any. */
  related: z.array(z.string()).default([]),
});
export type FixerInput = z.infer<typeof fixerInput>;

export const fixerOutput = z.object({
  target: z.string().nullable(),
  namespace: z.string(),
  features: z.record(z.string(), z.number()),
  feature_vector: z.array(z.number()),
  ranked: z.array(z.object({ action: z.string(), p_success: z.number(), confidence: z.number(), expected_reward: z.number(), score: z.number(), outcomes_seen: z.number() })),
  rule_table_action: z.string(),
  what_if: z.array(z.object({ action: z.string(), replicas: z.number().optional(), recovered: z.boolean(), recovery_ms: z.number().nullable() })).nullable(),
  plan: z.object({ action: z.string(), confidence: z.number(), rationale: z.string(), model: z.string() }),
  /** confidence = p_root_cause × p_action (see confidence.ts). */
  p_root_cause: z.number().optional(),
  /** The RCA probability of the target before calibration. */
  p_root_cause_rca: z.number().nullable().optional(),
  p_action: z.number().optional(),
  remediation_id: z.string().nullable(),
  proposal_error: z.string().nullable(),
});
export type FixerOutput = z.infer<typeof fixerOutput>;

/** Metric queries through the tool runner, so the fixer's reads are recorded like any agent's. */
function recordedMetrics(tools: ToolRunner): MetricsSource {
  return {
    name: 'tools',
    listSeries: async () => ({ results: [], errors: [] }),
    queryRange: (q: RangeQuery) =>
      tools.call<CollectorResult<Series>>('metrics_query_range', { service: q.service, metric: q.metric, namespace: q.namespace, from: q.from, to: q.to, step_ms: q.stepMs, per_pod: q.perPod }),
  };
}

export interface FixerDeps {
  model: () => FixerModel;
  remediation?: RemediationService;
  /** The in-process simulator, when there is one: what-if runs happen on copies of it. */
  simulator?: () => Simulator | undefined;
  /** RCA probability → P(the target is the root cause); default: the shipped calibration (root-cause.ts); null: none. */
  rootCause?: RootCauseCalibrator | null;
}

/**
 * Picks an action for the top cause with the learned policy, checks the best candidates on a copy of
 * the simulator when one is available, and proposes the plan (dry run + policy) to remediation.
 */
export function createFixerAgent(deps: FixerDeps) {
  const calibrateRoot = deps.rootCause === null ? undefined : (deps.rootCause ?? loadRootCauseCalibrator());
  return defineAgent({
    id: 'fixer',
    description: 'Chooses a remediation for the top root cause (contextual bandit, what-if on a simulator copy) and proposes it.',
    input: fixerInput,
    output: fixerOutput,
    timeoutMs: 60_000,
    retries: 0,
    async run(input, ctx) {
      const { incident } = input;
      // The most probable causes, whatever order the ranking arrived in.
      const ranked0 = [...input.rcaTop].sort((a, b) => b.probability - a.probability);
      // A suspect not connected to this incident's own signals is another fault's: it gets its own incident.
      const related = new Set(input.related);
      const connected = ranked0.filter((s) => !related.size || related.has(s.service));
      const suspects = connected.length ? connected : ranked0;
      const unconnected = suspects === connected ? ranked0.filter((s) => !connected.includes(s) && s.probability > (connected[0]?.probability ?? 0)) : [];
      let top = suspects[0];
      let target = top?.service ?? incident.services[0] ?? null;
      const empty = { namespace: incident.namespace, features: {}, feature_vector: [], ranked: [], rule_table_action: 'none', what_if: null, remediation_id: null };
      if (!target) return { ...empty, target: null, plan: { action: 'none', confidence: 0, rationale: 'no affected service to act on', model: 'none' }, proposal_error: null };
      if (!ctx.tools.has('metrics_query_range')) return runbookOnly(input, target, empty, deps);
      const signatureOf = async (service: string) => {
        const change = ctx.tools.has('k8s_recent_change')
          ? await ctx.tools.call<{ changed: boolean }>('k8s_recent_change', { name: service, namespace: incident.namespace, since: incident.startedAt - 30 * MIN }).catch(() => ({ changed: false }))
          : { changed: false };
        return faultSignature(recordedMetrics(ctx.tools), service, ctx.now(), { recentChange: change.changed, incidentStartMs: incident.startedAt, namespace: incident.namespace });
      };
      let sig = await signatureOf(target);
      // A suspect whose own metrics show nothing abnormal is not acted on: the next probable one that does is.
      const passedOver: string[] = unconnected.map((s) => `${s.service} (p=${s.probability.toFixed(2)}) is not connected to this incident's services`);
      for (const next of suspects.slice(1, MAX_SUSPECTS)) {
        if (abnormality(sig.features) >= NORMAL_SIGNATURE || next.probability < MIN_SUSPECT_PROBABILITY) break;
        const nextSig = await signatureOf(next.service);
        if (abnormality(nextSig.features) < NORMAL_SIGNATURE) continue;
        passedOver.push(`${target} (p=${(top?.probability ?? 0).toFixed(2)}) shows nothing abnormal in its metrics`);
        top = next;
        target = next.service;
        sig = nextSig;
      }
      const model = deps.model();
      const bonus = similarBonus(input.similar);
      const decision = decide(model.bandit, sig.features, bonus);
      const ranked = decision.ranked.map((r) => ({ action: r.action, p_success: r.pSuccess, confidence: r.calibrated, expected_reward: r.reward, score: r.score, outcomes_seen: r.n }));
      const excluded = new Set(input.exclude.filter((e) => e.service === target).map((e) => e.action));
      let chosen = model.source === 'untrained' ? ruleTable(sig.features) : decision.action;
      const best = ranked[0];
      if (excluded.has(chosen)) {
        // Already tried or refused here: the next action likely enough to work, else nothing.
        const next = decision.ranked.find((r) => !excluded.has(r.action) && r.action !== 'none' && r.calibrated >= MIN_CONFIDENCE);
        chosen = next?.action ?? 'none';
      }
      let rationale = passedOver.map((x) => `${x}; `).join('') + (
        model.source === 'untrained'
          ? 'no trained model: the fixed rule table chose'
          : chosen === 'none' && best && best.action !== 'none'
            ? `learned policy (${model.episodes} outcomes): the best action, ${best.action}, would recover ${target} with only ${(best.confidence * 100).toFixed(0)}% confidence (below ${MIN_CONFIDENCE * 100}%), so nothing is proposed`
            : `learned policy (${model.episodes} outcomes) ranks ${chosen} first`);
      const sim = deps.simulator?.();
      let what_if: FixerOutput['what_if'] = null;
      let params: { replicas?: number } = {};
      if (!sim) rationale += '; no simulator of this cluster, so no what-if run: the estimate rests on the learned model alone';
      if (sim && sim.topology.services.some((s) => s.name === target)) {
        // The chosen action first, then the next best, stopping at the first that recovers (each run costs CPU).
        const candidates = [...new Set([chosen, ...ranked.map((r) => r.action)])].filter((a) => a !== 'none' && !excluded.has(a)).slice(0, 3);
        what_if = tryCandidates(sim, target, candidates, EPISODE_OPTIONS.horizonMs);
        const chosenWorks = what_if.some((w) => w.action === chosen && w.recovered);
        const alternative = what_if.find((w) => w.recovered);
        if (!chosenWorks && alternative) {
          rationale += `; the what-if run says ${chosen} would not recover ${target} within ${EPISODE_OPTIONS.horizonMs / MIN} min but ${alternative.action} would, so ${alternative.action} is proposed`;
          chosen = alternative.action;
        }
        const sized = smallestRecovering(what_if, chosen)?.replicas;
        if (sized !== undefined) {
          params = { replicas: sized };
          if (what_if.some((w) => w.action === chosen && !w.recovered)) rationale += `; the what-if run needed ${sized} replicas to bring ${target} back to within 50% of its normal latency (fewer left it queueing)`;
        }
      }
      const chosenEstimate = decision.ranked.find((r) => r.action === chosen);
      const honest = honestConfidence({
        pRootCause: top ? top.probability : null,
        calibrateRoot,
        pAction: chosenEstimate?.calibrated ?? best?.confidence ?? 0,
        features: sig.features,
        leverage: chosenEstimate?.leverage ?? 0,
        whatIf: what_if ? { chosenRecovers: what_if.some((w) => w.action === chosen) ? what_if.some((w) => w.action === chosen && w.recovered) : null, anyRecovers: what_if.some((w) => w.recovered) } : null,
      });
      const confidence = honest.value;
      rationale += `; confidence ${(confidence * 100).toFixed(0)}% = root cause ${(honest.pRootCause * 100).toFixed(0)}% × action ${(honest.pAction * 100).toFixed(0)}%${honest.notes.length ? ` (${honest.notes.join('; ')})` : ''}`;
      if (honest.abstain && chosen !== 'none') {
        rationale += `; nothing is proposed: ${honest.abstain}`;
        chosen = 'none';
      }
      const features = Object.fromEntries(FEATURE_NAMES.map((n, i) => [n, sig.features[i] ?? 0]));
      const out = { ...empty, target, features, feature_vector: sig.features, ranked, rule_table_action: ruleTable(sig.features), what_if, plan: { action: chosen, confidence, rationale, model: model.source }, p_root_cause: honest.pRootCause, p_root_cause_rca: top?.probability ?? null, p_action: honest.pAction };
      const elsewhere = input.handledElsewhere.find((h) => h.service === target);
      if (chosen === 'none' || input.route === 'notify-only' || !deps.remediation || elsewhere) {
        const why =
          chosen === 'none'
            ? (honest.abstain ?? 'no action is expected to help')
            : elsewhere
              ? `${target} is the subject of incident "${elsewhere.title}" (${elsewhere.incident_id}), which has its own signals on it: the fix is proposed there`
              : input.route === 'notify-only'
                ? 'triage routed this incident to notify-only'
                : 'remediation is not configured';
        return { ...out, proposal_error: why };
      }
      const trigger = triggeringMetric(sig);
      try {
        const r = await deps.remediation.propose({
          incidentId: incident.id,
          action: chosen,
          namespace: incident.namespace,
          target,
          params,
          confidence,
          severity: input.severity,
          trigger: trigger ? { service: target, ...trigger, direction: 'down' } : undefined,
          predicted: { what_if: (what_if && smallestRecovering(what_if, chosen)) ?? what_if?.find((w) => w.action === chosen) ?? null, p_success: honest.pAction, p_root_cause: honest.pRootCause, features: sig.features, ranked: ranked.slice(0, 3) },
          rationale,
          actor: 'agent:fixer',
        });
        return { ...out, remediation_id: r.id, proposal_error: null };
      } catch (err) {
        return { ...out, proposal_error: err instanceof Error ? err.message : String(err) };
      }
    },
  });
}

/** Alert rules may name the action their runbook prescribes (label `aegis_action`). */
export const RUNBOOK_LABEL = 'aegis_action';
const RUNBOOK_CONFIDENCE = 0.5;

/**
 * Without metrics there is no fault signature to learn from; the fixer then proposes only what the
 * alert's own runbook label names, with an uninformed confidence, and verification checks the rollout.
 */
async function runbookOnly(
  input: FixerInput,
  target: string,
  empty: Omit<FixerOutput, 'target' | 'plan' | 'proposal_error'>,
  deps: FixerDeps,
): Promise<FixerOutput> {
  const named = input.incident.labels[RUNBOOK_LABEL];
  const action = named && (FIXER_ACTIONS as readonly string[]).includes(named) && named !== 'none' ? named : undefined;
  if (!action || !deps.remediation || input.route === 'notify-only') {
    const why = action ? 'remediation is not configured or triage routed to notify-only' : `no metrics source (cannot read the fault signature) and no ${RUNBOOK_LABEL} label on the alert`;
    return { ...empty, target, plan: { action: 'none', confidence: 0, rationale: why, model: 'none' }, proposal_error: why };
  }
  const rationale = `no metrics source: the alert's runbook label ${RUNBOOK_LABEL}=${action} names the action`;
  const plan = { action, confidence: RUNBOOK_CONFIDENCE, rationale, model: 'alert-runbook' };
  try {
    const r = await deps.remediation.propose({ incidentId: input.incident.id, action, namespace: input.incident.namespace, target, confidence: RUNBOOK_CONFIDENCE, severity: input.severity, rationale, actor: 'agent:fixer' });
    return { ...empty, target, plan, remediation_id: r.id, proposal_error: null };
  } catch (err) {
    return { ...empty, target, plan, proposal_error: err instanceof Error ? err.message : String(err) };
  }
}

/** Actions that resolved very similar past incidents get a small head start; ones that failed there, a small handicap. */
export function similarBonus(similar: FixerInput['similar']): Record<string, number> {
  const bonus: Record<string, number> = {};
  // Only outcomes count: a rejection or an open proposal says nothing about whether the action works.
  for (const s of similar) {
    if (!s.action || s.similarity < 0.8 || s.outcome === 'none') continue;
    const b = (s.outcome === 'succeeded' ? 0.1 : -0.1) * s.similarity;
    bonus[s.action] = Math.abs(b) > Math.abs(bonus[s.action] ?? 0) ? b : (bonus[s.action] ?? 0);
  }
  return bonus;
}
