import { errorMessage } from '../../platform/errors.js';
import { METRICS, type CollectorError, type MetricName, type MetricsSource, type RangeQuery, type Series, type SeriesKey } from '../types.js';
import type { PrometheusClient } from './client.js';
import { namingTemplates, renderTemplate, type Naming, type QueryTemplates } from './templates.js';

export interface PrometheusSourceOptions {
  client: PrometheusClient;
  /** One naming, or several merged (`AEGIS_METRIC_TEMPLATES`). */
  naming?: Naming | readonly Naming[];
  templates?: Partial<QueryTemplates>;
  /** Rate window for counters; defaults to 4 steps (at least 60 s, as a Prometheus scrape interval needs). */
  windowSec?: number;
  /** Look-back for listSeries. */
  now: () => number;
}

/** Canonical signals from Prometheus through per-signal query templates (see templates.ts). */
export function createPrometheusMetricsSource(o: PrometheusSourceOptions): MetricsSource {
  const templates = namingTemplates(o.naming ?? 'default', o.templates);
  const name = `prometheus(${o.client.baseUrl})`;
  const metricsOf = (metric?: string): MetricName[] => (metric ? METRICS.filter((m) => m === metric) : [...METRICS]);
  const keyOf = (labels: Record<string, string>, metric: string, perPod: boolean): SeriesKey => ({
    namespace: labels.namespace ?? '',
    service: labels.service ?? '',
    metric,
    ...(perPod && labels.pod ? { pod: labels.pod } : {}),
  });
  const exprFor = (metric: MetricName, perPod: boolean, q: { namespace?: string; service?: string }, windowSec: number) => {
    const t = templates[metric];
    const template = perPod ? t.pod : t.service;
    return template ? renderTemplate(template, { ...q, windowSec }) : undefined;
  };

  return {
    name,
    async listSeries(filter = {}) {
      const results: SeriesKey[] = [];
      const errors: CollectorError[] = [];
      await Promise.all(
        metricsOf(filter.metric).map(async (metric) => {
          const expr = exprFor(metric, Boolean(filter.perPod), filter, o.windowSec ?? 300);
          if (!expr) return void errors.push({ source: name, target: metric, message: `no per-pod query for ${metric} in this naming` });
          try {
            const d = await o.client.query(expr, o.now());
            if (d.resultType === 'vector') for (const s of d.result) results.push(keyOf(s.metric, metric, Boolean(filter.perPod)));
          } catch (err) {
            errors.push({ source: name, target: metric, message: errorMessage(err) });
          }
        }),
      );
      return { results: results.filter((k) => k.service), errors };
    },
    async queryRange(q: RangeQuery) {
      const results: Series[] = [];
      const errors: CollectorError[] = [];
      const windowSec = o.windowSec ?? Math.max(60, (4 * q.stepMs) / 1000);
      const grid: number[] = [];
      for (let t = q.from; t <= q.to; t += q.stepMs) grid.push(t);
      await Promise.all(
        metricsOf(q.metric).map(async (metric) => {
          const expr = exprFor(metric, Boolean(q.perPod), q, windowSec);
          if (!expr) return void errors.push({ source: name, target: metric, message: `no per-pod query for ${metric} in this naming` });
          try {
            const matrix = await o.client.queryRange(expr, q.from, q.to, q.stepMs);
            for (const s of matrix) {
              const key = keyOf(s.metric, metric, Boolean(q.perPod));
              if (!key.service) continue;
              const byTime = new Map(s.values.map(([ts, v]) => [Math.round(ts * 1000), Number(v)]));
              results.push({ key, points: grid.map((t) => [t, byTime.get(t) ?? NaN]) });
            }
          } catch (err) {
            errors.push({ source: name, target: `${metric}${q.service ? ` ${q.service}` : ''}`, message: errorMessage(err) });
          }
        }),
      );
      return { results, errors };
    },
  };
}
