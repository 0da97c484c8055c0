import type { JobQueue } from '../coordination/jobs.js';
import type { EventBus } from '../events/bus.js';
import type { Extension } from '../extensions/index.js';
import type { Rule } from '../iac/index.js';
import type { Clock } from '../platform/clock.js';
import { errorMessage } from '../platform/errors.js';
import type { Logger } from '../platform/logger.js';
import type { Registry } from '../platform/registry.js';
import type { RcaService } from '../rca/index.js';
import type { RemediationOutcome, RemediationService } from '../remediation/index.js';
import type { Simulator } from '../sources/simulator/index.js';
import type { Store } from '../store/index.js';
import type { Incident, IncidentDetail } from '../store/types.js';
import type { AgentContext, AgentDefinition } from './agent.js';
import { createComplianceCheckerAgent } from './agents/compliance-checker/index.js';
import { abnormality, createFixerAgent, type FixerModel, type FixerOutput, NORMAL_SIGNATURE } from './agents/fixer/index.js';
import type { ScannerProvider } from './agents/live-objects.js';
import { logAnalystAgent, type LogAnalystOutput } from './agents/log-analyst/index.js';
import { metricCorrelatorAgent } from './agents/metric-correlator/index.js';
import { createPostmortemAgent } from './agents/postmortem-writer/index.js';
import { createRcaAgent, type RcaAgentOutput } from './agents/rca/index.js';
import { createSecurityAuditorAgent } from './agents/security-auditor/index.js';
import { triageAgent, type TriageOutput } from './agents/triage/index.js';
import type { LlmClient } from './llm.js';
import { createContinuous, type ContinuousOptions } from './continuous.js';
import { measureImpact, moreSevere, severityFromImpact } from './impact.js';
import { handledElsewhere, proposalsToMoveHere, relatedServices } from './ownership.js';
import { cosineSparse, hashVector, incidentTokens } from './similar.js';
import type { PipelineStore, Postmortem } from './store.js';
import { createToolRunner, type ToolRegistry } from './tools.js';
import type { IncidentBrief } from './types.js';

const MIN = 60_000;
/** Incidents continuous investigation looks at again (an applied action is left to verification). */
const REINVESTIGABLE: Incident['status'][] = ['investigating', 'awaiting_approval'];
/** A root cause this probable names the incident. */
const PROBABLE_CAUSE = 0.5;

export interface PipelineDeps {
  store: Store;
  pipelineStore: PipelineStore;
  bus: EventBus;
  clock: Clock;
  logger: Logger;
  tools: ToolRegistry;
  rca: RcaService;
  remediation?: RemediationService;
  fixerModel: () => FixerModel;
  simulator?: () => Simulator | undefined;
  getScanner?: ScannerProvider;
  iacRules?: () => Rule[];
  llm?: LlmClient;
  /** Where incidents without a namespace live. */
  defaultNamespace: string;
  /** User-module agents (registries.agents): run beside the built-in investigators. */
  extensionAgents?: Registry<Extension>;
  /** Pipelines at once; more wait their turn. */
  concurrency?: number;
  /** Where investigations queue so that any replica may run each one, once (absent: run where announced). */
  jobs?: JobQueue;
  /** Continuous investigation timing (debounce, revisit, sweep). */
  continuous?: ContinuousOptions;
}

/** The job queue every replica works: one job per incident to investigate. */
export const INVESTIGATE_QUEUE = 'pipeline-investigate';

export interface SimilarIncident {
  incident_id: string;
  title: string;
  status: string;
  similarity: number;
  root_cause: string | null;
  resolution: string | null;
  /** `attributed`: its verification credited the outcome (the recovery, or the failure) to the action (only those count as evidence). */
  remediation: { action: string; status: string; attributed: boolean } | null;
  created_at: string;
}

