import { z } from 'zod';
import { outputFor, spreadFloor, toList } from '../numeric.js';
import { checkState, parseData, parseParams } from '../params.js';
import type { Detector, DetectorDefinition, DetectorState, SeriesPoints } from '../types.js';

const KIND = 'seasonal';
const VERSION = 1;
const DAY_MS = 86_400_000;
/** 1970-01-01 was a Thursday; shifting by 3 days makes index 0 a Monday. */
const MONDAY_OFFSET_MS = 3 * DAY_MS;

const paramsSchema = z.object({
  /** 'week' learns a profile per weekday and time of day, falling back to the daily profile until it has data. */
  period: z.enum(['day', 'week']).default('week'),
  bucketsPerDay: z.number().int().min(1).max(1440).default(48),
  /** Weight of a new visit in a bucket's moving mean and variance. */
  alpha: z.number().gt(0).lt(1).default(0.2),
  /** Visits a bucket needs before it is trusted. */
  minSeen: z.number().int().min(1).default(3),
});
export type SeasonalParams = z.output<typeof paramsSchema>;

const profileSchema = z.object({ mean: z.array(z.number()), variance: z.array(z.number()), seen: z.array(z.number()) });
const dataSchema = z.object({
  daily: profileSchema,
  weekly: profileSchema,
  globalVariance: z.number().default(0),
  globalSeen: z.number().default(0),
});

interface Profile {
  mean: Float64Array;
  variance: Float64Array;
  seen: Float64Array;
}

const newProfile = (n: number): Profile => ({
  mean: new Float64Array(n),
  variance: new Float64Array(n),
  seen: new Float64Array(n),
});

function loadProfile(n: number, stored?: z.output<typeof profileSchema>): Profile {
  const p = newProfile(n);
  if (stored) {
    p.mean.set(stored.mean.slice(0, n));
    p.variance.set(stored.variance.slice(0, n));
    p.seen.set(stored.seen.slice(0, n));
  }
  return p;
}

const saveProfile = (p: Profile) => ({ mean: toList(p.mean), variance: toList(p.variance), seen: toList(p.seen) });

/**
 * Seasonality-aware baseline: a moving mean and variance per time-of-day (and weekday) bucket, learned
 * from history, so a peak that comes every Monday morning scores low while the same value at 3 a.m. does not.
 */
export function createSeasonalDetector(params?: Partial<SeasonalParams>, data?: z.output<typeof dataSchema>): Detector {
  const p = parseParams(KIND, paramsSchema, params);
  const bucketMs = DAY_MS / p.bucketsPerDay;
  const daily = loadProfile(p.bucketsPerDay, data?.daily);
  const weekly = loadProfile(p.bucketsPerDay * 7, data?.weekly);
  const useWeek = p.period === 'week';
  // Variance of residuals across all buckets: the prior a young bucket's own variance is shrunk towards.
  let globalVariance = data?.globalVariance ?? 0;
  let globalSeen = data?.globalSeen ?? 0;
  const PRIOR = 3;

  const update = (prof: Profile, b: number, x: number) => {
    const seen = prof.seen[b] ?? 0;
    const m = prof.mean[b] ?? 0;
    if (seen === 0) {
      prof.mean[b] = x;
      prof.variance[b] = 0;
    } else {
      // Early visits average plainly, later ones move with alpha: quick to learn, then stable.
      const a = Math.max(p.alpha, 1 / (seen + 1));
      const d = x - m;
      prof.mean[b] = m + a * d;
      prof.variance[b] = (1 - a) * ((prof.variance[b] ?? 0) + a * d * d);
    }
    prof.seen[b] = seen + 1;
  };

  const scoreOne = (t: number, x: number): number => {
    const day = Math.floor((((t % DAY_MS) + DAY_MS) % DAY_MS) / bucketMs);
    const week = Math.floor(((((t + MONDAY_OFFSET_MS) % (7 * DAY_MS)) + 7 * DAY_MS) % (7 * DAY_MS)) / bucketMs);
    let s = 0;
    const prof = useWeek && (weekly.seen[week] ?? 0) >= p.minSeen ? weekly : daily;
    const b = prof === weekly ? week : day;
    if ((prof.seen[b] ?? 0) >= p.minSeen) {
      const m = prof.mean[b] ?? 0;
      const seen = prof.seen[b] ?? 0;
      const variance = (seen * (prof.variance[b] ?? 0) + PRIOR * globalVariance) / (seen + PRIOR);
      s = Math.abs(x - m) / spreadFloor(m, Math.sqrt(variance));
    }
    const own = daily.seen[day] ?? 0;
    if (own > 0) {
      const r = x - (daily.mean[day] ?? 0);
      const a = Math.max(0.01, 1 / (globalSeen + 1));
      globalVariance = (1 - a) * globalVariance + a * r * r;
      globalSeen++;
    }
    update(daily, day, x);
    if (useWeek) update(weekly, week, x);
    return s;
  };

  return {
    kind: KIND,
    train(history) {
      globalVariance = 0;
      globalSeen = 0;
      for (const prof of [daily, weekly]) {
        prof.mean.fill(0);
        prof.variance.fill(0);
        prof.seen.fill(0);
      }
      const n = history.values.length;
      for (let i = 0; i < n; i++) {
        const x = history.values[i] ?? NaN;
        if (!Number.isNaN(x)) scoreOne(history.timestamps[i] ?? 0, x);
      }
    },
    score(points: SeriesPoints, out?: Float64Array) {
      const n = points.values.length;
      const scores = outputFor(n, out);
      for (let i = 0; i < n; i++) {
        const x = points.values[i] ?? NaN;
        scores[i] = Number.isNaN(x) ? NaN : scoreOne(points.timestamps[i] ?? 0, x);
      }
      return scores;
    },
    save: (): DetectorState => ({
      kind: KIND,
      version: VERSION,
      params: p,
      data: { daily: saveProfile(daily), weekly: saveProfile(weekly), globalVariance, globalSeen },
    }),
  };
}

export const seasonalDetector: DetectorDefinition = {
  id: KIND,
  description: 'Seasonal baseline: time-of-day and day-of-week profiles learned from history',
  create: (params) => createSeasonalDetector(params),
  restore(state) {
    checkState(KIND, VERSION, state);
    return createSeasonalDetector(state.params, parseData(KIND, dataSchema, state.data));
  },
};
