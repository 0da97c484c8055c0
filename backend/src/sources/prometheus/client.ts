import { z } from 'zod';
import { DEFAULT_RETRY, retrying, TimeoutError, type RetryPolicy } from '../kubernetes/retry.js';

const sample = z.tuple([z.number(), z.string()]);
const labels = z.record(z.string(), z.string());
const data = z.discriminatedUnion('resultType', [
  z.object({ resultType: z.literal('vector'), result: z.array(z.object({ metric: labels, value: sample })) }),
  z.object({ resultType: z.literal('matrix'), result: z.array(z.object({ metric: labels, values: z.array(sample) })) }),
  z.object({ resultType: z.literal('scalar'), result: sample }),
  z.object({ resultType: z.literal('string'), result: sample }),
]);
const envelope = z.object({
  status: z.enum(['success', 'error']),
  data: data.optional(),
  errorType: z.string().optional(),
  error: z.string().optional(),
  warnings: z.array(z.string()).optional(),
});

export type PromData = z.infer<typeof data>;
export type PromVector = Extract<PromData, { resultType: 'vector' }>['result'];
export type PromMatrix = Extract<PromData, { resultType: 'matrix' }>['result'];

export class PrometheusError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly errorType?: string,
  ) {
    super(message);
  }
}

export interface PrometheusClient {
  readonly baseUrl: string;
  /** Instant query at `timeMs` (default: now on the server). */
  query(expr: string, timeMs?: number): Promise<PromData>;
  queryRange(expr: string, startMs: number, endMs: number, stepMs: number): Promise<PromMatrix>;
}

export interface PrometheusClientOptions {
  baseUrl: string;
  retry?: Partial<RetryPolicy>;
  headers?: Record<string, string>;
  fetch?: typeof fetch;
}

/** A small typed client for Prometheus's HTTP API (`/api/v1/query`, `/api/v1/query_range`). */
export function createPrometheusClient(o: PrometheusClientOptions): PrometheusClient {
  const policy = { ...DEFAULT_RETRY, ...o.retry };
  const doFetch = o.fetch ?? fetch;
  const base = o.baseUrl.replace(/\/+$/, '');
  const transient = (err: unknown) =>
    err instanceof TimeoutError || !(err instanceof PrometheusError) || err.status === undefined || err.status >= 500 || err.status === 429;

  async function post(path: string, params: Record<string, string>): Promise<PromData> {
    return retrying(`prometheus ${path}`, policy, transient, async (signal) => {
      let res: Response;
      try {
        res = await doFetch(`${base}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...o.headers },
          body: new URLSearchParams(params).toString(),
          signal,
        });
      } catch (err) {
        throw new PrometheusError(`cannot reach Prometheus at ${base}: ${(err as Error).message}`);
      }
      const text = await res.text();
      let parsed: z.infer<typeof envelope>;
      try {
        parsed = envelope.parse(JSON.parse(text));
      } catch {
        throw new PrometheusError(`unexpected answer from ${base}${path} (HTTP ${res.status}): ${text.slice(0, 200)}`, res.status);
      }
      if (parsed.status === 'error' || !parsed.data) {
        throw new PrometheusError(`${parsed.errorType ?? 'error'}: ${parsed.error ?? 'no data'}`, res.status, parsed.errorType);
      }
      return parsed.data;
    });
  }

  return {
    baseUrl: base,
    query: (expr, timeMs) => post('/api/v1/query', { query: expr, ...(timeMs !== undefined ? { time: String(timeMs / 1000) } : {}) }),
    async queryRange(expr, startMs, endMs, stepMs) {
      const d = await post('/api/v1/query_range', { query: expr, start: String(startMs / 1000), end: String(endMs / 1000), step: String(stepMs / 1000) });
      if (d.resultType !== 'matrix') throw new PrometheusError(`query_range answered ${d.resultType}, expected matrix`);
      return d.result;
    },
  };
}
