export { createTempoTraceSource, hexId, type TempoSourceOptions, type TraceQuery, type TraceSource, type TraceSpan } from './tempo.js';
export { traceMetricSeries, TRACE_METRIC_QUERIES, type TraceMetricSeries } from './service-graph.js';