export interface Pipeline {
  /** Runs every agent for an incident (once: a second call while one runs, or after it ran, is skipped). */
  run(incidentId: string): Promise<{ ran: boolean; remediationId: string | null }>;
  /** Re-runs RCA and the fixer now (continuous investigation does this on new evidence and as time passes). */
  reinvestigate(incidentId: string, reasons?: string[]): Promise<boolean>;
  /** One continuous-investigation sweep now (tests). */
  sweep(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Incidents left open or half-investigated (a restart) get their pipeline. */
  reconcile(): Promise<number>;
  writePostmortem(incidentId: string): Promise<Postmortem>;
  similar(incidentId: string, limit?: number): Promise<SimilarIncident[]>;
  idle(): Promise<void>;
}

export function createPipeline(deps: PipelineDeps): Pipeline {
  const log = deps.logger;
  const inFlight = new Map<string, Promise<{ ran: boolean; remediationId: string | null }>>();
  const background = new Set<Promise<unknown>>();
  const unsubscribe: Array<() => void> = [];
  const waiting: Array<() => void> = [];
  let active = 0;
  const limit = deps.concurrency ?? 4;

  const rcaAgent = createRcaAgent(deps.rca);
  const securityAgent = createSecurityAuditorAgent(deps.getScanner);
  const complianceAgent = createComplianceCheckerAgent(deps.getScanner, deps.iacRules);
  const fixerAgent = createFixerAgent({ model: deps.fixerModel, remediation: deps.remediation, simulator: deps.simulator });
  const postmortemAgent = createPostmortemAgent({
    load: async (id) => ({
      incident: await deps.store.incidents.getDetail(id),
      executions: await deps.store.executions.listByIncident(id),
      remediations: await deps.store.remediations.listByIncident(id),
    }),
  });

  const activity = (type: string, data: Record<string, unknown>) => deps.bus.publish('agent-activity', type, data);

  /** Runs one agent with its timeout and retries; every attempt is an agent_executions row. */
  async function runAgent<I, O>(agent: AgentDefinition<I, O>, input: I, incidentId: string): Promise<O | undefined> {
    const attempts = 1 + (agent.retries ?? 1);
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const exec = await deps.store.executions.start({ incidentId, agent: agent.id, input, attempt });
      activity('agent.started', { incident_id: incidentId, agent: agent.id, execution_id: exec.id, attempt });
      const tools = createToolRunner(deps.tools);
      const controller = new AbortController();
      const ctx: AgentContext = { tools, logger: log.child({ agent: agent.id, incidentId }), now: () => deps.clock.nowMs(), signal: controller.signal, llm: deps.llm, usage: { tokens: 0 } };
      let timer: NodeJS.Timeout | undefined;
      try {
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            controller.abort();
            reject(new AgentTimeout(`${agent.id} timed out after ${agent.timeoutMs ?? 30_000} ms`));
          }, agent.timeoutMs ?? 30_000);
        });
        const output = agent.output.parse(await Promise.race([agent.run(agent.input.parse(input), ctx), timeout]));
        const done = await deps.store.executions.finish(exec.id, { status: 'success', output, toolCalls: tools.calls, tokensUsed: ctx.usage.tokens || undefined });
        activity('agent.finished', { incident_id: incidentId, agent: agent.id, execution_id: exec.id, status: 'success', duration_ms: done.duration_ms });
        return output;
      } catch (err) {
        const status = err instanceof AgentTimeout ? 'timeout' : 'failed';
        await deps.store.executions.finish(exec.id, { status, error: errorMessage(err), toolCalls: tools.calls });
        activity('agent.finished', { incident_id: incidentId, agent: agent.id, execution_id: exec.id, status, error: errorMessage(err) });
        log.warn('agent failed', { agent: agent.id, incidentId, attempt, status, err: errorMessage(err) });
      } finally {
        if (timer) clearTimeout(timer);
      }
    }
    return undefined;
  }

  const brief = (i: IncidentDetail): IncidentBrief => ({
    id: i.id,
    title: i.title,
    severity: i.severity,
    namespace: i.namespace ?? deps.defaultNamespace,
    services: i.services.length ? i.services : [...new Set(i.signals.map((s) => s.service).filter((s): s is string => !!s))],
    startedAt: Date.parse(i.started_at),
    at: deps.clock.nowMs(),
    signals: i.signals.map((s) => ({ source: s.source, service: s.service, summary: s.summary, payload: s.payload })),
    labels: i.labels,
  });

  /** open → investigating under the incident's row lock: the first caller runs the pipeline, others skip. */
  async function claim(id: string, resume: boolean): Promise<boolean> {
    const incident = await deps.store.incidents.get(id);
    if (incident.status === 'open') {
      return deps.store.db.transaction(async (tx) => {
        const { rows } = await tx.query<{ status: string }>('SELECT status FROM incidents WHERE id = $1 FOR UPDATE', [id]);
        if (rows[0]?.status !== 'open') return false;
        const updated = await deps.store.incidents.setStatus(id, 'investigating', 'aegis', 'agents investigating', tx);
        deps.bus.publish('incidents', 'incident.updated', updated);
        return true;
      });
    }
    return resume && incident.status === 'investigating' && !(await investigated(id));
  }

  /** Its fixer has finished: the investigation is done, whatever a re-sent job says. */
  async function investigated(id: string): Promise<boolean> {
    const { rows } = await deps.store.db.query(`SELECT 1 FROM agent_executions WHERE incident_id = $1 AND agent = 'fixer' AND status <> 'running' LIMIT 1`, [id]);
    return rows.length > 0;
  }

  async function slot<T>(fn: () => Promise<T>): Promise<T> {
    if (active >= limit) await new Promise<void>((r) => waiting.push(r));
    active++;
    try {
      return await fn();
    } finally {
      active--;
      waiting.shift()?.();
    }
  }

  async function investigate(id: string): Promise<{ ran: boolean; remediationId: string | null }> {
    const detail = await deps.store.incidents.getDetail(id);
    const b = brief(detail);
    activity('pipeline.started', { incident_id: id, services: b.services });
    const triage = await runAgent(triageAgent, { incident: b }, id);
    const neighbours = new Set(b.services);
    for (const s of b.services) for (const d of deps.tools.has('graph_neighbours') ? ((await deps.tools.get('graph_neighbours').run({ service: s })) as { downstream: string[] }).downstream : []) neighbours.add(d);
    const watched = [...neighbours].slice(0, 8);
    const changedFiles = b.signals.flatMap((s) => changedFilesOf(s.payload));
    // Only RCA feeds the fixer; the other investigators inform people and run alongside it.
    const alongside = Promise.all([
      runAgent(logAnalystAgent, { services: watched, namespace: b.namespace, from: b.startedAt - 5 * MIN, to: b.at }, id),
      runAgent(metricCorrelatorAgent, { services: watched, namespace: b.namespace, startedAt: b.startedAt, at: b.at }, id),
      runAgent(securityAgent, { services: b.services, namespace: b.namespace, changed_files: changedFiles }, id),
      runAgent(complianceAgent, { services: b.services, namespace: b.namespace }, id),
      ...extensionAgents().map((a) => runAgent(a, { incident: b }, id)),
    ]);
    const rca = await runAgent(rcaAgent, { incidentId: id }, id);
    await followEvidence(id, rca).catch((err: unknown) => log.warn('updating the incident from its evidence failed', { incidentId: id, err: errorMessage(err) }));
    const fixer = await decideFix(detail, b, rca, (triage as TriageOutput | undefined)?.severity ?? b.severity, (triage as TriageOutput | undefined)?.route ?? 'investigate');
    const [logs] = await alongside;
    await saveVector(detail, logs as LogAnalystOutput | undefined, rca, fixer);
    activity('pipeline.finished', { incident_id: id, remediation_id: fixer?.remediation_id ?? null, plan: fixer?.plan ?? null });
    continuous.ran(id);
    return { ran: true, remediationId: fixer?.remediation_id ?? null };
  }

  /** Similar incidents, then the fixer, with what this incident already tried or refused excluded. */
  async function decideFix(detail: IncidentDetail, b: IncidentBrief, rca: RcaAgentOutput | undefined, severity: IncidentBrief['severity'], route: TriageOutput['route']): Promise<FixerOutput | undefined> {
    await saveVector(detail, undefined, rca);
    const similar = await similarFor(detail.id, 5);
    const tried = (await deps.store.remediations.listByIncident(detail.id)).filter((r) => ['rejected', 'failed', 'reverted'].includes(r.status));
    // A proposal another incident made on this incident's own service moves here (see ownership.ts).
    for (const p of await proposalsToMoveHere(deps.store.db, detail.id)) {
      await deps.remediation?.withdraw(p.id, `incident ${detail.id} has ${p.target}'s own signals: the fix is proposed there`, 'agent:fixer');
    }
    const elsewhere = await handledElsewhere(deps.store.db, detail.id, rca?.ranking.map((r) => r.service) ?? []);
    const own = [...new Set(detail.signals.map((s) => s.service).filter((s): s is string => !!s))];
    const related = deps.tools.has('graph_neighbours') && own.length ? await relatedServices(own, async (service) => (await deps.tools.get('graph_neighbours').run({ service })) as { upstream: string[]; downstream: string[] }) : [];
    return runAgent(
      fixerAgent,
      {
        incident: b,
        severity,
        route,
        rcaTop: rca?.ranking.map((r) => ({ service: r.service, probability: r.probability })) ?? [],
        similar: similar.map((s) => ({
          incident_id: s.incident_id,
          similarity: s.similarity,
          action: s.remediation?.action ?? null,
          outcome: !s.remediation?.attributed ? ('none' as const) : s.remediation.status === 'succeeded' ? ('succeeded' as const) : s.remediation.status === 'failed' || s.remediation.status === 'reverted' ? ('failed' as const) : ('none' as const),
        })),
        exclude: tried.map((r) => ({ service: r.target, action: r.action_type })),
        handledElsewhere: elsewhere,
        related,
      },
      detail.id,
    );
  }

  /**
   * Continuous investigation: RCA again; a proposal on a service the evidence no longer points at is
   * withdrawn; the fixer runs when nothing is proposed. Busy (first run, an action underway) → false.
   */
  async function reinvestigate(id: string, reasons: string[] = ['asked']): Promise<boolean> {
    if (inFlight.has(id)) return false;
    const detail = await deps.store.incidents.getDetail(id);
    if (!REINVESTIGABLE.includes(detail.status)) return true;
    const rems = await deps.store.remediations.listByIncident(id);
    if (rems.some((r) => ['approved', 'applying', 'verifying'].includes(r.status))) return false;
    const p = slot(async () => {
      const b = brief(detail);
      activity('pipeline.reinvestigating', { incident_id: id, reasons });
      const rca = await runAgent(rcaAgent, { incidentId: id }, id);
      await followEvidence(id, rca).catch((err: unknown) => log.warn('updating the incident from its evidence failed', { incidentId: id, err: errorMessage(err) }));
      const top = rca?.ranking[0];
      const proposed = rems.find((r) => r.status === 'proposed');
      if (proposed) {
        if (!top || top.service === proposed.target) return { ran: true, remediationId: proposed.id };
        await deps.remediation?.withdraw(proposed.id, `the evidence moved on: ${top.service} is now the most probable cause (p=${top.probability.toFixed(2)}), not ${proposed.target}`, 'agent:fixer');
      }
      if (!proposed && reasons.every((r) => r.startsWith('time passed')) && !(await evidenceMoved(id, top))) return { ran: true, remediationId: null };
      await backToInvestigating(id);
      const fixer = await decideFix(detail, b, rca, detail.severity, 'investigate');
      activity('pipeline.finished', { incident_id: id, remediation_id: fixer?.remediation_id ?? null, plan: fixer?.plan ?? null, reinvestigation: reasons });
      return { ran: true, remediationId: fixer?.remediation_id ?? null };
    });
    inFlight.set(id, p);
    try {
      await track(p);
    } finally {
      inFlight.delete(id);
    }
    return true;
  }

  /** Title, services and severity follow the evidence: a probable root cause names the incident; impact sets severity. */
  async function followEvidence(id: string, rca: RcaAgentOutput | undefined) {
    const cur = await deps.store.incidents.get(id);
    const top = rca?.ranking[0];
    const probable = top && top.probability >= PROBABLE_CAUSE ? top : undefined;
    const services = probable && !cur.services.includes(probable.service) ? [...cur.services, probable.service] : cur.services;
    const base = cur.title.replace(/^[\w.-]+ suspected: /, '');
    const title = probable ? `${probable.service} suspected: ${base}` : cur.title;
    let severity = cur.severity;
    let why = probable ? `RCA ranks ${probable.service} first (p=${probable.probability.toFixed(2)})` : '';
    if (deps.tools.has('metrics_query_range') && deps.tools.has('graph_neighbours')) {
      const watched = await Promise.all(
        services.slice(0, 8).map(async (service) => ({ service, userFacing: ((await deps.tools.get('graph_neighbours').run({ service })) as { upstream: string[] }).upstream.length === 0 })),
      );
      const query = (q: Record<string, unknown>) => deps.tools.get('metrics_query_range').run(q) as ReturnType<Parameters<typeof measureImpact>[0]>;
      const impact = severityFromImpact(await measureImpact(query, watched, Date.parse(cur.started_at), deps.clock.nowMs()));
      if (moreSevere(impact.severity, severity) !== severity) {
        severity = impact.severity;
        why = [why, `impact: ${impact.reason}`].filter(Boolean).join('; ');
      }
    }
    if (title === cur.title && severity === cur.severity && services === cur.services) return;
    const updated = await deps.store.incidents.followEvidence(id, { title, severity, services }, 'agent:rca', why);
    deps.bus.publish('incidents', 'incident.updated', updated);
  }

  /** Since the fixer last looked: another top cause, or the same one clearly more probable (the fixer's what-if costs CPU). */
  async function evidenceMoved(id: string, top: { service: string; probability: number } | undefined): Promise<boolean> {
    const last = [...(await deps.store.executions.listByIncident(id))].reverse().find((e) => e.agent === 'fixer' && e.status === 'success')?.output as
      | { target?: string | null; p_root_cause?: number; p_root_cause_rca?: number | null; plan?: { action?: string }; feature_vector?: number[] }
      | undefined;
    if (!last || !top) return true;
    // It found nothing to act on yet (a leak caught early is below the fixer's bar): the signature grows with time.
    if (last.plan?.action === 'none' && abnormality(last.feature_vector ?? []) < NORMAL_SIGNATURE) return true;
    return last.target !== top.service || top.probability >= (last.p_root_cause_rca ?? last.p_root_cause ?? 0) + 0.1;
  }

  async function backToInvestigating(id: string) {
    const cur = await deps.store.incidents.get(id);
    if (cur.status !== 'awaiting_approval') return;
    const updated = await deps.store.incidents.setStatus(id, 'investigating', 'aegis', 'investigating again on new evidence').catch(() => undefined);
    if (updated) deps.bus.publish('incidents', 'incident.updated', updated);
  }

  const continuous = createContinuous({
    clock: deps.clock,
    logger: log,
    ...deps.continuous,
    openIncidents: async () =>
      (await deps.store.db.query<{ id: string }>(`SELECT id FROM incidents WHERE status = ANY($1) ORDER BY created_at LIMIT 500`, [REINVESTIGABLE])).rows.map((r) => r.id),
    rerun: (id, reasons) => reinvestigate(id, reasons),
  });

  function extensionAgents(): Array<AgentDefinition<unknown, unknown>> {
    return (deps.extensionAgents?.list() ?? []).filter(
      (e): e is Extension & AgentDefinition<unknown, unknown> => typeof e.run === 'function' && typeof (e.input as { parse?: unknown } | undefined)?.parse === 'function' && typeof (e.output as { parse?: unknown } | undefined)?.parse === 'function',
    );
  }

  async function saveVector(i: IncidentDetail, logs?: LogAnalystOutput, rca?: RcaAgentOutput, fixer?: FixerOutput) {
    const tokens = incidentTokens({
      services: i.services,
      signals: i.signals,
      labels: i.labels,
      templates: logs?.templates.map((t) => t.template).slice(0, 10),
      rootCause: rca?.ranking[0]?.service ?? null,
      features: fixer?.features,
    });
    await deps.pipelineStore.saveVector(i.id, hashVector(tokens), tokens.map((t) => (typeof t === 'string' ? t : t[0])).slice(0, 200));
  }

  async function similarFor(id: string, limit: number): Promise<SimilarIncident[]> {
    const mine = (await deps.pipelineStore.vectors('00000000-0000-0000-0000-000000000000', 1_000)).find((v) => v.incident_id === id);
    if (!mine) return [];
    const scored = (await deps.pipelineStore.vectors(id, 1_000))
      .map((v) => ({ id: v.incident_id, similarity: cosineSparse(mine.vector, v.vector) }))
      .filter((x) => x.similarity > 0)
      .sort((a, b) => b.similarity - a.similarity)
      .slice(0, limit);
    const out: SimilarIncident[] = [];
    for (const s of scored) {
      const inc: Incident = await deps.store.incidents.get(s.id);
      const rems = await deps.store.remediations.listByIncident(s.id);
      // Credited: verification held the outcome (a recovery or a failure) to be the action's.
      const credited = (r: (typeof rems)[number]) => ['succeeded', 'failed', 'reverted'].includes(r.status) && (r.verification as { attributed?: boolean } | null)?.attributed === true;
      const rem = rems.find((r) => r.status === 'succeeded' && credited(r)) ?? rems[rems.length - 1];
      const execs = await deps.store.executions.listByIncident(s.id);
      const rca = [...execs].reverse().find((e) => e.agent === 'rca' && e.status === 'success')?.output as RcaAgentOutput | undefined;
      out.push({
        incident_id: s.id,
        title: inc.title,
        status: inc.status,
        similarity: Math.round(s.similarity * 1000) / 1000,
        root_cause: rca?.ranking[0]?.service ?? null,
        resolution: inc.resolution ?? (rem ? `${rem.action_type} on ${rem.target}: ${rem.status}${rem.status === 'succeeded' && !credited(rem) ? ' (recovery not credited to it)' : ''}` : null),
        remediation: rem ? { action: rem.action_type, status: rem.status, attributed: credited(rem) } : null,
        created_at: inc.created_at,
      });
    }
    return out;
  }

  const writing = new Map<string, Promise<Postmortem>>();
  /** One writer per incident at a time: the resolve event and the remediation outcome often arrive together. */
  function writePostmortem(incidentId: string): Promise<Postmortem> {
    const existing = writing.get(incidentId);
    if (existing) return existing;
    const p = writePostmortemNow(incidentId).finally(() => writing.delete(incidentId));
    writing.set(incidentId, p);
    return p;
  }

  async function writePostmortemNow(incidentId: string): Promise<Postmortem> {
    const out = await runAgent(postmortemAgent, { incidentId }, incidentId);
    if (!out) throw new Error(`the postmortem writer failed for incident ${incidentId}`);
    const pm = await deps.pipelineStore.savePostmortem(incidentId, out.markdown, { sections: out.sections, llm: out.llm });
    deps.bus.publish('incidents', 'incident.postmortem', { incident_id: incidentId });
    return pm;
  }

  /**
   * A remediation's outcome teaches the fixer and, when it resolved the incident, gets a postmortem written.
   * An outcome the verification did not credit to the action teaches nothing: a recovery that came before it or
   * with another change, a failure beside another change, an operator's keep or revert, an apply that errored.
   */
  async function onOutcome(o: RemediationOutcome) {
    const r = o.remediation;
    const features = (r.plan as { predicted?: { features?: number[] } }).predicted?.features;
    if (features && o.attributed) {
      const fresh = await deps.pipelineStore.recordOutcome({ source: 'real', incidentId: r.incident_id, remediationId: r.id, service: r.target, action: r.action_type, features, success: o.status === 'succeeded', recoveryMs: o.recoveryMs });
      if (fresh) await deps.fixerModel().learn({ features, action: r.action_type, success: o.status === 'succeeded', recoveryMs: o.recoveryMs });
    }
    if (o.status === 'succeeded') await writePostmortem(r.incident_id);
    else continuous.mark(r.incident_id, `${r.action_type} on ${r.target} ${o.status}`);
  }

  const track = <T>(p: Promise<T>) => {
    background.add(p);
    void p.finally(() => background.delete(p)).catch(() => {});
    return p;
  };

  function run(incidentId: string, resume = false): Promise<{ ran: boolean; remediationId: string | null }> {
    const existing = inFlight.get(incidentId);
    if (existing) return existing;
    const p = (async () => {
      if (!(await claim(incidentId, resume))) return { ran: false, remediationId: null };
      return slot(() => investigate(incidentId));
    })().finally(() => inFlight.delete(incidentId));
    inFlight.set(incidentId, p);
    return track(p);
  }

  async function reconcile(): Promise<number> {
    const { rows } = await deps.store.db.query<{ id: string; status: string }>(
      `SELECT id, status FROM incidents i WHERE status IN ('open', 'investigating')
         AND NOT EXISTS (SELECT 1 FROM agent_executions e WHERE e.incident_id = i.id AND e.agent = 'fixer' AND e.status <> 'running')
       ORDER BY created_at LIMIT 200`,
    );
    for (const r of rows) void investigateSoon(r.id, true);
    return rows.length;
  }

  /** Through the job queue when there is one (any replica picks it up), else right here. */
  async function investigateSoon(id: string, resume = false): Promise<void> {
    try {
      if (deps.jobs) await deps.jobs.send(INVESTIGATE_QUEUE, { incidentId: id }, { key: id });
      else await run(id, resume);
    } catch (err) {
      log.error('pipeline failed', { incidentId: id, err: errorMessage(err) });
    }
  }

  return {
    run: (id) => run(id),
    reinvestigate,
    sweep: () => continuous.sweep(),
    reconcile,
    writePostmortem,
    similar: (id, limit = 10) => similarFor(id, limit),
    async start() {
      unsubscribe.push(
        deps.bus.subscribe('incidents', (e) => {
          const id = (e.data as { id?: string; incident_id?: string } | undefined)?.id;
          if ((e.type === 'incident.opened' || e.type === 'incident.created') && id) void investigateSoon(id);
          const joined = e.data as { incident_id?: string; signal?: { status?: string } } | undefined;
          if (e.type === 'incident.signal' && joined?.incident_id && joined.signal?.status !== 'resolved') continuous.mark(joined.incident_id, 'a new signal joined');
          if (e.type === 'incident.resolved' && id) {
            void track(deps.pipelineStore.getPostmortem(id).then((pm) => (pm ? undefined : writePostmortem(id)))).catch((err: unknown) => log.error('postmortem failed', { incidentId: id, err: errorMessage(err) }));
          }
        }),
      );
      if (deps.remediation) unsubscribe.push(deps.remediation.onOutcome((o) => track(onOutcome(o))));
      unsubscribe.push(
        deps.bus.subscribe('remediations', (e) => {
          const r = e.data as { incident_id?: string; action_type?: string; target?: string } | undefined;
          if (e.type === 'remediation.rejected' && r?.incident_id) continuous.mark(r.incident_id, `${r.action_type} on ${r.target} was rejected`);
        }),
      );
      continuous.start();
      if (deps.jobs) {
        await deps.jobs.define(INVESTIGATE_QUEUE, { expireInSeconds: 180, retryLimit: 3 });
        // A job whose replica died is retried elsewhere: `resume` lets it continue an `investigating` incident.
        await deps.jobs.work<{ incidentId: string }>(INVESTIGATE_QUEUE, async ({ incidentId }) => void (await run(incidentId, true)), { concurrency: limit });
      }
      await reconcile();
    },
    async stop() {
      for (const u of unsubscribe.splice(0)) u();
      await continuous.stop();
      await deps.jobs?.stopWork(INVESTIGATE_QUEUE);
      await Promise.allSettled([...background]);
    },
    async idle() {
      while (background.size) await Promise.allSettled([...background]);
    },
  };
}

class AgentTimeout extends Error {
  override name = 'AgentTimeout';
}

/** Files a GitHub push signal carried (the ingestion side fetches their contents). */
function changedFilesOf(payload: unknown): Array<{ path: string; content: string }> {
  const files = (payload as { files?: unknown } | undefined)?.files;
  if (!Array.isArray(files)) return [];
  return files.filter((f): f is { path: string; content: string } => typeof f?.path === 'string' && typeof f?.content === 'string');
}
