import { z } from 'zod';
import { outputFor, spreadFloor, toList } from '../numeric.js';
import { checkState, parseData, parseParams } from '../params.js';
import type { Detector, DetectorDefinition, DetectorState, SeriesPoints } from '../types.js';

const KIND = 'seasonal';
const VERSION = 1;
const DAY_MS = 86_400_000;
/** 1970-01-01 was a Thursday; shifting by 3 days makes index 0 a Monday. */
const MONDAY_OFFSET_MS = 3 * DAY_MS;
const WEEK_MS = 7 * DAY_MS;

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

  /**
   * Scores (when `out` is given) and learns a run of points. One loop on local variables and the profiles'
   * typed arrays: it runs on every point of every series.
   */
  const run = (points: SeriesPoints, out: Float64Array | null) => {
    const n = points.values.length;
    const B = p.bucketsPerDay;
    const { mean: dm, variance: dv, seen: ds } = daily;
    const { mean: wm, variance: wv, seen: ws } = weekly;
    const alpha = p.alpha;
    const minSeen = p.minSeen;
    let gVar = globalVariance;
    let gSeen = globalSeen;
    for (let i = 0; i < n; i++) {
      const x = points.values[i] ?? NaN;
      if (x !== x) {
        if (out) out[i] = NaN;
        continue;
      }
      const t = points.timestamps[i] ?? 0;
      // Weeks and days share bucket boundaries, so the day bucket is the week bucket modulo a day.
      const week = Math.floor(((((t + MONDAY_OFFSET_MS) % WEEK_MS) + WEEK_MS) % WEEK_MS) / bucketMs);
      const day = week % B;
      if (out) {
        const useWeekly = useWeek && (ws[week] ?? 0) >= minSeen;
        const seen = useWeekly ? (ws[week] ?? 0) : (ds[day] ?? 0);
        let s = 0;
        if (seen >= minSeen) {
          const m = useWeekly ? (wm[week] ?? 0) : (dm[day] ?? 0);
          const v = useWeekly ? (wv[week] ?? 0) : (dv[day] ?? 0);
          const variance = (seen * v + PRIOR * gVar) / (seen + PRIOR);
          s = Math.abs(x - m) / spreadFloor(m, Math.sqrt(variance));
        }
        out[i] = s;
      }
      const dSeen = ds[day] ?? 0;
      if (dSeen > 0) {
        const r = x - (dm[day] ?? 0);
        const a = gSeen + 1 > 100 ? 0.01 : 1 / (gSeen + 1);
        gVar = (1 - a) * gVar + a * r * r;
        gSeen++;
      }
      // Early visits average plainly, later ones move with alpha: quick to learn, then stable.
      if (dSeen === 0) {
        dm[day] = x;
        dv[day] = 0;
      } else {
        const a = 1 / (dSeen + 1) > alpha ? 1 / (dSeen + 1) : alpha;
        const d = x - (dm[day] ?? 0);
        dm[day] = (dm[day] ?? 0) + a * d;
        dv[day] = (1 - a) * ((dv[day] ?? 0) + a * d * d);
      }
      ds[day] = dSeen + 1;
      if (useWeek) {
        const wSeen = ws[week] ?? 0;
        if (wSeen === 0) {
          wm[week] = x;
          wv[week] = 0;
        } else {
          const a = 1 / (wSeen + 1) > alpha ? 1 / (wSeen + 1) : alpha;
          const d = x - (wm[week] ?? 0);
          wm[week] = (wm[week] ?? 0) + a * d;
          wv[week] = (1 - a) * ((wv[week] ?? 0) + a * d * d);
        }
        ws[week] = wSeen + 1;
      }
    }
    globalVariance = gVar;
    globalSeen = gSeen;
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
      run(history, null);
    },
    score(points: SeriesPoints, out?: Float64Array) {
      const scores = outputFor(points.values.length, out);
      run(points, scores);
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
