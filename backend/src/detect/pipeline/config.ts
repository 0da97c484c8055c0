import { z } from 'zod';
import { calibrationSchema } from '../calibration/index.js';
import { ensembleSchema } from '../ensemble/index.js';
import { postRulesSchema } from '../post-rules/index.js';

export const memberSchema = z.object({
  /** Id of a detector in the registry (built-in or from a user module). */
  detector: z.string().min(1),
  params: z.record(z.string(), z.unknown()).default({}),
  weight: z.number().min(0).default(1),
  /** What the detector sees: the values, or their first differences (spikes and steps stand out). */
  input: z.enum(['value', 'diff']).default('value'),
  /** Raw scores are averaged over this many points before calibration (a sustained shift adds up). */
  smooth: z.number().int().min(1).max(1000).default(1),
});
export type MemberConfig = z.output<typeof memberSchema>;

export const pipelineSchema = z.object({
  members: z.array(memberSchema).min(1),
  calibration: calibrationSchema.default(calibrationSchema.parse({})),
  ensemble: ensembleSchema.default(ensembleSchema.parse({})),
  postRules: postRulesSchema.default(postRulesSchema.parse({})),
  /** The one user knob, in (0,1): higher raises more alarms. */
  sensitivity: z.number().gt(0).lt(1).default(0.5),
  /** Combined surprise s maps to the reported [0,1] score as s / (s + scale). */
  scale: z.number().gt(0).default(4),
});
export type PipelineConfig = z.output<typeof pipelineSchema>;
export type PipelineConfigInput = z.input<typeof pipelineSchema>;

/**
 * The one configuration the service, `aegis detect` and the NAB bench all run: distance detectors on values
 * and differences (z-score, MAD, EWMA), a seasonal baseline, and two kinds of shape novelty (nearest past
 * subsequence, quantised-pattern contexts), calibrated on each series' own history and voted.
 * The isolation forest is available as a member but costs NAB points here (bench:nab:loco shows it).
 */
export const DEFAULT_PIPELINE: PipelineConfigInput = {
  members: [
    { detector: 'zscore', params: { window: 4000 } },
    { detector: 'mad', params: { window: 256 }, input: 'diff' },
    { detector: 'mad', params: { window: 512 } },
    { detector: 'ewma', params: { alpha: 0.02 }, smooth: 10 },
    { detector: 'seasonal', params: {} },
    { detector: 'knn', params: {}, weight: 2 },
    { detector: 'context', params: {} },
    { detector: 'context', params: { order: 6, levels: 8 } },
  ],
  calibration: { forget: 0.0003 },
};

export function parsePipelineConfig(input: unknown): PipelineConfig {
  return pipelineSchema.parse(input);
}

/** Alarm threshold on the reported [0,1] score for a sensitivity: 0.5 ↔ surprise 2.25 (near the NAB-optimal threshold). */
export function alarmThreshold(config: PipelineConfig): number {
  const surprise = 1 + 2.5 * (1 - config.sensitivity);
  return surprise / (surprise + config.scale);
}
