import { z } from 'zod';
import { defineRoute, idParams, pageOf, timeParam, type RouteDef } from '../api/route.js';
import type { Clock } from '../platform/clock.js';
import { NotFoundError } from '../platform/errors.js';
import type { Store } from '../store/index.js';
import type { Pipeline } from './orchestrator.js';
import type { PipelineStore } from './store.js';

const postmortemSchema = z
  .object({
    incident_id: z.uuid(),
    markdown: z.string(),
    created_at: z.string(),
    updated_at: z.string(),
    // Issue 19: edited by people (POST /incidents/{id}/postmortem), final once frozen.
    edited_by: z.string().nullable().optional(),
    final_at: z.string().nullable().optional(),
    final_by: z.string().nullable().optional(),
  })
  .meta({ id: 'Postmortem' });

const similarSchema = z
  .object({
    incident_id: z.uuid(),
    title: z.string(),
    status: z.string(),
    similarity: z.number(),
    root_cause: z.string().nullable(),
    resolution: z.string().nullable(),
    remediation: z.object({ action: z.string(), status: z.string(), attributed: z.boolean() }).nullable(),
    created_at: z.string(),
  })
  .meta({ id: 'SimilarIncident' });

const agentStatsSchema = z
  .object({
    agent: z.string(),
    runs: z.number(),
    successes: z.number(),
    refusals: z.number().describe('finished, but its proposal was refused (policy, dry run)'),
    abstentions: z.number().describe('finished without proposing anything'),
    success_rate: z.number(),
    p50_ms: z.number().nullable(),
    p95_ms: z.number().nullable(),
  })
  .meta({ id: 'AgentStats' });

const HOUR = 3_600_000;

export function pipelineRoutes(deps: { pipeline: Pipeline; pipelineStore: PipelineStore; store: Store; clock: Clock }): RouteDef[] {
  return [
    defineRoute({
      method: 'get',
      path: '/incidents/{id}/postmortem',
      operationId: 'getIncidentPostmortem',
      summary: 'The Markdown postmortem of an incident (written when it is resolved)',
      tags: ['incidents'],
      permission: 'read',
      params: idParams,
      response: postmortemSchema,
      async handler({ params }) {
        const incident = await deps.store.incidents.get(params.id);
        const pm = await deps.pipelineStore.getPostmortem(params.id);
        if (pm) return pm;
        if (incident.status !== 'resolved' && incident.status !== 'closed') {
          throw new NotFoundError(`incident ${params.id} is ${incident.status}: its postmortem is written when it is resolved`);
        }
        return deps.pipeline.writePostmortem(params.id);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/incidents/{id}/similar',
      operationId: 'listSimilarIncidents',
      summary: 'Past incidents nearest to this one (feature-hashed vectors), with their root cause and resolution',
      tags: ['incidents'],
      permission: 'read',
      params: idParams,
      query: z.object({ limit: z.coerce.number().int().min(1).max(50).default(10) }),
      response: pageOf(similarSchema),
      async handler({ params, query }) {
        await deps.store.incidents.get(params.id);
        return { items: await deps.pipeline.similar(params.id, query.limit), next: null };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/agents/stats',
      operationId: 'getAgentStats',
      summary: 'Per agent: runs, success rate, p50/p95 duration in a time range (default: the last 24 hours)',
      tags: ['agents'],
      permission: 'read',
      query: z.object({ from: timeParam, to: timeParam }),
      response: pageOf(agentStatsSchema),
      async handler({ query }) {
        const to = query.to ?? deps.clock.now();
        const from = query.from ?? new Date(to.getTime() - 24 * HOUR);
        return { items: await deps.pipelineStore.agentStats(from, to), next: null };
      },
    }),
  ];
}
