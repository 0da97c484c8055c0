import { InputError } from '../../platform/errors.js';
import { METRICS, type CollectorResult, type LogLine, type LogSource, type MetricsSource, type RangeQuery, type Series, type SeriesKey } from '../types.js';
import type { MetricValues } from './model.js';
import type { Simulator } from './simulator.js';

type SimCore = Omit<Simulator, 'metrics' | 'logs' | 'traces'>;

/** Prometheus refuses more than 11,000 points per series; so do we. */
const MAX_POINTS = 11_000;

/**
 * The simulator as a MetricsSource: recorded ticks where they exist, the generated (healthy) history
 * before the simulator started, NaN for gaps.
 */
export function createSimMetricsSource(sim: SimCore): MetricsSource {
  const ns = sim.namespace;
  const services = sim.topology.services.map((s) => s.name);

  function keys(filter: Omit<RangeQuery, 'from' | 'to' | 'stepMs'> = {}): SeriesKey[] {
    if (filter.namespace && filter.namespace !== ns) return [];
    const metrics = filter.metric ? METRICS.filter((m) => m === filter.metric) : [...METRICS];
    const svcs = filter.service ? services.filter((s) => s === filter.service) : services;
    if (!filter.perPod) return svcs.flatMap((service) => metrics.map((metric) => ({ namespace: ns, service, metric })));
    const out: SeriesKey[] = [];
    const seen = new Set<string>();
    for (const k of sim.series.keys()) {
      if (!k.startsWith('p|')) continue;
      const [, service, pod] = k.split('|') as [string, string, string];
      if (!svcs.includes(service) || seen.has(pod)) continue;
      seen.add(pod);
      for (const metric of metrics) out.push({ namespace: ns, service, metric, pod });
    }
    return out.sort((a, b) => (a.pod ?? '').localeCompare(b.pod ?? ''));
  }

  function points(key: SeriesKey, q: RangeQuery): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    const historyStart = sim.now() - sim.historyMs;
    const id = key.pod ? `p|${key.service}|${key.pod}|${key.metric}` : `s|${key.service}|${key.metric}`;
    for (let t = q.from; t <= q.to; t += q.stepMs) {
      const tick = Math.floor(t / sim.stepMs);
      const recorded = sim.series.at(id, tick);
      if (recorded !== undefined) out.push([t, recorded]);
      else if (!key.pod && t < sim.recordedFrom && t >= historyStart) {
        const v = sim.baselineFrame(t).services.get(key.service)?.[key.metric as keyof MetricValues];
        out.push([t, typeof v === 'number' ? v : NaN]);
      } else out.push([t, NaN]);
    }
    return out;
  }

  return {
    name: 'simulator',
    async listSeries(filter) {
      return { results: keys(filter), errors: [] };
    },
    async queryRange(q): Promise<CollectorResult<Series>> {
      if (!(q.stepMs > 0) || q.to < q.from) throw new InputError('queryRange needs from <= to and a positive stepMs');
      if ((q.to - q.from) / q.stepMs > MAX_POINTS) {
        throw new InputError(`at most ${MAX_POINTS} points per series; raise stepMs`);
      }
      return { results: keys(q).map((key) => ({ key, points: points(key, q) })), errors: [] };
    },
  };
}

/** The simulator's pod logs as a LogSource. */
export function createSimLogSource(sim: SimCore): LogSource {
  return {
    name: 'simulator',
    async queryLogs(q) {
      if (q.namespace && q.namespace !== sim.namespace) return { results: [], errors: [] };
      const out: LogLine[] = [];
      for (const rt of sim.cluster.pods.values()) {
        if ((q.service && rt.service !== q.service) || (q.pod && rt.name !== q.pod)) continue;
        for (const line of sim.podLog(rt.namespace, rt.name) ?? []) {
          if (line.t < q.from || line.t > q.to) continue;
          out.push({ t: line.t, namespace: rt.namespace, service: rt.service, pod: rt.name, level: line.level, message: line.message });
        }
      }
      out.sort((a, b) => a.t - b.t);
      const limit = q.limit ?? 1000;
      return { results: out.length > limit ? out.slice(out.length - limit) : out, errors: [] };
    },
  };
}
