import { z } from 'zod';
import type { RcaService } from '../../../rca/index.js';
import { defineAgent } from '../../agent.js';

export const rcaAgentOutput = z.object({
  ranking: z.array(z.object({ service: z.string(), probability: z.number(), score: z.number(), explanation: z.string(), evidence: z.array(z.unknown()) })),
  warnings: z.array(z.string()),
});
export type RcaAgentOutput = z.infer<typeof rcaAgentOutput>;

/** The RCA engine's ranking for the incident (stored by the RCA service), top five with explanations. */
export function createRcaAgent(rca: RcaService) {
  return defineAgent({
    id: 'rca',
    description: 'Ranks root-cause services over the service graph (the RCA engine) with explanations.',
    input: z.object({ incidentId: z.uuid() }),
    output: rcaAgentOutput,
    timeoutMs: 30_000,
    async run({ incidentId }) {
      const stored = await rca.analyse(incidentId);
      return {
        // Most probable first, whatever order the engine stored (the fixer acts on the first row).
        ranking: [...stored.ranking].sort((a, b) => b.probability - a.probability).slice(0, 5).map((r) => ({
          service: r.service,
          probability: r.probability,
          score: r.score,
          explanation: r.explanation,
          evidence: (r.evidence ?? []).slice(0, 5),
        })),
        warnings: stored.warnings,
      };
    },
  });
}
