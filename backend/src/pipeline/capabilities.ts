import { z } from 'zod';
import { defineRoute, type RouteDef } from '../api/route.js';

/** What this backend is connected to (the composition root knows). */
export interface SourcesInUse {
  cluster: 'simulator' | 'kubeconfig' | 'in-cluster' | 'none';
  metrics: 'simulator' | 'prometheus' | 'none';
  metricTemplates: string;
  logs: 'simulator' | 'loki' | 'none';
  traces: boolean;
}

export const capabilitySchema = z.object({ id: z.string(), available: z.boolean(), detail: z.string() });
export const capabilitiesSchema = z.object({ sources: z.record(z.string(), z.union([z.string(), z.boolean()])), capabilities: z.array(capabilitySchema) }).meta({ id: 'Capabilities' });
export type Capability = z.infer<typeof capabilitySchema>;

/** What Aegis can and cannot do with the sources it has, said plainly (the status page shows it). */
export function capabilitiesOf(s: SourcesInUse): Capability[] {
  const metrics = s.metrics !== 'none';
  const cluster = s.cluster !== 'none';
  return [
    { id: 'detection', available: metrics, detail: metrics ? `anomaly detection on ${s.metrics === 'prometheus' ? `Prometheus (naming: ${s.metricTemplates})` : 'the simulated cluster'} metrics` : 'no metrics source (set AEGIS_PROMETHEUS_URL): nothing is detected; only alerts sent to the webhooks open incidents' },
    { id: 'root-cause-ranking', available: metrics, detail: metrics ? `ranking from metrics${s.logs !== 'none' ? ' and logs' : ''}${s.traces ? ' and traces' : ''}` : 'no metrics: RCA has only the alert labels and the service graph to go on' },
    { id: 'log-analysis', available: s.logs !== 'none', detail: s.logs !== 'none' ? `log templates from ${s.logs}` : 'no log source (set AEGIS_LOKI_URL): no log evidence' },
    { id: 'remediation', available: cluster, detail: cluster ? 'restart, rollback, scale-out and pod deletion through the Kubernetes API, after approval' : 'no Kubernetes cluster: Aegis can propose nothing it could apply' },
    {
      id: 'what-if',
      available: s.cluster === 'simulator',
      detail:
        s.cluster === 'simulator'
          ? 'each proposal is tried first on a copy of the simulated cluster'
          : 'no simulator of this cluster: proposals rest on the learned model alone, which says so when the situation is unlike what it learned from (confidence is discounted); it cannot replay this cluster',
    },
    { id: 'verification', available: cluster, detail: cluster ? `rollout and readiness${metrics ? ', error rates, the signals that opened the incident and callers, held for a window' : ' only (no metrics: the fault itself cannot be checked, so outcomes are not credited)'}` : 'nothing is applied, so nothing is verified' },
  ];
}

export function capabilitiesRoutes(sources: () => SourcesInUse): RouteDef[] {
  return [
    defineRoute({
      method: 'get',
      path: '/capabilities',
      operationId: 'getCapabilities',
      summary: 'What Aegis can and cannot do with the sources it is connected to',
      tags: ['status'],
      permission: 'read',
      response: capabilitiesSchema,
      handler: async () => {
        const s = sources();
        return { sources: { ...s }, capabilities: capabilitiesOf(s) };
      },
    }),
  ];
}
