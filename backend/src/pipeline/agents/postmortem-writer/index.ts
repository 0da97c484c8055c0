import { z } from 'zod';
import type { AgentExecution, IncidentDetail, Remediation } from '../../../store/types.js';
import { defineAgent } from '../../agent.js';

export const postmortemOutput = z.object({ markdown: z.string(), sections: z.array(z.string()), llm: z.boolean() });
export type PostmortemOutput = z.infer<typeof postmortemOutput>;

export interface PostmortemSources {
  incident: IncidentDetail;
  executions: AgentExecution[];
  remediations: Remediation[];
}

const out = <T>(executions: AgentExecution[], agent: string): T | undefined =>
  [...executions].reverse().find((e) => e.agent === agent && e.status === 'success')?.output as T | undefined;

const fmtTime = (iso: string | null) => (iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '—');
const minutes = (a: string, b: string | null) => (b ? `${Math.max(0, Math.round((Date.parse(b) - Date.parse(a)) / 60_000))} min` : 'ongoing');
const esc = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** Builds the Markdown report from what the pipeline recorded; deterministic, so it never needs an LLM. */
export function renderPostmortem(s: PostmortemSources, summary?: string): { markdown: string; sections: string[] } {
  const { incident: i } = s;
  const triage = out<{ severity: string; priority: string; blast_radius: { services: string[]; dependants: number; max_criticality: number } }>(s.executions, 'triage');
  const rca = out<{ ranking: Array<{ service: string; probability: number; explanation: string; evidence: unknown[] }> }>(s.executions, 'rca');
  const logs = out<{ templates: Array<{ template: string; count: number; baseline_count: number; new: boolean }> }>(s.executions, 'log-analyst');
  const metrics = out<{ anomalies: Array<{ service: string; metric: string; z: number; baseline: number; observed: number }>; changes: Array<{ service: string; revision: number; at: string | null }> }>(s.executions, 'metric-correlator');
  const security = out<{ findings: Array<{ severity: string; rule: string; target: string; message: string }> }>(s.executions, 'security-auditor');
  const compliance = out<{ controls: Array<{ control: string; failed: number }>; drift: Array<{ service: string; path: string }> }>(s.executions, 'compliance-checker');
  const applied = s.remediations.filter((r) => r.status !== 'proposed' && r.status !== 'rejected' && r.status !== 'withdrawn');
  const top = rca?.ranking[0];
  const lines: string[] = [];
  lines.push(`# Postmortem: ${i.title}`, '');
  lines.push('## Summary', '');
  lines.push(summary ?? `${i.severity} incident on ${i.services.join(', ') || 'unknown services'}${top ? `; root cause ranked first: **${top.service}** (p=${top.probability.toFixed(2)})` : ''}. Status: **${i.status}**${i.resolution ? ` — ${i.resolution}` : ''}.`, '');
  lines.push('## Impact', '');
  lines.push(`- Duration: ${minutes(i.started_at, i.resolved_at)} (started ${fmtTime(i.started_at)}, resolved ${fmtTime(i.resolved_at)})`);
  lines.push(`- Severity / priority: ${triage?.severity ?? i.severity} / ${triage?.priority ?? '—'}`);
  if (triage) lines.push(`- Blast radius: ${triage.blast_radius.services.join(', ')}; ${triage.blast_radius.dependants} dependent services; criticality ${triage.blast_radius.max_criticality.toFixed(2)}`);
  lines.push(`- Signals: ${i.signals.length} (${[...new Set(i.signals.map((x) => x.source))].join(', ') || 'none'})`, '');
  lines.push('## Timeline', '', '| time (UTC) | actor | event |', '|---|---|---|');
  for (const t of i.timeline) lines.push(`| ${fmtTime(t.at)} | ${esc(t.actor ?? '')} | ${esc(t.message)} |`);
  lines.push('', '## Root cause', '');
  if (top) {
    lines.push(`**${top.service}** (probability ${top.probability.toFixed(2)}). ${top.explanation}`, '');
    for (const r of rca?.ranking.slice(1, 3) ?? []) lines.push(`- also considered: ${r.service} (p=${r.probability.toFixed(2)})`);
  } else lines.push('No ranking was produced.');
  lines.push('', '### Evidence', '');
  for (const a of metrics?.anomalies.slice(0, 8) ?? []) lines.push(`- ${a.service} ${a.metric}: ${fmt(a.observed)} vs baseline ${fmt(a.baseline)} (robust z ${a.z})`);
  for (const c of metrics?.changes ?? []) lines.push(`- change: ${c.service} revision ${c.revision} at ${fmtTime(c.at)}`);
  for (const t of logs?.templates.slice(0, 5) ?? []) lines.push(`- log ${t.new ? 'new' : 'surging'}: \`${t.template.slice(0, 160)}\` ×${t.count} (before: ${t.baseline_count})`);
  lines.push('', '## Resolution', '');
  if (!applied.length) lines.push(i.resolution ?? 'No remediation was applied.');
  for (const r of applied) {
    const plan = r.plan as { summary?: string; rationale?: string };
    lines.push(`- ${r.action_type} on ${r.namespace}/${r.target}: **${r.status}** (approved by ${r.approved_by ?? '—'}, confidence ${r.confidence?.toFixed(2) ?? '—'}). ${plan.summary ?? ''}`);
    if (r.error) lines.push(`  - ${r.error}`);
    const v = r.verification as { reason?: string; attributed?: boolean } | null;
    if (r.status === 'succeeded' && v?.reason) lines.push(`  - verification: ${v.reason}${v.attributed ? '' : ' (the recovery is not credited to this action)'}`);
  }
  lines.push('', '## Follow-ups', '');
  const followUps = followUpsFor(i, top?.service, applied, security?.findings ?? [], compliance);
  for (const f of followUps) lines.push(`- [ ] ${f}`);
  lines.push('');
  return { markdown: lines.join('\n'), sections: ['Summary', 'Impact', 'Timeline', 'Root cause', 'Resolution', 'Follow-ups'] };
}

