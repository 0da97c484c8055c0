/**
 * ARTime alone on NAB, to validate our implementation against the published figure (73.55 standard on this
 * 31-file subset): `npm run bench:nab:artime -- --data <dir> --nab-root <dir> --out <dir> [--scorer file]`.
 *
 * The detector's raw output is what NAB judges (no calibration, no alarm stream), as in NAB's own ARTime run.
 * Two forms are scored: the causal default (range learned from the past, see artime/index.ts) with NAB's
 * probationary period passed in (NAB's protocol gives each detector the file length), and — reported
 * separately, never as a headline — the NAB-style reference form that also receives the whole file's
 * minimum and maximum (not causal).
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { copySeriesCsvs, createArtimeDetector, formatScoresCsv, parseSeriesCsv } from '../src/detect/index.js';
import { nabProbation } from './nab-nested.js';
import { nabScore } from './nab-run.js';

const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    out: { type: 'string' },
    'nab-root': { type: 'string' },
    scorer: { type: 'string', default: '../shared/tools/nab_score.py' },
    headroom: { type: 'string', default: '0' },
    escape: { type: 'string', default: 'widen' },
  },
});

async function main() {
  if (!values.data || !values.out || !values['nab-root']) {
    console.error('usage: npm run bench:nab:artime -- --data <dir> --nab-root <dir> --out <dir> [--scorer file]');
    process.exit(2);
  }
  const work = await mkdtemp(path.join(tmpdir(), 'aegis-nab-artime-'));
  try {
    const files = await copySeriesCsvs(path.resolve(values.data), work);
    const forms = [
      { name: 'causal', nabRange: false },
      { name: 'nab-style', nabRange: true },
    ];
    for (const form of forms) {
      const dir = path.resolve(values.out, form.name);
      const started = performance.now();
      let points = 0;
      for (const rel of files) {
        const csv = parseSeriesCsv(await readFile(path.join(work, rel), 'utf8'));
        const finite = Array.from(csv.values).filter((x) => !Number.isNaN(x));
        const detector = createArtimeDetector({
          probation: nabProbation(csv.values.length),
          headroom: Number(values.headroom),
          escape: values.escape as 'widen' | 'clip',
          ...(form.nabRange ? { range: [Math.min(...finite), Math.max(...finite)] as [number, number] } : {}),
        });
        const scores = detector.score({ timestamps: csv.timestamps, values: csv.values });
        await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
        await writeFile(path.join(dir, rel), formatScoresCsv(csv, scores));
        points += csv.values.length;
      }
      const seconds = (performance.now() - started) / 1000;
      const judged = await nabScore(path.resolve(values.scorer), dir, path.resolve(values['nab-root']));
      console.log(
        `artime ${form.name.padEnd(10)} ${judged.map((s) => `${s.profile} ${s.score.toFixed(2)}`).join(', ')}` +
          `  (${points} points, ${Math.round(points / seconds)} points/s)`,
      );
    }
    console.log('published ARTime on this subset: standard 73.55, reward_low_FP 65.60, reward_low_FN 78.59');
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
