import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinLookup } from './builtins.js';
import { createCalibrator } from './calibration/index.js';
import { copySeriesCsvs } from './corpus/index.js';
import { formatScoresCsv, parseSeriesCsv, parseTimestamp } from './csv/index.js';
import { createEnsemble } from './ensemble/index.js';
import { createSeriesScorer, DEFAULT_PIPELINE } from './pipeline/index.js';
import { createPostRules } from './post-rules/index.js';
import { ANOMALY_ALARM_THRESHOLD } from './threshold.js';
import { seriesPoints } from './types.js';

function noise(seed: number) {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648 - 0.5;
  };
}

describe('calibration', () => {
  it('puts detectors with different raw scales on one scale', () => {
    const r = noise(2);
    const small = createCalibrator();
    const large = createCalibrator();
    let a = 0;
    let b = 0;
    for (let i = 0; i < 5000; i++) {
      const x = Math.abs(r());
      a = small.next(x);
      b = large.next(x * 1000); // same ranks, a thousand times the raw scale
    }
    expect(Math.abs(a - b)).toBeLessThan(0.3);
  });

  it('is monotone, zero during warm-up, and passes NaN through without learning from it', () => {
    const c = createCalibrator({ warmup: 10 });
    const r = noise(4);
    for (let i = 0; i < 9; i++) expect(c.next(Math.abs(r()))).toBe(0);
    for (let i = 0; i < 500; i++) c.next(Math.abs(r()));
    const state = JSON.stringify(c.save());
    expect(Number.isNaN(c.next(NaN))).toBe(true);
    expect(JSON.stringify(c.save())).toBe(state);
    const probe = createCalibrator({ warmup: 10 }, JSON.parse(state));
    const low = probe.next(0.1);
    const probe2 = createCalibrator({ warmup: 10 }, JSON.parse(state));
    expect(probe2.next(5)).toBeGreaterThan(low);
  });

  it('answers "rarer than 1 in N" with about log10(N) for the largest value seen', () => {
    const c = createCalibrator({ forget: 0 });
    for (let i = 0; i < 999; i++) c.next(1 + (i % 10) / 100);
    expect(c.next(50)).toBeGreaterThan(2.5);
  });
});

describe('ensemble voting', () => {
  const e = createEnsemble([1, 1, 1], { voteLevel: 2, minVotes: 2, lone: 0.5 });
  it('lets agreeing members carry the strongest surprise', () => {
    expect(e.combine(Float64Array.from([4, 3, 0]))).toBe(4);
  });
  it('damps a member that shouts alone', () => {
    const lone = e.combine(Float64Array.from([6, 0, 0]));
    expect(lone).toBeLessThan(6);
    expect(lone).toBeGreaterThan(2);
  });
  it('ignores NaN members and weights', () => {
    expect(createEnsemble([1, 0]).combine(Float64Array.from([1, 100]))).toBe(1);
    expect(Number.isNaN(createEnsemble([1]).combine(Float64Array.from([NaN])))).toBe(true);
  });
});

describe('post-rules', () => {
  it('in the alarm stream, reports the onset of a long anomalous stretch once, damping the odds of what does not rise above it', () => {
    const rules = createPostRules({ suppressWindow: 10, damp: 0.25 });
    const out = [0.1, 0.8, 0.8, 0.6, 0.9].map((s) => rules.next(s, 2).alarmScore);
    expect(out.map((x) => Number(x.toFixed(6)))).toEqual([0.1, 0.8, 0.5, 0.272727, 0.9]); // odds 4 → 1, 1.5 → 0.375
  });

  it('forgets the suppressing maximum after the window', () => {
    const rules = createPostRules({ suppressWindow: 3, damp: 0 });
    const out = [0.9, 0.5, 0.5, 0.5, 0.5].map((s) => rules.next(s, 2).alarmScore);
    expect(out[4]).toBe(0.5);
  });

  it('needs minPoints anomalous points within the window before alarming, then stays quiet', () => {
    const rules = createPostRules({ window: 3, minPoints: 2, suppress: 4 });
    const alarms = [0.9, 0.1, 0.9, 0.9, 0.9, 0.9, 0.1, 0.1, 0.9, 0.9].map((s) => rules.next(s, 0.5).alarm);
    expect(alarms).toEqual([false, false, true, false, false, false, false, false, false, true]);
  });

  it('restores its state', () => {
    const a = createPostRules({ suppressWindow: 5, window: 3, minPoints: 2 });
    [0.2, 0.9, 0.3].forEach((s) => a.next(s, 0.5));
    const b = createPostRules({ suppressWindow: 5, window: 3, minPoints: 2 }, JSON.parse(JSON.stringify(a.save())));
    for (const s of [0.8, 0.95, 0.1, 0.99]) expect(b.next(s, 0.5)).toEqual(a.next(s, 0.5));
  });
});

