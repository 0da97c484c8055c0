import { Gauge, type Registry } from 'prom-client';
import type { RcaService } from './service.js';

/**
 * `aegis_rca_root_cause_probability{service}` on /metrics, read at scrape time from the latest
 * analyses of open incidents, so Grafana alerting can use it through a plain Prometheus datasource.
 */
export function rcaProbabilityGauge(registry: Registry, rca: Pick<RcaService, 'rootCauseProbabilities'>): Gauge {
  return new Gauge({
    name: 'aegis_rca_root_cause_probability',
    help: 'Probability that a service is the root cause of an open incident (latest analysis)',
    labelNames: ['service'],
    registers: [registry],
    async collect() {
      const probabilities = await rca.rootCauseProbabilities();
      this.reset();
      for (const [service, p] of probabilities) this.set({ service }, p);
    },
  });
}
