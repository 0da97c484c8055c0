import { z } from 'zod';
import type { PromQueryPort, PromSample } from './prometheus.js';

const responseSchema = z.object({
  status: z.string(),
  error: z.string().optional(),
  data: z
    .object({
      resultType: z.string(),
      result: z.array(z.object({ metric: z.record(z.string(), z.string()), value: z.tuple([z.number(), z.string()]) })),
    })
    .optional(),
});

/** The PromQueryPort over Prometheus's HTTP API (`GET /api/v1/query`). */
export function httpPromQuery(
  baseUrl: string,
  opts: { fetch?: typeof fetch; timeoutMs?: number } = {},
): PromQueryPort {
  const doFetch = opts.fetch ?? fetch;
  return {
    async instantQuery(promql): Promise<PromSample[]> {
      const url = new URL('api/v1/query', baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
      url.searchParams.set('query', promql);
      const res = await doFetch(url, { signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000) });
      const body = responseSchema.parse(await res.json());
      if (body.status !== 'success' || !body.data) throw new Error(body.error ?? `prometheus answered ${res.status}`);
      if (body.data.resultType !== 'vector') throw new Error(`expected a vector, got ${body.data.resultType}`);
      return body.data.result;
    },
  };
}
