import type { CollectorResult, MetricsSource, RangeQuery, Series, SeriesKey } from '../../sources/types.js';

/**
 * In-memory MetricsSource that behaves like a real one: range queries answer only the points in
 * [from, to], filters apply, and a series can be made to fail (partial failure is data).
 */
export function createMemoryMetricsSource(name = 'memory'): MetricsSource & {
  set(key: SeriesKey, points: Array<[number, number]>): void;
  append(key: SeriesKey, points: Array<[number, number]>): void;
  fail(service: string, message: string): void;
} {
  const series = new Map<string, Series>();
  const failing = new Map<string, string>();
  const id = (k: SeriesKey) => `${k.namespace}/${k.service}/${k.metric}/${k.pod ?? ''}`;
  const matches = (k: SeriesKey, q: Omit<RangeQuery, 'from' | 'to' | 'stepMs'>) =>
    (!q.namespace || k.namespace === q.namespace) &&
    (!q.service || k.service === q.service) &&
    (!q.metric || k.metric === q.metric) &&
    Boolean(q.perPod) === Boolean(k.pod);
  return {
    name,
    set(key, points) {
      series.set(id(key), { key, points: [...points] });
    },
    append(key, points) {
      const s = series.get(id(key)) ?? { key, points: [] };
      s.points.push(...points);
      series.set(id(key), s);
    },
    fail(service, message) {
      failing.set(service, message);
    },
    async listSeries(filter = {}) {
      return { results: [...series.values()].map((s) => s.key).filter((k) => matches(k, filter)), errors: [] };
    },
    async queryRange(q): Promise<CollectorResult<Series>> {
      const results: Series[] = [];
      const errors = [];
      for (const s of series.values()) {
        if (!matches(s.key, q)) continue;
        const message = failing.get(s.key.service);
        if (message) {
          errors.push({ source: name, message, target: s.key.service });
          continue;
        }
        results.push({ key: s.key, points: s.points.filter(([t]) => t >= q.from && t <= q.to) });
      }
      return { results, errors };
    },
  };
}
