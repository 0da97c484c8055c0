import { errorMessage } from '../../platform/errors.js';
import type { KubernetesCollector } from '../kubernetes/index.js';
import type { CollectorError, LogLine, LogSource } from '../types.js';
import { parseLevel } from './level.js';

export interface PodLogSourceOptions {
  collector: KubernetesCollector;
  now: () => number;
  /** Used when a query names no namespace. */
  defaultNamespace?: string;
  /** Most pods read per query (a service with hundreds of replicas is sampled). */
  maxPods?: number;
}

/** Pod logs through the Kubernetes API (`pods/log` with timestamps), filtered to the asked window. */
export function createPodLogSource(o: PodLogSourceOptions): LogSource {
  const maxPods = o.maxPods ?? 20;
  return {
    name: 'kubernetes-logs',
    async queryLogs(q) {
      const namespace = q.namespace ?? o.defaultNamespace;
      if (!namespace) return { results: [], errors: [{ source: 'kubernetes-logs', message: 'a namespace is needed to read pod logs' }] };
      const errors: CollectorError[] = [];
      let pods: Array<{ name: string; service?: string }>;
      if (q.pod) pods = [{ name: q.pod, service: q.service }];
      else {
        const listed = await o.collector.listPods(namespace, q.service ? `app=${q.service}` : undefined);
        errors.push(...listed.errors);
        pods = listed.results.slice(0, maxPods);
      }
      const sinceSeconds = Math.max(1, Math.ceil((o.now() - q.from) / 1000));
      const results: LogLine[] = [];
      await Promise.all(
        pods.map(async (pod) => {
          try {
            const text = await o.collector.podLog(namespace, pod.name, { sinceSeconds });
            for (const raw of text.split('\n')) {
              const line = parseTimestamped(raw);
              if (!line || line.t < q.from || line.t > q.to) continue;
              results.push({ t: line.t, namespace, service: pod.service ?? q.service ?? '', pod: pod.name, level: parseLevel(line.message), message: line.message });
            }
          } catch (err) {
            errors.push({ source: 'kubernetes-logs', target: `${namespace}/${pod.name}`, message: errorMessage(err) });
          }
        }),
      );
      results.sort((a, b) => a.t - b.t);
      const limit = q.limit ?? 1000;
      return { results: results.length > limit ? results.slice(results.length - limit) : results, errors };
    },
  };
}

/** `2026-01-01T00:00:00.123456789Z message` (what `timestamps=true` prefixes). */
function parseTimestamped(raw: string): { t: number; message: string } | undefined {
  const space = raw.indexOf(' ');
  if (space < 20) return undefined;
  const t = Date.parse(raw.slice(0, space).replace(/(\.\d{3})\d+Z$/, '$1Z'));
  return Number.isFinite(t) ? { t, message: raw.slice(space + 1) } : undefined;
}
