import { apiGet } from '../api/client';
import type { IncidentList } from '../api/types';
import { POLL_MS } from '../constants';
import { useApi } from '../api/useApi';

export interface IncidentFilters {
  status?: string;
  severity?: string;
  service?: string;
  q?: string;
  limit?: number;
}

/** The incident list, kept live by polling through the proxy. */
export function useIncidents(filters: IncidentFilters) {
  const { status, severity, service, q, limit = 50 } = filters;
  return useApi(
    () => apiGet<IncidentList>('/api/v1/incidents', { status, severity, service, q, limit }),
    [status, severity, service, q, limit],
    { pollMs: POLL_MS, topics: ['incidents', 'remediations'] },
  );
}
