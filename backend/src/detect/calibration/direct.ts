import { z } from 'zod';

/**
 * Direct calibration, for a detector whose raw score is already a bounded confidence on one scale for every
 * series (ARTime's [0,1]): surprise = scale × raw. Ranking it among the series' own past scores (the tail
 * calibrator) would make a series' first detection count more than a stronger later one.
 */
export const directSchema = z.object({
  /** Surprise of a full-confidence (raw 1) score: 4 = as rare as 1 in 10,000 points. */
  scale: z.number().gt(0).max(20).default(4),
});
export type DirectParams = z.output<typeof directSchema>;

export const directStateSchema = z.object({ kind: z.literal('direct') });
export type DirectState = z.output<typeof directStateSchema>;

export function createDirectCalibrator(params?: Partial<DirectParams>) {
  const p = directSchema.parse(params ?? {});
  return {
    next: (raw: number) => (Number.isNaN(raw) ? NaN : p.scale * Math.max(0, raw)),
    save: (): DirectState => ({ kind: 'direct' }),
  };
}
