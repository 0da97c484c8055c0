import { z } from 'zod';
import { severity, type Severity } from '../../../store/types.js';
import { defineAgent } from '../../agent.js';
import { incidentBrief } from '../../types.js';

export const triageOutput = z.object({
  severity,
  priority: z.enum(['P1', 'P2', 'P3', 'P4']),
  blast_radius: z.object({ services: z.array(z.string()), dependants: z.number(), max_criticality: z.number() }),
  route: z.enum(['investigate', 'auto-handle', 'notify-only']),
  reasons: z.array(z.string()),
});
export type TriageOutput = z.infer<typeof triageOutput>;

const RANK: Severity[] = ['info', 'low', 'medium', 'high', 'critical'];
const bump = (s: Severity) => RANK[Math.min(RANK.length - 1, RANK.indexOf(s) + 1)] as Severity;

/** Severity, priority and blast radius from the affected services' place in the graph; decides the route. */
export const triageAgent = defineAgent({
  id: 'triage',
  description: 'Severity, priority, blast radius (criticality of affected services) and routing.',
  input: z.object({ incident: incidentBrief }),
  output: triageOutput,
  timeoutMs: 10_000,
  async run({ incident }, ctx) {
    const reasons: string[] = [];
    const services = incident.services.length ? incident.services : [...new Set(incident.signals.map((s) => s.service).filter((s): s is string => !!s))];
    const graph = await Promise.all(
      services.map((service) => ctx.tools.call<{ upstream: string[]; criticality: number; transitiveDependants: number }>('graph_neighbours', { service })),
    );
    const maxCrit = Math.max(0, ...graph.map((g) => g.criticality));
    const dependants = Math.max(0, ...graph.map((g) => g.transitiveDependants));
    let sev = incident.severity;
    if (maxCrit >= 0.6 && RANK.indexOf(sev) < RANK.indexOf('critical')) {
      sev = bump(sev);
      reasons.push(`raised to ${sev}: an affected service is critical (${maxCrit.toFixed(2)})`);
    }
    const firing = incident.signals.filter((s) => s.summary).length;
    const rank = RANK.indexOf(sev);
    const priority = rank >= 4 ? 'P1' : rank === 3 ? 'P2' : rank === 2 ? 'P3' : 'P4';
    const route = rank <= 1 && maxCrit < 0.3 ? 'notify-only' : incident.labels['aegis.io/auto-handle'] === 'true' ? 'auto-handle' : 'investigate';
    reasons.push(`${services.length} affected service(s), ${dependants} transitive dependants, ${firing} signal(s)`);
    if (route === 'notify-only') reasons.push('low severity on a non-critical service: notify only');
    return { severity: sev, priority, blast_radius: { services, dependants, max_criticality: maxCrit }, route, reasons };
  },
});
