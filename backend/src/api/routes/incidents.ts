import { z } from 'zod';
import type { EventBus } from '../../events/bus.js';
import type { Store } from '../../store/index.js';
import { type Clock, systemClock } from '../../platform/clock.js';
import { InputError } from '../../platform/errors.js';
import {
  agentExecutionSchema,
  FEEDBACK_KINDS,
  incidentDetailSchema,
  incidentFeedbackSchema,
  incidentNoteSchema,
  incidentSchema,
  incidentStatus,
  remediationSchema,
  severity,
  silenceSchema,
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
const postmortemBody = z.object({
  markdown: z.string().trim().min(1).max(200_000),
  final: z.boolean().default(false).describe('true: the postmortem is final and refuses further edits'),
});
const editedPostmortemSchema = z
  .object({
    incident_id: z.uuid(),
    markdown: z.string(),
    created_at: z.string(),
    updated_at: z.string(),
    edited_by: z.string().nullable(),
    final_at: z.string().nullable(),
    final_by: z.string().nullable(),
  })
  .meta({ id: 'EditedPostmortem' });
const reopenBody = z.object({ reason: z.string().trim().min(1).max(5000).optional() });
const noteBody = z.object({ text: z.string().trim().min(1).max(10_000) });
const assignBody = z.object({
  assignee: z.string().trim().min(1).max(200).nullable().describe('a login or name; null clears it'),
});
const serviceName = z.string().trim().min(1).max(253);
const metricName = z.string().trim().min(1).max(500);
const feedbackBody = z.object({
  kind: z.enum(FEEDBACK_KINDS),
  service: serviceName
    .optional()
    .describe(
      "not-an-anomaly: the service that is fine (default: all of the incident's); wrong-root-cause: the real root cause, if known",
    ),
  metric: metricName.optional(),
  note: z.string().trim().min(1).max(5000).optional(),
});
const feedbackResponse = z.object({
  feedback: incidentFeedbackSchema,
  incident: z.lazy(() => incidentSchema),
  silences: z.array(silenceSchema).describe('not-an-anomaly: the suppressions ingestion and detection now read'),
  root_cause_recorded: z.boolean().describe('wrong-root-cause with a service: recorded as the RCA verdict'),
});

/** How long "not an anomaly" keeps the same signal from opening a new incident. */
export const NOT_AN_ANOMALY_MS = 24 * 3600_000;
const MAX_SILENCE_MS = 30 * 24 * 3600_000;

const silenceBody = z
  .object({
    service: serviceName,
    metric: metricName.optional().describe('omitted: every metric of the service'),
    until: z.iso.datetime({ offset: true }).optional().describe('when the silence ends (ISO 8601)'),
    minutes: z
      .number()
      .int()
      .min(1)
      .max(MAX_SILENCE_MS / 60_000)
      .optional()
      .describe('or: how long from now'),
    reason: z.string().trim().min(1).max(2000),
    incident_id: z.uuid().optional(),
  })
  .refine((b) => (b.until === undefined) !== (b.minutes === undefined), {
    message: 'give exactly one of until or minutes',
  });

const silenceQuery = z.object({
  active: z.enum(['true', 'false']).optional().describe('true: only silences in force now'),
  service: serviceName.optional(),
  limit: limitParam,
});

/** Records an operator's verdict on the root cause in RCA's feedback (POST /incidents/{id}/root-cause). */
export type RootCauseFeedback = (
  incidentId: string,
  input: { service: string; metric?: string; comment?: string },
  actor: string,
) => Promise<unknown>;

export function incidentRoutes({
  store,
  bus,
  clock = systemClock,
  rootCause,
}: {
  store: Store;
  bus: EventBus;
  clock?: Clock;
  rootCause?: RootCauseFeedback;
}): RouteDef[] {
  return [
    ...workspaceRoutes({ store, bus, rootCause }),
    ...silenceRoutes({ store, bus, clock }),
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

/** The incident workspace: reopen, assign, notes and feedback (issue 19). */
function workspaceRoutes({
  store,
  bus,
  rootCause,
}: {
  store: Store;
  bus: EventBus;
  rootCause?: RootCauseFeedback;
}): RouteDef[] {
  return [
    defineRoute({
      method: 'post',
      path: '/incidents/{id}/reopen',
      operationId: 'reopenIncident',
      summary: 'Reopen a resolved or closed incident',
      tags: ['incidents'],
      permission: 'operate',
      params: idParams,
      body: reopenBody,
      response: incidentSchema,
      audit: { action: 'incident.reopen' },
      async handler({ params, body, principal }) {
        const incident = await store.incidents.reopen(params.id, principal.actor, body.reason);
        bus.publish('incidents', 'incident.reopened', incident);
        return incident;
      },
    }),
    defineRoute({
      method: 'post',
      path: '/incidents/{id}/assign',
      operationId: 'assignIncident',
      summary: 'Set (or clear, with null) who owns an incident',
      tags: ['incidents'],
      permission: 'operate',
      params: idParams,
      body: assignBody,
      response: incidentSchema,
      audit: { action: 'incident.assign' },
      async handler({ params, body, principal }) {
        const incident = await store.incidents.assign(params.id, body.assignee, principal.actor);
        bus.publish('incidents', 'incident.assigned', incident);
        return incident;
      },
    }),
    defineRoute({
      method: 'post',
      path: '/incidents/{id}/notes',
      operationId: 'addIncidentNote',
      summary: 'Add a note; it appears in the timeline as {type: "note"}',
      tags: ['incidents'],
      permission: 'operate',
      params: idParams,
      body: noteBody,
      response: incidentNoteSchema,
      status: 201,
      audit: { action: 'incident.note' },
      async handler({ params, body, principal }) {
        const note = await store.incidents.addNote(params.id, body.text, principal.actor);
        bus.publish('incidents', 'incident.note', note);
        return note;
      },
    }),
    defineRoute({
      method: 'post',
      path: '/incidents/{id}/postmortem',
      operationId: 'editIncidentPostmortem',
      summary: 'Save an edit of the postmortem; final: true freezes it (409 on later edits)',
      tags: ['incidents'],
      permission: 'operate',
      params: idParams,
      body: postmortemBody,
      response: editedPostmortemSchema,
      audit: { action: 'incident.postmortem' },
      async handler({ params, body, principal }) {
        const pm = await store.incidents.editPostmortem(params.id, body.markdown, principal.actor, body.final);
        bus.publish('incidents', 'incident.postmortem', { incident_id: params.id, final: Boolean(pm.final_at) });
        return pm;
      },
    }),
    defineRoute({
      method: 'post',
      path: '/incidents/{id}/feedback',
      operationId: 'incidentFeedback',
      summary:
        'Operator feedback. not-an-anomaly: closes the incident and silences its services (or the named one) for 24 h, a label detection reads; wrong-root-cause: with a service, recorded as the RCA verdict',
      tags: ['incidents'],
      permission: 'operate',
      params: idParams,
      body: feedbackBody,
      response: feedbackResponse,
      status: 201,
      audit: { action: 'incident.feedback' },
      async handler({ params, body, principal }) {
        const actor = principal.actor;
        const current = await store.incidents.get(params.id);
        if (body.kind === 'wrong-root-cause') {
          if (body.service && !rootCause) throw new InputError('root-cause feedback is not available on this server');
          const feedback = await store.incidents.recordFeedback({
            incident_id: params.id,
            kind: body.kind,
            service: body.service ?? null,
            metric: body.metric ?? null,
            note: body.note ?? null,
            actor,
          });
          if (body.service && rootCause) {
            await rootCause(params.id, { service: body.service, metric: body.metric, comment: body.note }, actor);
          }
          return {
            feedback,
            incident: await store.incidents.get(params.id),
            silences: [],
            root_cause_recorded: Boolean(body.service),
          };
        }
        const services = body.service ? [body.service] : current.services;
        if (!services.length)
          throw new InputError('this incident names no service: say which service is not anomalous');
        const result = await store.db.transaction(async (tx) => {
          const feedback = await store.incidents.recordFeedback(
            {
              incident_id: params.id,
              kind: body.kind,
              service: body.service ?? null,
              metric: body.metric ?? null,
              note: body.note ?? null,
              actor,
            },
            tx,
          );
          const until = new Date(Date.parse(feedback.created_at) + NOT_AN_ANOMALY_MS);
          const silences = [];
          for (const service of services) {
            silences.push(
              await store.silences.create(
                {
                  service,
                  metric: body.metric ?? null,
                  kind: 'not-an-anomaly',
                  reason: body.note ?? 'not an anomaly',
                  until,
                  incident_id: params.id,
                },
                actor,
                tx,
              ),
            );
          }
          const incident = ['resolved', 'closed'].includes(current.status)
            ? current
            : await store.incidents.setStatus(params.id, 'closed', actor, 'closed: not an anomaly', tx);
          return { feedback, incident, silences, root_cause_recorded: false };
        });
        bus.publish('incidents', 'incident.feedback', result.feedback);
        return result;
      },
    }),
  ];
}

/** Silences: mute a service (or one metric) for a time, so its anomalies open no incident. */
function silenceRoutes({ store, bus, clock }: { store: Store; bus: EventBus; clock: Clock }): RouteDef[] {
  return [
    defineRoute({
      method: 'post',
      path: '/silences',
      operationId: 'createSilence',
      summary: 'Silence a service (or one of its metrics) until a time: its anomalies open no incident meanwhile',
      tags: ['silences'],
      permission: 'operate',
      body: silenceBody,
      response: silenceSchema,
      status: 201,
      audit: { action: 'silence.create', target: ({ body }) => body.service },
      async handler({ body, principal }) {
        const now = clock.nowMs();
        const until = new Date(body.until ? Date.parse(body.until) : now + (body.minutes ?? 0) * 60_000);
        if (body.until && (until.getTime() <= now || until.getTime() > now + MAX_SILENCE_MS)) {
          throw new InputError('until must be in the future and at most 30 days away');
        }
        if (body.incident_id) await store.incidents.get(body.incident_id);
        const silence = await store.silences.create(
          { service: body.service, metric: body.metric, reason: body.reason, until, incident_id: body.incident_id },
          principal.actor,
        );
        if (body.incident_id) {
          await store.incidents.addTimeline(body.incident_id, {
            kind: 'silenced',
            actor: principal.actor,
            message: `silenced ${[body.service, body.metric].filter(Boolean).join(' ')} until ${silence.until}: ${body.reason}`,
            data: { silence_id: silence.id },
          });
        }
        bus.publish('incidents', 'silence.created', silence);
        return silence;
      },
    }),
    defineRoute({
      method: 'get',
      path: '/silences',
      operationId: 'listSilences',
      summary: 'Silences, newest first',
      tags: ['silences'],
      permission: 'read',
      query: silenceQuery,
      response: pageOf(silenceSchema),
      async handler({ query }) {
        const items = await store.silences.list({
          active: query.active === 'true',
          service: query.service,
          limit: query.limit,
        });
        return { items, next: null };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/silences/{id}',
      operationId: 'expireSilence',
      summary: 'End a silence now (it stays listed, ended)',
      tags: ['silences'],
      permission: 'operate',
      params: idParams,
      response: silenceSchema,
      audit: { action: 'silence.expire' },
      async handler({ params, principal }) {
        const silence = await store.silences.expire(params.id, principal.actor);
        bus.publish('incidents', 'silence.expired', silence);
        return silence;
      },
    }),
  ];
}