function fmt(v: number): string {
  return Math.abs(v) >= 1e6 ? `${(v / 2 ** 20).toFixed(0)}Mi` : Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(3);
}

function followUpsFor(
  i: IncidentDetail,
  cause: string | undefined,
  applied: Remediation[],
  security: Array<{ severity: string; rule: string; target: string }>,
  compliance: { controls: Array<{ control: string; failed: number }>; drift: Array<{ service: string; path: string }> } | undefined,
): string[] {
  const f: string[] = [];
  // Only a success its verification credits to the action says what fixed it.
  const action = applied.find((r) => r.status === 'succeeded' && (r.verification as { attributed?: boolean } | null)?.attributed === true)?.action_type;
  if (action === 'restart-deployment') f.push(`Find and fix the underlying defect in ${cause ?? 'the service'}: a restart only clears the symptom.`);
  if (action === 'rollback-deployment') f.push(`Review the rolled-back revision of ${cause ?? 'the service'} before redeploying; add a canary or an alert on error rate.`);
  if (action === 'scale-out') f.push(`Revisit capacity and autoscaling limits of ${cause ?? 'the service'}.`);
  if (!applied.length && i.status !== 'resolved') f.push('Decide on a remediation; none was applied.');
  for (const s of security.filter((x) => x.severity === 'critical' || x.severity === 'high').slice(0, 3)) f.push(`Security: ${s.rule} on ${s.target}.`);
  for (const d of compliance?.drift.slice(0, 3) ?? []) f.push(`Drift: ${d.service} ${d.path} differs from the last applied configuration.`);
  if (cause) f.push(`Confirm or correct the root cause (${cause}) so RCA learns from it.`);
  return f;
}

export interface PostmortemDeps {
  load(incidentId: string): Promise<PostmortemSources>;
}

/** Writes the Markdown postmortem; with an LLM configured, only the summary paragraph is written by it (masked input). */
export function createPostmortemAgent(deps: PostmortemDeps) {
  return defineAgent({
    id: 'postmortem-writer',
    description: 'Markdown postmortem: summary, impact, timeline, root cause with evidence, resolution, follow-ups.',
    input: z.object({ incidentId: z.uuid() }),
    output: postmortemOutput,
    timeoutMs: 60_000,
    async run({ incidentId }, ctx) {
      const sources = await deps.load(incidentId);
      let summary: string | undefined;
      if (ctx.llm) {
        const draft = renderPostmortem(sources);
        try {
          const r = await ctx.llm.complete({
            system: 'You write the two-sentence summary of an incident postmortem for engineers. Plain text, no Markdown headings.',
            user: draft.markdown.slice(0, 6_000),
          });
          ctx.usage.tokens += r.tokens;
          summary = r.text.trim() || undefined;
        } catch (err) {
          ctx.logger.warn('LLM summary failed; using the built-in summary', { err: err instanceof Error ? err.message : String(err) });
        }
      }
      const { markdown, sections } = renderPostmortem(sources, summary);
      return { markdown, sections, llm: summary !== undefined };
    },
  });
}
