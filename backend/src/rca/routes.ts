import { z } from 'zod';
import { defineRoute, idParams, type RouteDef } from '../api/route.js';
import type { RcaService } from './service.js';

const evidenceSchema = z
  .object({ kind: z.enum(['anomaly', 'propagation', 'change', 'history']), summary: z.string() })
  .loose()
  .meta({ id: 'RcaEvidence' });

export const rcaResponseSchema = z
  .object({
    incident_id: z.uuid(),
    analysed_at: z.string(),
    ranking: z.array(
      z.object({
        service: z.string(),
        metric: z.string().optional(),
        score: z.number(),
        probability: z.number(),
        evidence: z.array(evidenceSchema),
        sources: z.array(z.string()).optional().describe('kinds of telemetry the evidence came from: metrics, traces, logs, detection, events, history'),
        explanation: z.string(),
      }),
    ),
    fault_time: z.string().nullable().describe('when the fault started, estimated from the data (change point); null on old analyses'),
    warnings: z.array(z.string()),
  })
  .meta({ id: 'RcaResult' });

const verdictSchema = z
  .object({
    id: z.uuid(),
    incident_id: z.uuid(),
    service: z.string(),
    metric: z.string().nullable(),
    verdict: z.enum(['confirmed', 'corrected']),
    previous_top: z.string().nullable(),
    comment: z.string().nullable(),
    actor: z.string(),
    created_at: z.string(),
  })
  .meta({ id: 'RootCauseVerdict' });

const serviceName = z.string().trim().min(1).max(253);

export function rcaRoutes({ rca }: { rca: RcaService }): RouteDef[] {
  return [
    defineRoute({
      method: 'get',
      path: '/incidents/{id}/rca',
      operationId: 'getIncidentRca',
      summary: 'Ranked root-cause candidates with probability, evidence and explanation',
      tags: ['incidents', 'rca'],
      permission: 'read',
      params: idParams,
      query: z.object({ refresh: z.enum(['true', 'false']).optional().describe('analyse again instead of the stored result') }),
      response: rcaResponseSchema,
      async handler({ params, query }) {
        const r = await rca.get(params.id, { refresh: query.refresh === 'true' });
        return { incident_id: r.incident_id, analysed_at: r.created_at, ranking: r.ranking, fault_time: r.fault_time ?? null, warnings: r.warnings };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/incidents/{id}/root-cause',
      operationId: 'setIncidentRootCause',
      summary: 'Confirm or correct the root cause; future rankings of similar incidents learn from it',
      tags: ['incidents', 'rca'],
      permission: 'operate',
      params: idParams,
      body: z.object({
        service: serviceName,
        metric: z.string().trim().min(1).max(500).optional(),
        comment: z.string().max(5000).optional(),
      }),
      response: verdictSchema,
      status: 201,
      audit: { action: 'incident.root_cause', target: ({ params }) => params.id },
      handler: ({ params, body, principal }) => rca.recordRootCause(params.id, body, principal.actor),
    }),
  ];
}
