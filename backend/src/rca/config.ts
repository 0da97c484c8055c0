import { z } from 'zod';

/**
 * The ranker's knobs. The defaults are one configuration for every system; benches choose among a
 * small grid on one data set and score on another, never on the one they score.
 */
export const rcaConfigSchema = z.object({
  /** Baseline: the minutes before the anomaly time. */
  baselineMinutes: z.number().positive().default(20),
  /**
   * Estimate the fault time from the data (change point) instead of trusting the anomaly time, which
   * is an alert time in production and may be minutes late.
   */
  estimateFaultTime: z.boolean().default(true),
  /** How many minutes before the anomaly time the change point is searched for. */
  faultSearchMinutes: z.number().positive().default(3),
  /**
   * The abnormal window also reaches this many minutes before the estimated fault time, and the
   * baseline ends there: a late or early estimate then still compares clean data with the fault.
   */
  lookbackMinutes: z.number().min(0).default(0),
  /** Abnormal window: the minutes from the anomaly time. */
  abnormalMinutes: z.number().positive().default(4),
  /** A deviation must hold for this many points of the abnormal window (k-th largest), so one spike is not a fault. */
  persistence: z.number().int().min(1).default(2),
  minBaselinePoints: z.number().int().min(2).default(3),
  /** Scale floor relative to the baseline level, so flat series do not turn rounding into infinite z. */
  relativeScaleFloor: z.number().min(0).default(0.01),
  /**
   * Divide each z by how far the series already strays inside its own baseline (same persistent
   * statistic), so chronically spiky series do not outshout real faults.
   */
  noiseCalibration: z.boolean().default(true),
  /** z beyond which a series counts as anomalous (onset, propagation evidence). */
  anomalyZ: z.number().positive().default(3),
  /**
   * Weight of each metric kind (1 when absent): client-side (outbound) latency mostly reflects
   * callees, and kinds that may move either way (traffic, network, io) move with load as well.
   */
  kindWeights: z
    .record(z.string(), z.number().min(0))
    .default({ 'outbound-latency': 0.5, traffic: 0.5, network: 0.5, io: 0.5, other: 0.5 }),
  /** How much a service's latency anomaly is discounted when a callee explains it (0 = never, 1 = fully). */
  propagationDiscount: z.number().min(0).max(1).default(1),
  /** A callee explains a caller's latency fully once its latency score reaches this share of the caller's. */
  explainRatio: z.number().positive().default(0.5),
  /** Weight of the second-strongest independent kind of evidence (breadth of the anomaly). */
  breadthWeight: z.number().min(0).default(0.25),
  /** Softmax temperature turning scores into probabilities. */
  temperature: z.number().positive().default(1),
  /** Likelihood ratio for a change (deploy, config) shortly before the anomaly. */
  changeBoost: z.number().min(1).default(3),
  changeWindowMinutes: z.number().positive().default(30),
});

export type RcaConfig = z.output<typeof rcaConfigSchema>;
export type RcaConfigInput = z.input<typeof rcaConfigSchema>;

export function rcaConfig(overrides: RcaConfigInput = {}): RcaConfig {
  return rcaConfigSchema.parse(overrides);
}

export const DEFAULT_RCA_CONFIG: RcaConfig = rcaConfig();
