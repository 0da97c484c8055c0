import { z } from 'zod';
import { calibrationSchema } from '../calibration/index.js';
import { ensembleSchema } from '../ensemble/index.js';
import { postRulesSchema } from '../post-rules/index.js';
import { likelihoodSchema } from '../calibration/likelihood.js';
import { directSchema } from '../calibration/direct.js';
import { ANOMALY_ALARM_THRESHOLD } from '../threshold.js';

export const memberSchema = z.object({
  /** Id of a detector in the registry (built-in or from a user module). */
  detector: z.string().min(1),
  params: z.record(z.string(), z.unknown()).default({}),
  weight: z.number().min(0).default(1),
  /** What the detector sees: the values, or their first differences (spikes and steps stand out). */
  input: z.enum(['value', 'diff']).default('value'),
  /** Raw scores are averaged over this many points before calibration (a sustained shift adds up). */
  smooth: z.number().int().min(1).max(1000).default(1),
  /**
   * How raw scores become surprise: rank among the member's own past scores, HTM-style likelihood, or directly
   * (a detector whose raw score is a confidence on one scale for every series).
   */
  calibrate: z.enum(['tail', 'likelihood', 'direct']).default('tail'),
  likelihood: likelihoodSchema.partial().default({}),
  direct: directSchema.partial().default({}),
  /**
   * Ensemble group: 0 for members that follow the values point by point, 1 for sparse deciders (ARTime),
   * joined to group 0 by the maximum (ensemble/index.ts).
   */
  group: z.union([z.literal(0), z.literal(1)]).default(0),
});
export type MemberConfig = z.output<typeof memberSchema>;

export const pipelineSchema = z.object({
  members: z.array(memberSchema).min(1),
  calibration: calibrationSchema.default(calibrationSchema.parse({})),
  ensemble: ensembleSchema.default(ensembleSchema.parse({})),
  postRules: postRulesSchema.default(postRulesSchema.parse({})),
  /** The one user knob, in (0,1): higher raises more alarms. */
  sensitivity: z.number().gt(0).lt(1).default(0.5),
  /**
   * Combined surprise at which the probability reaches the alarm threshold (at sensitivity 0.5): 2.75 = rarer
   * than 1 in 560 points of the series' own history, below the ~3.3 a two-day history can express, so the
   * second and third points of a sustained change still count. Set for the live service (a hundred one-minute
   * series must stay quiet for hours: bench:detect:live), not by NAB.
   */
  alarmSurprise: z.number().gt(0).default(2.75),
  /** Decades of probability odds per unit of surprise around the alarm level. */
  slope: z.number().gt(0).default(2),
  /**
   * Factor on the odds of the alarm stream only (what `aegis detect` writes and NAB judges; the displayed score
   * and the live alarms never see it). The NAB protocol sets it on its training files so that their best
   * threshold lies at 0.5: one threshold then means the same for every configuration it compares.
   */
  alarmOdds: z.number().gt(0).default(1),
});
export type PipelineConfig = z.output<typeof pipelineSchema>;
export type PipelineConfigInput = z.input<typeof pipelineSchema>;

/**
 * The one configuration the service, `aegis detect` and the NAB bench all run. Chosen by
 * `npm run bench:nab:loco` (the selection run on all categories; the nested leave-one-category-out figure is
 * what that selection achieves on categories it never saw): see the README's detection section.
 */
export const DEFAULT_PIPELINE: PipelineConfigInput = {
  calibration: { forget: 0.0003 },
  // The alarm stream's onset window is chosen by the protocol. The live service alarms on 2 points in a row
  // over the threshold, as Grafana's `for` does: a fault holds the score up, noise rarely does twice running
  // (2 of 3 let two lone spikes with a normal point between them open an anomaly). No effect on NAB, which
  // judges the alarm stream.
  postRules: { window: 2, minPoints: 2, suppressWindow: 100 },
  members: [
    // Group 0 (dense): follows the values point by point; only it can reach the alarm threshold.
    { detector: 'seasonal', params: {} },
    { detector: 'zscore', params: { window: 4000 } },
    { detector: 'cad', params: {} },
    { detector: 'mad', params: { window: 512 } },
    { detector: 'spatial', params: {} },
    // Group 1 (sparse): ARTime (artime/), probationary range with headroom, clipped; its confidence directly
    // (weight 2 = chosen twice) and ranked among its own past scores. Joined by the maximum at +3, kept below
    // the alarm level (ensemble/index.ts): it ranks points for NAB and shows on the dashboard, never opens one.
    {
      detector: 'artime',
      params: { headroom: 0.5, escape: 'clip' },
      calibrate: 'direct',
      weight: 2,
      group: 1,
    },
    { detector: 'artime', params: { headroom: 0.5, escape: 'clip' }, group: 1 },
  ],
  alarmSurprise: 2.75,
  ensemble: { lone: 0.5, sparseOffset: 3, sparseBelowAlarm: true },
  // The alarm stream's odds, set by the protocol on its training files (the mean log-odds of each category's
  // best NAB threshold lands at 0.5). Only what `aegis detect` writes and NAB judges; live alarms never see it.
  alarmOdds: 0.6809,
};

export function parsePipelineConfig(input: unknown): PipelineConfig {
  return pipelineSchema.parse(input);
}

/** Combined surprise at which this configuration alarms: the sensitivity moves it (higher → earlier). */
export function alarmSurprise(config: PipelineConfig): number {
  return config.alarmSurprise + 2.5 * (0.5 - config.sensitivity);
}

/**
 * The displayed score: a probability that the point is anomalous given the series' recent history. Its odds
 * grow by 10^slope per unit of combined surprise (surprise is −log10 of a tail probability, so this is a
 * likelihood ratio), anchored so the probability equals the alarm threshold exactly at the alarm surprise.
 */
export function surpriseToProbability(surprise: number, config: PipelineConfig): number {
  if (Number.isNaN(surprise)) return 0;
  const t = ANOMALY_ALARM_THRESHOLD;
  const odds = (t / (1 - t)) * 10 ** (config.slope * (surprise - alarmSurprise(config)));
  return Number.isFinite(odds) ? odds / (1 + odds) : 1;
}
