// API shapes, taken from the types generated out of the backend's OpenAPI document (schema.gen.ts).
import type { components, paths } from './schema.gen';

type Schemas = components['schemas'];
export type Incident = Schemas['Incident'];
export type IncidentDetail = Schemas['IncidentDetail'];
export type TimelineEntry = Schemas['TimelineEntry'];
export type AgentExecution = Schemas['AgentExecution'];
export type Remediation = Schemas['Remediation'];
export type RcaResult = Schemas['RcaResult'];
export type ApiErrorBody = Schemas['Error'];
export type AgentStat = Schemas['AgentStats'];
export type Postmortem = Schemas['Postmortem'];
export type SimilarIncident = Schemas['SimilarIncident'];

type JsonOk<P extends keyof paths, M extends 'get' | 'post'> = paths[P][M] extends {
  responses: { 200: { content: { 'application/json': infer T } } };
}
  ? T
  : never;

export type IncidentList = JsonOk<'/api/v1/incidents', 'get'>;
export type ServiceGraph = JsonOk<'/api/v1/graph', 'get'>;
export type GraphNode = ServiceGraph['nodes'][number];
export type GraphEdge = ServiceGraph['edges'][number];
export type AnomalyScores = JsonOk<'/api/v1/anomalies/scores', 'get'>;
export type ServiceList = JsonOk<'/api/v1/services', 'get'>;
export type NamespaceList = JsonOk<'/api/v1/namespaces', 'get'>;
export type IncidentStatus = Incident['status'];
export type Severity = Incident['severity'];
export type RemediationStatus = Remediation['status'];

// GET /iac/findings is fixed by DESIGN.md but not in the checked-in OpenAPI copy yet: read defensively
// (every field optional) until `npm run api:sync` brings its generated type in.
export interface IacFinding {
  id?: string;
  rule?: string;
  rule_id?: string;
  title?: string;
  severity?: string;
  file?: string;
  line?: number;
  start_line?: number;
  end_line?: number;
  message?: string;
  fix?: string | null;
}
