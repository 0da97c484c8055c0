import { Gauge, type Registry } from 'prom-client';
import type { SeriesKey } from '../sources/types.js';

/** `aegis_anomaly_score{service,metric}` on /metrics, so Grafana alerting can use scores via Prometheus. */
export function anomalyScoreGauges(register: Registry): (key: SeriesKey, score: number) => void {
  const gauge = new Gauge({
    name: 'aegis_anomaly_score',
    help: 'Latest Aegis anomaly score (0..1) per service and metric',
    labelNames: ['service', 'metric'] as const,
    registers: [register],
  });
  return (key, score) => gauge.set({ service: key.service, metric: String(key.metric) }, score);
}
