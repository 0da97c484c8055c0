import { z } from 'zod';
import { defineRoute, limitParam, pageOf, timeParam, type RouteDef } from '../api/route.js';
import type { Clock } from '../platform/clock.js';
import { InputError } from '../platform/errors.js';
import { anomalySchema, type DetectStore } from './store.js';

// At most 12 digits: hundreds of them read as Infinity, which no query can step by.
const DURATION = /^(\d{1,12})(ms|s|m|h|d)?$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `60000`, `60s`, `1m`: Grafana sends interval in ms, people type durations. */
const stepParam = z
  .string()
  .regex(DURATION, 'step is milliseconds or a duration like 30s, 5m, 1h')
  .transform((s) => {
    const [, n, unit] = DURATION.exec(s) ?? [];
    return Number(n) * (UNIT_MS[unit ?? 'ms'] ?? 1);
  })
  .refine((ms) => ms >= 1000, 'step must be at least 1s')
  .optional();

const name = z.string().min(1).max(253);

const scoresResponse = z.object({
  series: z.array(
    z.object({
      service: z.string(),
      metric: z.string(),
      points: z.array(z.tuple([z.number().describe('unix ms'), z.number().describe('score 0..1')])),
    }),
  ),
});

/** At most this many points per series in one answer; the step grows to fit. */
const MAX_POINTS = 11_000;

export function detectRoutes({ store, clock }: { store: DetectStore; clock: Clock }): RouteDef[] {
  return [
    defineRoute({
      method: 'get',
      path: '/anomalies',
      operationId: 'listAnomalies',
      summary: 'Anomaly events (newest first); an event belongs to a range it overlaps',
      tags: ['anomalies'],
      permission: 'read',
      query: z.object({
        service: name.optional(),
        from: timeParam,
        to: timeParam,
        limit: limitParam,
        cursor: z.string().max(200).optional(),
      }),
      response: pageOf(anomalySchema),
      handler: ({ query }) => store.listAnomalies(query),
    }),
    defineRoute({
      method: 'get',
      path: '/anomalies/scores',
      operationId: 'getAnomalyScores',
      summary: 'Anomaly score history per service and metric, downsampled to `step` (maximum per step)',
      tags: ['anomalies'],
      permission: 'read',
      query: z.object({
        service: name.optional(),
        metric: name.optional(),
        from: timeParam,
        to: timeParam,
        step: stepParam,
      }),
      response: scoresResponse,
      async handler({ query }) {
        const to = query.to?.getTime() ?? clock.nowMs();
        const from = query.from?.getTime() ?? to - 3_600_000;
        if (from > to) throw new InputError('from must not be after to');
        const step = Math.max(query.step ?? 60_000, Math.ceil((to - from) / MAX_POINTS));
        return {
          series: await store.queryScores({ service: query.service, metric: query.metric, from, to, stepMs: step }),
        };
      },
    }),
  ];
}
