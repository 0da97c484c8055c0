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

export type IacFinding = JsonOk<'/api/v1/iac/findings', 'get'>['items'][number];
