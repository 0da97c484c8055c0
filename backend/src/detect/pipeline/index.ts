import { z } from 'zod';
import { InputError } from '../../platform/errors.js';
import { type CalibratorState, createCalibrator } from '../calibration/index.js';
import { createLikelihoodCalibrator, type LikelihoodState, likelihoodStateSchema } from '../calibration/likelihood.js';
import { createDirectCalibrator, type DirectState, directStateSchema } from '../calibration/direct.js';
import { createEnsemble } from '../ensemble/index.js';
import { createPostRules, dampOdds, type PostRuleState } from '../post-rules/index.js';
import { ANOMALY_ALARM_THRESHOLD } from '../threshold.js';
import type { Detector, DetectorDefinition, DetectorState, SeriesPoints } from '../types.js';
import {
  alarmSurprise,
  type MemberConfig,
  type PipelineConfig,
  parsePipelineConfig,
  surpriseToProbability,
} from './config.js';

export * from './config.js';

export type DetectorLookup = (id: string) => DetectorDefinition;

/** Raw scores by detector id, aligned with the points being scored. */
export type ExternalScores = Record<string, Float64Array>;

export interface ScoredPoints {
  /** Displayed score: probability in [0,1] that the point is anomalous; NaN where the point was missing. */
  scores: Float64Array;
  /** 1 where an alarm starts. */
  alarms: Uint8Array;
  /** The score as an alarm candidate (damped while a recent alarm suppresses new ones): what NAB judges. */
  alarmScores: Float64Array;
  /** Calibrated surprise per member, per point (for "which detectors fired"). */
  members: Float64Array[];
  skipped: number;
}

export interface ScorerState {
  config: PipelineConfig;
  members: Array<{
    detector: DetectorState;
    calibrator: CalibratorState | LikelihoodState | DirectState;
    last: number | null;
    smooth: number[];
  }>;
  postRules: PostRuleState;
}

/** The full Aegis detector for one series: members → calibration → weighted vote → post-rules. */
export interface SeriesScorer {
  readonly config: PipelineConfig;
  readonly threshold: number;
  /** Warms every member and calibrator on history; alarms raised in history do not suppress live ones. */
  train(history: SeriesPoints, external?: ExternalScores): ScoredPoints;
  /** `external`: raw scores of group-level members (by detector id) computed by the caller for these points. */
  score(points: SeriesPoints, external?: ExternalScores): ScoredPoints;
  save(): ScorerState;
}

interface MemberRuntime {
  detector: Detector;
  calibrator: { next(raw: number): number; save(): CalibratorState | LikelihoodState | DirectState };
  input: 'value' | 'diff';
  last: number;
  smooth: Float64Array;
  smoothPos: number;
  smoothFill: number;
  smoothSum: number;
}

const storedSchema = z.object({
  members: z.array(
    z.object({
      detector: z.object({
        kind: z.string(),
        version: z.number(),
        params: z.record(z.string(), z.unknown()),
        data: z.unknown(),
      }),
      calibrator: z.union([
        likelihoodStateSchema,
        directStateSchema,
        z.object({
          counts: z.array(z.number()),
          tree: z.array(z.number()).optional(),
          total: z.number(),
          weight: z.number(),
          seen: z.number(),
        }),
      ]),
      last: z.number().nullable(),
      smooth: z.array(z.number()),
    }),
  ),
  postRules: z.object({
    recent: z.array(z.number()).default([]),
    hits: z.array(z.number()),
    quiet: z.number(),
  }),
});

