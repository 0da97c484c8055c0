import { errorMessage } from '../../platform/errors.js';
import type { PrometheusClient } from '../prometheus/client.js';
import type { CollectorResult } from '../types.js';

/** A per-service RCA series built from Tempo's metrics-generator output in Prometheus. */
export interface TraceMetricSeries {
  service: string;
  metric: string;
  times: number[];
  values: number[];
  source: 'traces';
}

const W = '[2m]';

/**
 * PromQL over the metrics-generator's series: the service graph (`traces_service_graph_request_*`,
 * labels client/server) and span metrics (`traces_spanmetrics_*`, label service). Each query yields
 * one series per service, named so the ranker reads its kind (metric-kinds.ts).
 */
export const TRACE_METRIC_QUERIES: Array<{ metric: string; by: 'server' | 'service'; expr: string }> = [
  { metric: 'TraceRequests', by: 'server', expr: `sum by (server) (rate(traces_service_graph_request_total${W}))` },
  {
    metric: 'TraceErrorRate',
    by: 'server',
    expr: `sum by (server) (rate(traces_service_graph_request_failed_total${W})) / sum by (server) (rate(traces_service_graph_request_total${W}))`,
  },
  {
    metric: 'TraceLatencyP90(s)',
    by: 'server',
    expr: `histogram_quantile(0.9, sum by (server, le) (rate(traces_service_graph_request_server_seconds_bucket${W})))`,
  },
  {
    // What callers wait beyond what the server spends: the wire and queues into the server.
    metric: 'TraceNetworkGapP90(s)',
    by: 'server',
    expr:
      `histogram_quantile(0.9, sum by (server, le) (rate(traces_service_graph_request_client_seconds_bucket${W})))` +
      ` - histogram_quantile(0.9, sum by (server, le) (rate(traces_service_graph_request_server_seconds_bucket${W})))`,
  },
  {
    metric: 'TraceSpanErrorRate',
    by: 'service',
    expr:
      `sum by (service) (rate(traces_spanmetrics_calls_total{status_code="STATUS_CODE_ERROR"}${W}))` +
      ` / sum by (service) (rate(traces_spanmetrics_calls_total${W}))`,
  },
  {
    metric: 'TraceSpanLatencyP90(s)',
    by: 'service',
    expr: `histogram_quantile(0.9, sum by (service, le) (rate(traces_spanmetrics_latency_bucket${W})))`,
  },
];

/** Runs every query over the window; a query that fails is an error entry and the others still count. */
export async function traceMetricSeries(
  prom: PrometheusClient,
  q: { from: number; to: number; stepMs: number },
): Promise<CollectorResult<TraceMetricSeries>> {
  const results: TraceMetricSeries[] = [];
  const errors: CollectorResult<TraceMetricSeries>['errors'] = [];
  await Promise.all(
    TRACE_METRIC_QUERIES.map(async ({ metric, by, expr }) => {
      try {
        for (const row of await prom.queryRange(expr, q.from, q.to, q.stepMs)) {
          const service = row.metric[by];
          if (!service) continue;
          results.push({
            service,
            metric,
            times: row.values.map(([t]) => t * 1000),
            values: row.values.map(([, v]) => Number(v)),
            source: 'traces',
          });
        }
      } catch (err) {
        errors.push({ source: `prometheus(${prom.baseUrl})`, target: metric, message: errorMessage(err) });
      }
    }),
  );
  results.sort((a, b) => a.service.localeCompare(b.service) || a.metric.localeCompare(b.metric));
  return { results, errors };
}
