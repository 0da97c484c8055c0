import { z } from 'zod';
import { errorMessage } from '../../platform/errors.js';
import { DEFAULT_RETRY, retrying, TimeoutError, type RetryPolicy } from '../kubernetes/retry.js';
import type { CollectorResult, TraceSource, TraceSpan } from '../types.js';

export type { TraceQuery, TraceSource, TraceSpan } from '../types.js';

// GET /api/search: {traces: [{traceID, rootServiceName, rootTraceName, startTimeUnixNano, durationMs, spanSet(s)}]}
const searchAnswer = z.object({
  traces: z.array(z.object({ traceID: z.string() }).loose()).default([]),
});

const attribute = z.object({ key: z.string(), value: z.record(z.string(), z.unknown()) });
const otlpSpan = z
  .object({
    traceId: z.string(),
    spanId: z.string(),
    parentSpanId: z.string().optional(),
    name: z.string().default(''),
    startTimeUnixNano: z.union([z.string(), z.number()]),
    endTimeUnixNano: z.union([z.string(), z.number()]),
    status: z.object({ code: z.union([z.string(), z.number()]).optional() }).loose().optional(),
  })
  .loose();
const resourceSpans = z
  .object({
    resource: z.object({ attributes: z.array(attribute).default([]) }).loose().default({ attributes: [] }),
    scopeSpans: z.array(z.object({ spans: z.array(otlpSpan).default([]) }).loose()).optional(),
    instrumentationLibrarySpans: z.array(z.object({ spans: z.array(otlpSpan).default([]) }).loose()).optional(),
  })
  .loose();
// GET /api/traces/<id>: {batches: [...]} (v1) or GET /api/v2/traces/<id>: {trace: {resourceSpans: [...]}}
const traceAnswer = z.union([
  z.object({ batches: z.array(resourceSpans) }),
  z.object({ trace: z.object({ resourceSpans: z.array(resourceSpans).default([]) }) }),
]);

export interface TempoSourceOptions {
  baseUrl: string;
  retry?: Partial<RetryPolicy>;
  headers?: Record<string, string>;
  fetch?: typeof fetch;
  /** Traces fetched at once after a search. */
  concurrency?: number;
}

class TempoError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/**
 * Tempo's HTTP API as a TraceSource: a TraceQL search for the window (`/api/search`), then each
 * trace by id (`/api/traces/<id>`), flattened to spans. A trace that fails to load is an error
 * entry; the others still count.
 */
export function createTempoTraceSource(o: TempoSourceOptions): TraceSource {
  const policy = { ...DEFAULT_RETRY, ...o.retry };
  const doFetch = o.fetch ?? fetch;
  const base = o.baseUrl.replace(/\/+$/, '');
  const name = `tempo(${base})`;
  const get = (what: string, url: string) =>
    retrying(
      what,
      policy,
      (err) => err instanceof TimeoutError || !(err instanceof TempoError) || (err.status ?? 500) >= 500,
      async (signal) => {
        let res: Response;
        try {
          res = await doFetch(url, { headers: { accept: 'application/json', ...o.headers }, signal });
        } catch (err) {
          throw new TempoError(`cannot reach Tempo at ${base}: ${errorMessage(err)}`);
        }
        const text = await res.text();
        if (!res.ok) throw new TempoError(`HTTP ${res.status}: ${text.slice(0, 200)}`, res.status);
        return JSON.parse(text) as unknown;
      },
    );
  return {
    name,
    async querySpans(q) {
      const params = new URLSearchParams({
        q: q.service ? `{ resource.service.name = ${JSON.stringify(q.service)} }` : '{}',
        start: String(Math.floor(q.from / 1000)),
        end: String(Math.ceil(q.to / 1000)),
        limit: String(q.limit ?? 200),
      });
      let ids: string[];
      try {
        ids = searchAnswer.parse(await get('tempo search', `${base}/api/search?${params}`)).traces.map((t) => t.traceID);
      } catch (err) {
        return { results: [], errors: [{ source: name, target: q.service ?? 'search', message: errorMessage(err) }] };
      }
      const results: TraceSpan[] = [];
      const errors: CollectorResult<TraceSpan>['errors'] = [];
      const queue = [...new Set(ids)];
      const worker = async () => {
        for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
          try {
            const answer = traceAnswer.parse(await get('tempo trace', `${base}/api/traces/${encodeURIComponent(id)}`));
            results.push(...flatten('batches' in answer ? answer.batches : answer.trace.resourceSpans));
          } catch (err) {
            errors.push({ source: name, target: `trace ${id}`, message: errorMessage(err) });
          }
        }
      };
      await Promise.all(Array.from({ length: Math.max(1, o.concurrency ?? 8) }, worker));
      results.sort((a, b) => a.start - b.start);
      return { results, errors };
    },
  };
}

function flatten(batches: Array<z.output<typeof resourceSpans>>): TraceSpan[] {
  const out: TraceSpan[] = [];
  for (const b of batches) {
    const attr = (key: string) => {
      const v = b.resource.attributes.find((a) => a.key === key)?.value;
      return typeof v?.stringValue === 'string' ? v.stringValue : undefined;
    };
    const service = attr('service.name') ?? 'unknown';
    const pod = attr('k8s.pod.name');
    for (const scope of [...(b.scopeSpans ?? []), ...(b.instrumentationLibrarySpans ?? [])]) {
      for (const s of scope.spans) {
        out.push({
          traceId: hexId(s.traceId),
          spanId: hexId(s.spanId),
          parentId: s.parentSpanId ? hexId(s.parentSpanId) : '',
          service,
          ...(pod ? { pod } : {}),
          operation: s.name,
          start: nanosToMs(s.startTimeUnixNano),
          end: nanosToMs(s.endTimeUnixNano),
          error: s.status?.code === 2 || s.status?.code === 'STATUS_CODE_ERROR',
        });
      }
    }
  }
  return out;
}

/** Tempo's JSON carries ids as base64 (protobuf bytes); OTLP/JSON as hex. Both become hex. */
export function hexId(id: string): string {
  if (/^[0-9a-f]+$/i.test(id) && (id.length === 16 || id.length === 32)) return id.toLowerCase();
  return Buffer.from(id, 'base64').toString('hex');
}

function nanosToMs(v: string | number): number {
  const s = String(v);
  // Keep the precision a double loses on 19-digit nanoseconds: split milliseconds and the rest.
  if (s.length > 6) return Number(s.slice(0, -6)) + Number(s.slice(-6)) / 1e6;
  return Number(s) / 1e6;
}
