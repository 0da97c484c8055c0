/** Prometheus's HTTP API as a MetricsSource, with query templates per signal and naming. */
export { createPrometheusClient, PrometheusError, type PrometheusClient, type PrometheusClientOptions, type PromData, type PromMatrix, type PromVector } from './client.js';
export { namingTemplates, parseMetricTemplates, NAMINGS, renderTemplate, type Naming, type QueryTemplates, type SignalTemplate } from './templates.js';
export { createPrometheusMetricsSource, type PrometheusSourceOptions } from './source.js';
export { findPrometheus, freePort, startLocalPrometheus, type LocalPrometheus } from './local.js';
