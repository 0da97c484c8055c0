/** Values before an event that say what "normal" was for its series (half an hour of minutes). */
export const LEVEL_POINTS = 30;

/** A series' level before an event, how far the event took it, and how long it has been back. */
export interface Level {
  /** Median of the values before the event. */
  base: number;
  /** Their robust spread (1.4826 × median absolute deviation). */
  spread: number;
  /** The value furthest from `base` seen during the event. */
  extreme: number;
  /** Points in a row back near `base` with no score over the threshold. */
  normalRun: number;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

/** The level from the values strictly before `start` (none: unknown, NaN, and nothing counts as back). */
export function levelBefore(values: ReadonlyArray<readonly [number, number]>, start: number): Level {
  const before = values.filter(([t]) => t < start).map(([, v]) => v);
  if (!before.length) return { base: NaN, spread: NaN, extreme: NaN, normalRun: 0 };
  const base = median(before);
  return { base, spread: 1.4826 * median(before.map((v) => Math.abs(v - base))), extreme: base, normalRun: 0 };
}

/** The level with `v` taken into the event's furthest excursion. */
export function widen(level: Level, v: number): Level {
  if (!Number.isFinite(v) || !Number.isFinite(level.base)) return level;
  return Math.abs(v - level.base) > Math.abs(level.extreme - level.base) ? { ...level, extreme: v } : level;
}

/**
 * Back to normal: within the series' own noise of its level before the event (3 robust sigmas), or within a
 * twentieth of the event's excursion for a series with no noise to speak of.
 */
export function backToNormal(level: Level, v: number): boolean {
  if (!Number.isFinite(v) || !Number.isFinite(level.base)) return false;
  const band = Math.max(3 * level.spread, 0.05 * Math.abs(level.extreme - level.base));
  return Math.abs(v - level.base) <= band;
}

/**
 * A value holds where a jump took the series: on the jump's side of the level before it, at least half as far,
 * and far outside the series' own noise (6 robust sigmas) — a sustained step, not noise scored high once.
 */
export function holds(level: Level, jumped: number, v: number): boolean {
  if (![level.base, level.spread, jumped, v].every(Number.isFinite)) return false;
  const d0 = jumped - level.base;
  const d = v - level.base;
  return Math.sign(d) === Math.sign(d0) && d0 !== 0 && Math.abs(d) >= 0.5 * Math.abs(d0) && Math.abs(d) > 6 * level.spread;
}
