import { z } from 'zod';

/**
 * Status values and record shapes fixed by DESIGN.md. The zod schemas are the one source: the store's
 * types are inferred from them and the API's OpenAPI document is generated from them.
 */
export const INCIDENT_STATUSES = [
  'open',
  'investigating',
  'awaiting_approval',
  'remediating',
  'resolved',
  'closed',
] as const;
export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export const REMEDIATION_STATUSES = [
  'proposed',
  'approved',
  'rejected',
  'applying',
  'verifying',
  'succeeded',
  'failed',
  'reverted',
  'withdrawn',
] as const;
export const EXECUTION_STATUSES = ['running', 'success', 'failed', 'timeout'] as const;
export const ROLES = ['viewer', 'operator', 'admin', 'ingest', 'grafana'] as const;
export const AUDIT_RESULTS = ['success', 'denied', 'rejected', 'failed'] as const;

export const incidentStatus = z.enum(INCIDENT_STATUSES);
export const severity = z.enum(SEVERITIES);
export const remediationStatus = z.enum(REMEDIATION_STATUSES);
export const executionStatus = z.enum(EXECUTION_STATUSES);
export const role = z.enum(ROLES);

export type IncidentStatus = z.infer<typeof incidentStatus>;
export type Severity = z.infer<typeof severity>;
export type RemediationStatus = z.infer<typeof remediationStatus>;
export type ExecutionStatus = z.infer<typeof executionStatus>;
export type Role = z.infer<typeof role>;

const timestamp = z.string().describe('ISO 8601 timestamp');
const nullableTimestamp = timestamp.nullable();

export const incidentSchema = z
  .object({
    id: z.uuid(),
    title: z.string(),
    description: z.string(),
    severity,
    status: incidentStatus,
    source: z.string(),
    namespace: z.string().nullable(),
    services: z.array(z.string()),
    labels: z.record(z.string(), z.string()),
    root_cause: z.unknown(),
    resolution: z.string().nullable(),
    started_at: timestamp,
    created_at: timestamp,
    updated_at: timestamp,
    acknowledged_by: z.string().nullable(),
    acknowledged_at: nullableTimestamp,
    resolved_by: z.string().nullable(),
    resolved_at: nullableTimestamp,
    assignee: z.string().nullable().describe('who owns the incident now (null: nobody)'),
  })
  .meta({ id: 'Incident' });
export type Incident = z.infer<typeof incidentSchema>;

export const incidentSignalSchema = z
  .object({
    id: z.uuid(),
    source: z.string(),
    dedupe_key: z.string(),
    service: z.string().nullable(),
    status: z.enum(['firing', 'resolved']),
    summary: z.string(),
    payload: z.unknown(),
    received_at: timestamp,
  })
  .meta({ id: 'IncidentSignal' });
export type IncidentSignal = z.infer<typeof incidentSignalSchema>;

export const timelineEntrySchema = z
  .object({
    at: timestamp,
    kind: z.string(),
    type: z.string().describe('the same as kind (e.g. "note", "assigned", "reopened")'),
    actor: z.string().nullable(),
    message: z.string(),
    data: z.unknown(),
  })
  .meta({ id: 'TimelineEntry' });
export type TimelineEntry = z.infer<typeof timelineEntrySchema>;

export const incidentDetailSchema = incidentSchema
  .extend({ signals: z.array(incidentSignalSchema), timeline: z.array(timelineEntrySchema) })
  .meta({ id: 'IncidentDetail' });
export type IncidentDetail = z.infer<typeof incidentDetailSchema>;

export const agentExecutionSchema = z
  .object({
    id: z.uuid(),
    incident_id: z.uuid(),
    agent: z.string(),
    status: executionStatus,
    attempt: z.number().int(),
    input: z.unknown(),
    output: z.unknown(),
    tool_calls: z.array(z.unknown()),
    error: z.string().nullable(),
    tokens_used: z.number().int().nullable(),
    started_at: timestamp,
    finished_at: nullableTimestamp,
    duration_ms: z.number().int().nullable(),
  })
  .meta({ id: 'AgentExecution' });
export type AgentExecution = z.infer<typeof agentExecutionSchema>;

export const remediationSchema = z
  .object({
    id: z.uuid(),
    incident_id: z.uuid(),
    action_type: z.string(),
    target: z.string(),
    namespace: z.string(),
    status: remediationStatus,
    plan: z.unknown(),
    dry_run: z.unknown(),
    confidence: z.number().nullable(),
    approved_by: z.string().nullable(),
    approved_at: nullableTimestamp,
    rejected_by: z.string().nullable(),
    reason: z.string().nullable(),
    before_state: z.unknown(),
    after_state: z.unknown(),
    verification: z.unknown(),
    error: z.string().nullable(),
    /** Why a proposal stopped being offered (its incident resolved, or the evidence moved on). */
    withdrawn_reason: z.string().nullable().optional(),
    version: z.number().int(),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'Remediation' });
export type Remediation = z.infer<typeof remediationSchema>;

export const auditEntrySchema = z
  .object({
    id: z.number().int(),
    at: timestamp,
    actor: z.string(),
    actor_role: z.string().nullable(),
    action: z.string(),
    target: z.string().nullable(),
    result: z.enum(AUDIT_RESULTS),
    status: z.number().int().nullable(),
    request_id: z.string().nullable(),
    remote_addr: z.string().nullable(),
    details: z.unknown(),
  })
  .meta({ id: 'AuditEntry' });
export type AuditEntry = z.infer<typeof auditEntrySchema>;

export const apiTokenSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    role,
    prefix: z.string().describe('first characters of the secret, to recognise a token'),
    created_by: z.string().nullable(),
    created_at: timestamp,
    expires_at: nullableTimestamp,
    last_used_at: nullableTimestamp,
    revoked_at: nullableTimestamp,
  })
  .meta({ id: 'ApiToken' });
export type ApiToken = z.infer<typeof apiTokenSchema>;

export const incidentNoteSchema = z
  .object({ id: z.uuid(), incident_id: z.uuid(), author: z.string(), text: z.string(), created_at: timestamp })
  .meta({ id: 'IncidentNote' });
export type IncidentNote = z.infer<typeof incidentNoteSchema>;

export const FEEDBACK_KINDS = ['not-an-anomaly', 'wrong-root-cause'] as const;
export const incidentFeedbackSchema = z
  .object({
    id: z.uuid(),
    incident_id: z.uuid(),
    kind: z.enum(FEEDBACK_KINDS),
    service: z.string().nullable(),
    metric: z.string().nullable(),
    note: z.string().nullable(),
    actor: z.string(),
    created_at: timestamp,
  })
  .meta({ id: 'IncidentFeedback' });
export type IncidentFeedback = z.infer<typeof incidentFeedbackSchema>;

export const silenceSchema = z
  .object({
    id: z.uuid(),
    service: z.string(),
    metric: z.string().nullable().describe('null: every metric of the service'),
    kind: z.enum(['silence', 'not-an-anomaly']),
    reason: z.string(),
    incident_id: z.uuid().nullable(),
    created_by: z.string(),
    created_at: timestamp,
    until: timestamp,
    expired_by: z.string().nullable(),
    active: z.boolean(),
  })
  .meta({ id: 'Silence' });
export type Silence = z.infer<typeof silenceSchema>;
