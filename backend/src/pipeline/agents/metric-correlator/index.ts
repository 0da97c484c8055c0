import { z } from 'zod';
import type { TemplateChange } from '../../../remediation/types.js';
import type { CollectorResult, Series } from '../../../sources/types.js';
import { defineAgent } from '../../agent.js';

const anomaly = z.object({
  service: z.string(),
  metric: z.string(),
  z: z.number(),
  baseline: z.number(),
  observed: z.number(),
  direction: z.enum(['up', 'down']),
  /** unix ms: first sample past the threshold */
  onset: z.number(),
});
const change = z.object({ service: z.string(), revision: z.number(), at: z.string().nullable(), cause: z.string().nullable() });

export const metricCorrelatorOutput = z.object({
  anomalies: z.array(anomaly),
  changes: z.array(change),
  /** Anomalies whose onset lines up (±10 min) with a change on the same service. */
  lined_up: z.array(z.object({ service: z.string(), metric: z.string(), change_at: z.string(), onset: z.number() })),
  errors: z.array(z.string()),
});
export type MetricCorrelatorOutput = z.infer<typeof metricCorrelatorOutput>;

const MIN = 60_000;
const Z_THRESHOLD = 4;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** Robust z of the recent samples against the hour before the incident (median / MAD). */
export function seriesAnomaly(s: Series, startMs: number): z.infer<typeof anomaly> | undefined {
  const base = s.points.filter((p) => p[0] < startMs - 2 * MIN && Number.isFinite(p[1])).map((p) => p[1]);
  const recent = s.points.filter((p) => p[0] >= startMs - 10 * MIN && Number.isFinite(p[1]));
  if (base.length < 5 || !recent.length) return undefined;
  const med = median(base);
  const mad = median(base.map((v) => Math.abs(v - med))) * 1.4826;
  const scale = Math.max(mad, Math.abs(med) * 0.05, 1e-9);
  const zOf = (v: number) => (v - med) / scale;
  const last = recent.slice(-3).map((p) => p[1]);
  const observed = last.reduce((a, b) => a + b, 0) / last.length;
  const z = zOf(observed);
  if (Math.abs(z) < Z_THRESHOLD) return undefined;
  const onset = recent.find((p) => Math.abs(zOf(p[1])) >= Z_THRESHOLD)?.[0] ?? startMs;
  return { service: s.key.service, metric: s.key.metric, z: Math.round(z * 10) / 10, baseline: med, observed, direction: z > 0 ? 'up' : 'down', onset };
}

/** Queries the affected services (and what they call) around the incident, finds anomalies and changes that line up. */
export const metricCorrelatorAgent = defineAgent({
  id: 'metric-correlator',
  description: 'Anomalous metrics around the incident and the deploys/config changes that line up with them.',
  input: z.object({ services: z.array(z.string()), namespace: z.string(), startedAt: z.number(), at: z.number() }),
  output: metricCorrelatorOutput,
  timeoutMs: 20_000,
  async run({ services, namespace, startedAt, at }, ctx) {
    const errors: string[] = [];
    const anomalies: Array<z.infer<typeof anomaly>> = [];
    const changes: Array<z.infer<typeof change>> = [];
    for (const service of services) {
      if (ctx.tools.has('metrics_query_range')) {
        const res = await ctx.tools.call<CollectorResult<Series>>('metrics_query_range', { service, namespace, from: startedAt - 60 * MIN, to: at, step_ms: MIN / 2 });
        errors.push(...res.errors.map((e) => e.message));
        for (const s of res.results) {
          const a = seriesAnomaly(s, startedAt);
          if (a) anomalies.push(a);
        }
      }
      if (ctx.tools.has('k8s_recent_change')) {
        try {
          const c = await ctx.tools.call<TemplateChange>('k8s_recent_change', { name: service, namespace, since: startedAt - 30 * MIN });
          if (c.changed) changes.push({ service, revision: c.revision, at: c.at, cause: c.cause });
        } catch (err) {
          errors.push(err instanceof Error ? err.message : String(err));
        }
      }
    }
    if (!ctx.tools.has('metrics_query_range')) errors.push('no metrics source configured');
    const lined_up = anomalies.flatMap((a) =>
      changes
        .filter((c) => c.service === a.service && c.at && Math.abs(Date.parse(c.at) - a.onset) <= 10 * MIN)
        .map((c) => ({ service: a.service, metric: a.metric, change_at: c.at as string, onset: a.onset })),
    );
    anomalies.sort((a, b) => Math.abs(b.z) - Math.abs(a.z));
    return { anomalies: anomalies.slice(0, 30), changes, lined_up, errors };
  },
});
