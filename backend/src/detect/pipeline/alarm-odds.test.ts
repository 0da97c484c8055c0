import { describe, expect, it } from 'vitest';
import { builtinLookup } from '../builtins.js';
import { dampOdds } from '../post-rules/index.js';
import { seriesPoints } from '../types.js';
import { createSeriesScorer } from './index.js';

const values = Array.from({ length: 600 }, (_v, i) => 10 + Math.sin(i / 7) + (i === 500 ? 20 : 0) + (i % 13) / 50);
const config = (alarmOdds?: number) => ({
  members: [{ detector: 'zscore', params: { window: 200 } }],
  ...(alarmOdds ? { alarmOdds } : {}),
});

describe('alarmOdds', () => {
  it('scales the odds of the alarm stream only: displayed scores and alarms are unchanged', () => {
    const plain = createSeriesScorer(config(), builtinLookup).score(seriesPoints(values));
    const scaled = createSeriesScorer(config(0.01), builtinLookup).score(seriesPoints(values));
    expect(Array.from(scaled.scores)).toEqual(Array.from(plain.scores));
    expect(Array.from(scaled.alarms)).toEqual(Array.from(plain.alarms));
    const i = 500;
    expect(plain.alarmScores[i]!).toBeGreaterThan(0.5);
    expect(scaled.alarmScores[i]!).toBeCloseTo(dampOdds(plain.alarmScores[i]!, 0.01), 12);
  });
});

describe('the shipped default', () => {
  it('opens no alarm from its sparse group alone: only the dense members reach the threshold', async () => {
    const { DEFAULT_PIPELINE, parsePipelineConfig } = await import('./index.js');
    const config = parsePipelineConfig(DEFAULT_PIPELINE);
    expect(config.members.some((m) => m.group === 1)).toBe(true);
    // Dense members silent: a stand-in for every detector scoring 0 except ARTime, which is certain every point.
    const lookup = (id: string) => {
      const def = builtinLookup(id);
      if (id !== 'artime')
        return {
          ...def,
          create: () => ({
            ...def.create(),
            score: (p: { values: Float64Array }, out?: Float64Array) =>
              (out ?? new Float64Array(p.values.length)).fill(0),
          }),
        };
      return {
        ...def,
        create: () => ({
          ...def.create({}),
          score: (p: { values: Float64Array }, out?: Float64Array) =>
            (out ?? new Float64Array(p.values.length)).fill(1),
        }),
      };
    };
    const scored = createSeriesScorer(config, lookup as typeof builtinLookup).score(seriesPoints(values));
    expect(Math.max(...Array.from(scored.scores).filter((x) => !Number.isNaN(x)))).toBeLessThan(0.9);
    expect(scored.alarms.reduce((a, b) => a + b, 0)).toBe(0);
  });
});

describe('members sharing one detector', () => {
  it('score exactly as each would alone, with the detector run once', () => {
    const members = [
      { detector: 'artime', params: { probation: 200 }, calibrate: 'direct' as const },
      { detector: 'artime', params: { probation: 200 } },
    ];
    const bumpy = values.map((x, i) => (i % 150 > 140 ? x + 8 : x));
    const both = createSeriesScorer({ members }, builtinLookup).score(seriesPoints(bumpy)).members;
    members.forEach((m, j) => {
      const alone = createSeriesScorer({ members: [m] }, builtinLookup).score(seriesPoints(bumpy)).members[0]!;
      expect(Array.from(both[j]!)).toEqual(Array.from(alone));
    });
    let calls = 0;
    const counting = (id: string) => {
      const def = builtinLookup(id);
      return {
        ...def,
        create: (p?: Record<string, unknown>) => {
          const d = def.create(p);
          const score = d.score.bind(d);
          return Object.assign(d, { score: (...a: Parameters<typeof score>) => (calls++, score(...a)) });
        },
      };
    };
    createSeriesScorer({ members }, counting as typeof builtinLookup).score(seriesPoints(bumpy));
    expect(calls).toBe(1);
  });
});