describe('the full pipeline', () => {
  const r = noise(5);
  const n = 3000;
  const values = Float64Array.from({ length: n }, (_v, i) => 50 + 5 * Math.sin((i / 288) * 2 * Math.PI) + r());
  values[2500] = 80;
  const points = seriesPoints(values, undefined, 300_000);

  it('reports probabilities in [0,1]: the spike on top and over the alarm threshold; one point does not alarm, a sustained shift does', () => {
    const scorer = createSeriesScorer(DEFAULT_PIPELINE, builtinLookup);
    const out = scorer.score(points);
    const live = out.scores.subarray(750);
    expect(Math.min(...live)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...live)).toBeLessThanOrEqual(1);
    expect(out.scores[2500]).toBe(Math.max(...live));
    expect(out.scores[2500]).toBeGreaterThanOrEqual(ANOMALY_ALARM_THRESHOLD);
    expect(scorer.threshold).toBe(ANOMALY_ALARM_THRESHOLD);
    expect(out.alarms.subarray(2500, 2510).some((a) => a === 1)).toBe(false); // 2 points in a row needed
    // Two lone spikes with a normal point between them are noise, not a fault.
    const twoLone = Float64Array.from(values, (x, i) => (i === 2502 ? 80 : x));
    const lone = createSeriesScorer(DEFAULT_PIPELINE, builtinLookup).score({ timestamps: points.timestamps, values: twoLone });
    expect(lone.scores[2502]).toBeGreaterThanOrEqual(ANOMALY_ALARM_THRESHOLD);
    expect(lone.alarms.subarray(2500, 2510).some((a) => a === 1)).toBe(false);
    const shifted = Float64Array.from(values, (x, i) => (i >= 2500 && i < 2510 ? x + 30 : x));
    const sustained = createSeriesScorer(DEFAULT_PIPELINE, builtinLookup).score({ timestamps: points.timestamps, values: shifted });
    expect(sustained.alarms.subarray(2500, 2506).some((a) => a === 1)).toBe(true);
    // A healthy series rarely exceeds 0.5.
    const healthy = Array.from(live).filter((_s, i) => Math.abs(i + 750 - 2500) > 20);
    expect(healthy.filter((s) => s > 0.5).length / healthy.length).toBeLessThan(0.01);
  });

  it('shows a second anomaly soon after the first: suppression acts on alarms, never on the displayed score', () => {
    const twice = Float64Array.from(values);
    twice[2600] = 80; // 100 points after the first spike, inside the alarm stream's onset window
    const out = createSeriesScorer(DEFAULT_PIPELINE, builtinLookup).score({ timestamps: points.timestamps, values: twice });
    expect(out.scores[2600]).toBeGreaterThanOrEqual(ANOMALY_ALARM_THRESHOLD);
    expect(out.alarmScores[2600]).toBeLessThanOrEqual(out.scores[2600] ?? 0);
  });

  it('ranks the alarm stream the same wherever the probability scale is anchored (NAB cannot see the anchor)', () => {
    const bumpy = Float64Array.from(values, (x, i) => (i % 400 > 380 ? x + 4 + (i % 7) : x));
    // A sparse group kept below the alarm level follows the anchor by design (README), so it is left free here.
    const free = { ...DEFAULT_PIPELINE, ensemble: { ...DEFAULT_PIPELINE.ensemble, sparseBelowAlarm: false } };
    const run = (alarmSurprise: number) =>
      createSeriesScorer({ ...free, alarmSurprise }, builtinLookup).score({
        timestamps: points.timestamps,
        values: bumpy,
      }).alarmScores;
    const rank = (a: Float64Array) => Array.from(a.keys()).sort((i, j) => (a[i] ?? 0) - (a[j] ?? 0) || i - j);
    expect(rank(run(2.25))).toEqual(rank(run(2.75)));
  });

  it('streams: chunked scoring equals one pass, and a restored scorer carries on identically', () => {
    const whole = createSeriesScorer(DEFAULT_PIPELINE, builtinLookup).score(points).scores;
    const first = createSeriesScorer(DEFAULT_PIPELINE, builtinLookup);
    const a = first.score({ timestamps: points.timestamps.subarray(0, 1700), values: points.values.subarray(0, 1700) });
    const restored = createSeriesScorer(undefined, builtinLookup, JSON.parse(JSON.stringify(first.save())));
    const b = restored.score({ timestamps: points.timestamps.subarray(1700), values: points.values.subarray(1700) });
    const joined = [...a.scores, ...b.scores];
    expect(joined).toEqual(Array.from(whole));
  });

  it('skips and counts missing points', () => {
    const gaps = Float64Array.from(values);
    gaps[10] = NaN;
    gaps[2000] = NaN;
    const out = createSeriesScorer(DEFAULT_PIPELINE, builtinLookup).score({
      timestamps: points.timestamps,
      values: gaps,
    });
    expect(out.skipped).toBe(2);
    expect(Number.isNaN(out.scores[2000] ?? 0)).toBe(true);
  });

  it('raises more alarms at higher sensitivity', () => {
    // Moderate 10-point bumps every 250 points after the warm-up.
    const bumps = Float64Array.from(values, (x, i) => (i > 800 && i % 250 < 10 ? x + 9 : x));
    const count = (sensitivity: number) =>
      createSeriesScorer({ ...DEFAULT_PIPELINE, sensitivity }, builtinLookup)
        .score({ timestamps: points.timestamps, values: bumps })
        .alarms.reduce((x, y) => x + y, 0);
    expect(count(0.95)).toBeGreaterThan(count(0.05));
    expect(() => createSeriesScorer({ ...DEFAULT_PIPELINE, sensitivity: 1 }, builtinLookup)).toThrow();
  });
});

