/**
 * Live feasibility as a hard constraint of the NAB selection (`--live-check`): an ensemble is admissible only
 * if, on synthetic one-minute series fixed before any NAB run (no NAB data or label), a sustained level shift
 * raises the displayed score to the alarm threshold on 2 points in a row within 5 minutes, and the quiet series
 * never does (the live service opens an anomaly at 2 points in a row over 0.9). Members run with their live
 * parameters (ARTime's probationary period 750), not NAB's.
 */
import type { z } from 'zod';
import {
  builtinLookup,
  createCombiner,
  createSeriesScorer,
  type memberSchema,
  parsePipelineConfig,
} from '../src/detect/index.js';
import { seriesPoints } from '../src/detect/types.js';
import { ANOMALY_ALARM_THRESHOLD } from '../src/detect/threshold.js';
import { type Choice, configOf } from './nab-nested.js';

type MemberInput = z.input<typeof memberSchema>;

const LENGTH = 2400;
const SHIFT_AT = 2000;
const WITHIN = 5;

/** Seeded normal noise (Box–Muller over a 32-bit LCG): the same series on every run. */
function noise(seed: number, n: number): number[] {
  let s = seed >>> 0;
  const u = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 0.5) / 2 ** 32;
  return Array.from({ length: n }, () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u()));
}

/** Daily rhythm plus noise; `shift` noise-sds added from SHIFT_AT on. */
function series(seed: number, shift: number): number[] {
  const e = noise(seed, LENGTH);
  return e.map((x, i) => 100 + 4 * Math.sin((2 * Math.PI * i) / 1440) + 2 * x + (i >= SHIFT_AT ? 2 * shift : 0));
}

const CASES = [
  { name: 'quiet', values: series(1, 0), fault: false },
  { name: 'quiet-2', values: series(2, 0), fault: false },
  { name: 'shift-up', values: series(3, 10), fault: true },
  { name: 'shift-down', values: series(4, -10), fault: true },
];

export type Feasible = (members: Choice['members']) => boolean;

/** Member streams on the synthetic cases, once; returns the admissibility test for an ensemble. */
export function liveCheck(pool: Record<string, MemberInput>, explain?: (line: string) => void): Feasible {
  const streams = new Map<string, Float64Array[]>();
  for (const [name, member] of Object.entries(pool))
    streams.set(
      name,
      CASES.map(
        (c) =>
          createSeriesScorer(
            { calibration: { forget: 0.0003 }, postRules: { window: 2, minPoints: 2 }, members: [member] },
            builtinLookup,
          ).score(seriesPoints(c.values)).members[0]!,
      ),
    );
  return (members) => {
    const config = parsePipelineConfig(
      configOf({ members, alarmSurprise: 2.75, suppress: 400, lone: 0.5 }, pool),
    );
    return CASES.every((c, k) => {
      const perMember = members.map((m) => streams.get(m.name)![k]!);
      const { scores } = createCombiner(config).run(perMember, c.values);
      const from = c.fault ? SHIFT_AT : 1000; // the quiet check starts once every member has warmed up
      const to = c.fault ? SHIFT_AT + WITHIN : LENGTH;
      let run = 0;
      for (let i = from; i < to; i++) {
        run = (scores[i] ?? 0) >= ANOMALY_ALARM_THRESHOLD ? run + 1 : 0;
        if (run >= 2) {
          explain?.(`${c.name}: 2 in a row at ${i}`);
          return c.fault;
        }
      }
      explain?.(`${c.name}: none`);
      return !c.fault;
    });
  };
}
