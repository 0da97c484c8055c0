import type { DataQuery, DataSourceJsonData } from '@grafana/schema';

export const QUERY_TYPES = ['anomalyScores', 'rca', 'incidents', 'serviceGraph', 'iacFindings'] as const;
export type QueryType = (typeof QUERY_TYPES)[number];

export const QUERY_TYPE_LABELS: Record<QueryType, string> = {
  anomalyScores: 'Anomaly scores (time series)',
  rca: 'RCA ranking (table)',
  incidents: 'Incidents (table + annotations)',
  serviceGraph: 'Service graph (Node Graph)',
  iacFindings: 'IaC findings (table)',
};

export interface AegisQuery extends DataQuery {
  queryType?: QueryType;
  service?: string;
  metric?: string;
  namespace?: string;
  /** RCA: the incident to rank; empty = the latest open incident. */
  incidentId?: string;
  status?: string;
  severity?: string;
  rule?: string;
  file?: string;
}

export const DEFAULT_QUERY: Partial<AegisQuery> = { queryType: 'anomalyScores' };

/** Template variables: service or namespace names. */
export interface AegisVariableQuery {
  kind: 'services' | 'namespaces';
  namespace?: string;
}

export interface AegisOptions extends DataSourceJsonData {
  backendUrl?: string;
}

export interface AegisSecureOptions {
  apiToken?: string;
}
