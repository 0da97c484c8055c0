import { z } from 'zod';
import { errorMessage } from '../../platform/errors.js';
import { DEFAULT_RETRY, retrying, TimeoutError, type RetryPolicy } from '../kubernetes/retry.js';
import type { LogLine, LogSource } from '../types.js';
import { parseLevel } from './level.js';

const answer = z.object({
  status: z.string(),
  data: z.object({
    resultType: z.literal('streams'),
    result: z.array(z.object({ stream: z.record(z.string(), z.string()), values: z.array(z.tuple([z.string(), z.string()])) })),
  }),
});

export interface LokiSourceOptions {
  baseUrl: string;
  /** Stream labels naming namespace, service and pod (promtail's defaults). */
  labels?: { namespace: string; service: string; pod: string };
  retry?: Partial<RetryPolicy>;
  headers?: Record<string, string>;
  fetch?: typeof fetch;
}

class LokiError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** Loki's `query_range` as a LogSource (used when AEGIS_LOKI_URL is set). */
export function createLokiLogSource(o: LokiSourceOptions): LogSource {
  const labels = o.labels ?? { namespace: 'namespace', service: 'app', pod: 'pod' };
  const policy = { ...DEFAULT_RETRY, ...o.retry };
  const doFetch = o.fetch ?? fetch;
  const base = o.baseUrl.replace(/\/+$/, '');
  const name = `loki(${base})`;
  const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
  return {
    name,
    async queryLogs(q) {
      const matchers = [
        q.namespace ? `${labels.namespace}="${esc(q.namespace)}"` : `${labels.namespace}=~".+"`,
        ...(q.service ? [`${labels.service}="${esc(q.service)}"`] : []),
        ...(q.pod ? [`${labels.pod}="${esc(q.pod)}"`] : []),
      ];
      const params = new URLSearchParams({
        query: `{${matchers.join(',')}}`,
        start: `${BigInt(Math.floor(q.from)) * 1_000_000n}`,
        end: `${BigInt(Math.ceil(q.to)) * 1_000_000n}`,
        limit: String(q.limit ?? 1000),
        direction: 'backward',
      });
      try {
        const body = await retrying(
          'loki query_range',
          policy,
          (err) => err instanceof TimeoutError || !(err instanceof LokiError) || (err.status ?? 500) >= 500,
          async (signal) => {
            let res: Response;
            try {
              res = await doFetch(`${base}/loki/api/v1/query_range?${params}`, { headers: { accept: 'application/json', ...o.headers }, signal });
            } catch (err) {
              throw new LokiError(`cannot reach Loki at ${base}: ${errorMessage(err)}`);
            }
            const text = await res.text();
            if (!res.ok) throw new LokiError(`HTTP ${res.status}: ${text.slice(0, 200)}`, res.status);
            return answer.parse(JSON.parse(text));
          },
        );
        const results: LogLine[] = [];
        for (const stream of body.data.result) {
          for (const [ns, message] of stream.values) {
            results.push({
              t: Number(BigInt(ns) / 1_000_000n),
              namespace: stream.stream[labels.namespace] ?? q.namespace ?? '',
              service: stream.stream[labels.service] ?? q.service ?? '',
              pod: stream.stream[labels.pod] ?? '',
              level: (['debug', 'info', 'warn', 'error'] as const).find((l) => l === stream.stream.level) ?? parseLevel(message),
              message,
            });
          }
        }
        return { results: results.sort((a, b) => a.t - b.t), errors: [] };
      } catch (err) {
        return { results: [], errors: [{ source: name, target: q.service ?? q.namespace, message: errorMessage(err) }] };
      }
    },
  };
}