export function createSeriesScorer(configInput: unknown, lookup: DetectorLookup, state?: ScorerState): SeriesScorer {
  const config = parsePipelineConfig(state?.config ?? configInput);
  const stored = state ? storedSchema.parse(state) : undefined;
  if (stored && stored.members.length !== config.members.length)
    throw new InputError('stored scorer state does not match its config');
  const members: MemberRuntime[] = config.members.map((m, i) => {
    const def = lookup(m.detector);
    const saved = stored?.members[i];
    const smooth = new Float64Array(m.smooth);
    saved?.smooth.slice(0, m.smooth).forEach((x, j) => (smooth[j] = x));
    return {
      detector: saved ? def.restore(saved.detector) : def.create(m.params),
      calibrator: calibratorFor(m, config, saved?.calibrator),
      input: m.input,
      last: saved?.last ?? NaN,
      smooth,
      smoothPos: saved ? Math.min(saved.smooth.length, m.smooth) % m.smooth : 0,
      smoothFill: saved ? Math.min(saved.smooth.length, m.smooth) : 0,
      smoothSum: saved ? saved.smooth.slice(0, m.smooth).reduce((a, b) => a + b, 0) : 0,
    };
  });
  // Members that run the same detector on the same input (ARTime calibrated two ways) share one detector and
  // its raw scores: it is computed once per point, each member smooths and calibrates it its own way.
  const primary = config.members.map((m) => config.members.findIndex((o) => sameDetector(o, m)));
  primary.forEach((p, i) => {
    if (p !== i) members[i]!.detector = members[p]!.detector;
  });
  const keepsRaw = primary.map((_p, i) => primary.some((q, k) => k !== i && q === i));
  const combiner = createCombiner(config, stored?.postRules);

  /** The member's input over the batch (its first differences advance `last`). */
  const inputOf = (m: MemberRuntime, points: SeriesPoints): SeriesPoints => {
    if (m.input !== 'diff') return points;
    const n = points.values.length;
    const diffs = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const x = points.values[i] ?? NaN;
      diffs[i] = x - m.last; // NaN for the very first point and around gaps: skipped, not invented
      if (!Number.isNaN(x)) m.last = x;
    }
    return { timestamps: points.timestamps, values: diffs };
  };

  /** Raw scores of one member over the batch (or a sharing member's copy), then smoothed and calibrated. */
  const runMember = (
    m: MemberRuntime,
    points: SeriesPoints,
    out: Float64Array,
    external?: Float64Array,
    shared?: Float64Array,
  ) => {
    const n = points.values.length;
    const input = inputOf(m, points);
    // Group-level members (the LSTM) are scored by the caller for many series at once and handed in.
    if (shared) out.set(shared);
    else if (external) out.set(external.subarray(0, n));
    else m.detector.score(input, out);
  };

  /** Smoothing and calibration of a member's raw scores, in place. */
  const calibrateMember = (m: MemberRuntime, points: SeriesPoints, out: Float64Array) => {
    const n = points.values.length;
    const k = m.smooth.length;
    for (let i = 0; i < n; i++) {
      let raw = out[i] ?? NaN;
      if (Number.isNaN(points.values[i] ?? NaN)) {
        out[i] = NaN;
        continue;
      }
      if (Number.isNaN(raw)) raw = 0; // the point exists but a diff had no predecessor
      if (k > 1) {
        m.smoothSum += raw - (m.smoothFill === k ? (m.smooth[m.smoothPos] ?? 0) : 0);
        m.smooth[m.smoothPos] = raw;
        m.smoothPos = (m.smoothPos + 1) % k;
        if (m.smoothFill < k) m.smoothFill++;
        raw = m.smoothSum / m.smoothFill;
      }
      out[i] = m.calibrator.next(raw);
    }
  };

  const score = (points: SeriesPoints, external?: ExternalScores): ScoredPoints => {
    const n = points.values.length;
    const raws: Array<Float64Array | undefined> = [];
    const perMember = members.map((m, j) => {
      const out = new Float64Array(n);
      const p = primary[j]!;
      runMember(m, points, out, external?.[config.members[j]?.detector ?? ''], p !== j ? raws[p] : undefined);
      if (keepsRaw[j]) raws[j] = out.slice();
      calibrateMember(m, points, out);
      return out;
    });
    return { ...combiner.run(perMember, points.values), members: perMember };
  };

  return {
    config,
    threshold: ANOMALY_ALARM_THRESHOLD,
    train(history, external) {
      const scored = score(history, external);
      combiner.resetAlarms();
      return scored;
    },
    score,
    save: () => ({
      config,
      members: members.map((m) => ({
        detector: m.detector.save(),
        calibrator: m.calibrator.save(),
        last: Number.isNaN(m.last) ? null : m.last,
        smooth: Array.from(
          { length: m.smoothFill },
          (_v, j) => m.smooth[(m.smoothPos - m.smoothFill + j + m.smooth.length * 2) % m.smooth.length] ?? 0,
        ),
      })),
      postRules: combiner.saveAlarms(),
    }),
  };
}

/** Same detector, parameters and input: one detector can serve both members. */
function sameDetector(a: MemberConfig, b: MemberConfig): boolean {
  return a.detector === b.detector && a.input === b.input && JSON.stringify(a.params) === JSON.stringify(b.params);
}

function calibratorFor(
  m: MemberConfig,
  config: PipelineConfig,
  saved?: CalibratorState | LikelihoodState | DirectState,
) {
  if (m.calibrate === 'direct') return createDirectCalibrator(m.direct);
  if (m.calibrate === 'likelihood')
    return createLikelihoodCalibrator(
      m.likelihood,
      saved && 'kind' in saved && saved.kind === 'likelihood' ? saved : undefined,
    );
  return createCalibrator(config.calibration, saved && !('kind' in saved) ? saved : undefined);
}

/**
 * Members' calibrated surprises → one point's displayed probability, alarm and alarm score. Shared by the
 * scorer and the NAB bench (which caches member streams and recombines them).
 */
export function createCombiner(config: PipelineConfig, state?: PostRuleState) {
  const ensemble = createEnsemble(
    config.members.map((m) => m.weight),
    config.ensemble,
    config.members.map((m) => m.group),
    alarmSurprise(config),
  );
  let postRules = createPostRules(config.postRules, state);
  /** One point's combined surprise → displayed probability, alarm, alarm score. */
  const finish = (combined: number) => {
    const p = surpriseToProbability(combined, config);
    const r = postRules.next(p, ANOMALY_ALARM_THRESHOLD);
    const alarmScore = config.alarmOdds === 1 ? r.alarmScore : dampOdds(r.alarmScore, config.alarmOdds);
    return { score: p, alarm: r.alarm, alarmScore };
  };
  return {
    finish,
    /** `perMember[j][i]`: member j's surprise at point i; `values` only says which points are missing. */
    run(perMember: ArrayLike<number>[], values: ArrayLike<number>): Omit<ScoredPoints, 'members'> {
      const n = values.length;
      const scores = new Float64Array(n);
      const alarms = new Uint8Array(n);
      const alarmScores = new Float64Array(n);
      const column = new Float64Array(perMember.length);
      let skipped = 0;
      for (let i = 0; i < n; i++) {
        if (Number.isNaN(values[i] ?? NaN)) {
          scores[i] = NaN;
          alarmScores[i] = NaN;
          skipped++;
          continue;
        }
        for (let j = 0; j < perMember.length; j++) column[j] = perMember[j]?.[i] ?? NaN;
        const r = finish(ensemble.combine(column));
        scores[i] = r.score;
        alarms[i] = r.alarm ? 1 : 0;
        alarmScores[i] = r.alarmScore;
      }
      return { scores, alarms, alarmScores, skipped };
    },
    resetAlarms: () => {
      postRules = createPostRules(config.postRules);
    },
    saveAlarms: () => postRules.save(),
  };
}
