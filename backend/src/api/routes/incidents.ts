import { z } from 'zod';
import type { EventBus } from '../../events/bus.js';
import type { Store } from '../../store/index.js';
import {
  agentExecutionSchema,
  incidentDetailSchema,
  incidentSchema,
  incidentStatus,
  remediationSchema,
  severity,
} from '../../store/types.js';
import { defineRoute, idParams, limitParam, listParam, pageOf, timeParam, type RouteDef } from '../route.js';

const listQuery = z.object({
  status: listParam(incidentStatus),
  severity: listParam(severity),
  service: z.string().min(1).max(253).optional(),
  namespace: z.string().min(1).max(253).optional(),
  from: timeParam,
  to: timeParam,
  q: z.string().min(1).max(200).optional().describe('substring of the title'),
  limit: limitParam,
  cursor: z.string().max(200).optional(),
});

const newIncidentBody = z.object({
  title: z.string().trim().min(1).max(300),
  description: z.string().max(20_000).optional(),
  severity: severity.optional(),
  namespace: z.string().min(1).max(253).optional(),
  services: z.array(z.string().min(1).max(253)).max(100).optional(),
  labels: z.record(z.string().max(100), z.string().max(1000)).optional(),
});

const resolveBody = z.object({ resolution: z.string().trim().min(1).max(5000).optional() });

export function incidentRoutes({ store, bus }: { store: Store; bus: EventBus }): RouteDef[] {
  return [
    defineRoute({
      method: 'get',
      path: '/incidents',
      operationId: 'listIncidents',
      summary: 'List incidents, newest first, with filters and cursor paging',
      tags: ['incidents'],
      permission: 'read',
      query: listQuery,
      response: pageOf(incidentSchema),
      handler: ({ query }) => store.incidents.list(query),
    }),
    defineRoute({
      method: 'post',
      path: '/incidents',
      operationId: 'createIncident',
      summary: 'Declare an incident by hand',
      tags: ['incidents'],
      permission: 'operate',
      body: newIncidentBody,
      response: incidentSchema,
      status: 201,
      audit: { action: 'incident.create' },
      async handler({ body, principal }) {
        const incident = await store.incidents.create({ ...body, source: 'manual' }, principal.actor);
        bus.publish('incidents', 'incident.created', incident);
        return incident;
      },
    }),
    defineRoute({
      method: 'get',
      path: '/incidents/{id}',
      operationId: 'getIncident',
      summary: 'One incident with its signals and timeline',
      tags: ['incidents'],
      permission: 'read',
      params: idParams,
      response: incidentDetailSchema,
      handler: ({ params }) => store.incidents.getDetail(params.id),
    }),
    defineRoute({
      method: 'post',
      path: '/incidents/{id}/acknowledge',
      operationId: 'acknowledgeIncident',
      summary: 'Acknowledge an incident (records who)',
      tags: ['incidents'],
      permission: 'operate',
      params: idParams,
      response: incidentSchema,
      audit: { action: 'incident.acknowledge' },
      async handler({ params, principal }) {
        const incident = await store.incidents.acknowledge(params.id, principal.actor);
        bus.publish('incidents', 'incident.acknowledged', incident);
        return incident;
      },
    }),
    defineRoute({
      method: 'post',
      path: '/incidents/{id}/resolve',
      operationId: 'resolveIncident',
      summary: 'Resolve an incident',
      tags: ['incidents'],
      permission: 'operate',
      params: idParams,
      body: resolveBody,
      response: incidentSchema,
      audit: { action: 'incident.resolve' },
      async handler({ params, body, principal }) {
        const incident = await store.incidents.resolve(params.id, principal.actor, body.resolution);
        bus.publish('incidents', 'incident.resolved', incident);
        return incident;
      },
    }),
    defineRoute({
      method: 'get',
      path: '/incidents/{id}/executions',
      operationId: 'listIncidentExecutions',
      summary: 'Agent executions of an incident, in order',
      tags: ['incidents', 'agents'],
      permission: 'read',
      params: idParams,
      response: pageOf(agentExecutionSchema),
      async handler({ params }) {
        await store.incidents.get(params.id);
        return { items: await store.executions.listByIncident(params.id), next: null };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/incidents/{id}/remediations',
      operationId: 'listIncidentRemediations',
      summary: 'Remediations proposed for an incident',
      tags: ['incidents', 'remediations'],
      permission: 'read',
      params: idParams,
      response: pageOf(remediationSchema),
      async handler({ params }) {
        await store.incidents.get(params.id);
        return { items: await store.remediations.listByIncident(params.id), next: null };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/remediations/{id}',
      operationId: 'getRemediation',
      summary: 'One remediation with its plan, dry run and state',
      tags: ['remediations'],
      permission: 'read',
      params: idParams,
      response: remediationSchema,
      handler: ({ params }) => store.remediations.get(params.id),
    }),
  ];
}