describe('CSV', () => {
  it('reads NAB timestamps, ISO and unix seconds; counts missing values; mirrors the input', () => {
    expect(parseTimestamp('2014-04-10 00:00:00')).toBe(Date.UTC(2014, 3, 10));
    expect(parseTimestamp('1397088000')).toBe(Date.UTC(2014, 3, 10));
    expect(parseTimestamp('2014-04-10T00:00:00Z')).toBe(Date.UTC(2014, 3, 10));
    const parsed = parseSeriesCsv(
      'timestamp,value\n2014-04-10 00:00:00,1\n2014-04-10 00:05:00,\n2014-04-10 00:10:00,NaN\n2014-04-10 00:15:00,2.5\n',
    );
    expect(parsed.missing).toBe(2);
    expect(formatScoresCsv(parsed, Float64Array.from([0.1, NaN, NaN, 0.123456789]))).toBe(
      'timestamp,value,anomaly_score\n2014-04-10 00:00:00,1,0.1\n2014-04-10 00:05:00,,0\n2014-04-10 00:10:00,NaN,0\n2014-04-10 00:15:00,2.5,0.123457\n',
    );
    expect(() => parseSeriesCsv('time,v\n1,2')).toThrow(/timestamp/);
    expect(() => parseSeriesCsv('timestamp,value\nyesterday,2')).toThrow(/line 2/);
  });
});

describe('NAB bench corpus copy', () => {
  it('copies only timestamp,value CSVs: labels and other files never reach the detector folder', async () => {
    const src = await mkdtemp(path.join(tmpdir(), 'aegis-corpus-'));
    const dst = await mkdtemp(path.join(tmpdir(), 'aegis-corpus-out-'));
    try {
      await mkdir(path.join(src, 'data', 'realNew'), { recursive: true });
      await mkdir(path.join(src, 'labels'), { recursive: true });
      await writeFile(path.join(src, 'data', 'realNew', 'a.csv'), 'timestamp,value\n2014-01-01 00:00:00,1\n');
      await writeFile(path.join(src, 'labels', 'combined_windows.json'), '{"realNew/a.csv": []}');
      await writeFile(path.join(src, 'labels', 'combined_labels.csv'), 'timestamp,label\n');
      await writeFile(path.join(src, 'data', 'realNew', 'a_scores.csv'), 'timestamp,value,anomaly_score\n');
      const copied = await copySeriesCsvs(src, dst);
      expect(copied).toEqual([path.join('data', 'realNew', 'a.csv')]);
      const all = await readdir(dst, { recursive: true });
      expect(all.filter((f) => f.endsWith('.csv') || f.endsWith('.json')).sort()).toEqual([
        path.join('data', 'realNew', 'a.csv'),
      ]);
    } finally {
      await rm(src, { recursive: true, force: true });
      await rm(dst, { recursive: true, force: true });
    }
  });
});
