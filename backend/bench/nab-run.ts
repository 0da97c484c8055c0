import { spawnSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  builtinLookup,
  createSeriesScorer,
  formatScoresCsv,
  parseSeriesCsv,
  type PipelineConfigInput,
  scoreInChunks,
} from '../src/detect/index.js';

/** Scores every CSV (relative paths under `inputDir`) with one pipeline configuration, mirrored into `outDir`. */
export async function runCorpus(inputDir: string, files: string[], outDir: string, config: PipelineConfigInput) {
  let points = 0;
  let skipped = 0;
  const started = performance.now();
  for (const rel of files) {
    const parsed = parseSeriesCsv(await readFile(path.join(inputDir, rel), 'utf8'));
    const scorer = createSeriesScorer(config, builtinLookup);
    const result = scoreInChunks(scorer, parsed);
    await mkdir(path.dirname(path.join(outDir, rel)), { recursive: true });
    await writeFile(path.join(outDir, rel), formatScoresCsv(parsed, result.alarmScores));
    points += parsed.values.length;
    skipped += result.skipped;
  }
  return { points, skipped, seconds: (performance.now() - started) / 1000 };
}

export interface ProfileScore {
  profile: string;
  threshold: number;
  score: number;
  tp: number;
  fp: number;
  fn: number;
}

/** Runs the validated NAB scorer and reads its JSON report. */
export async function nabScore(
  scorer: string,
  resultsDir: string,
  nabRoot: string,
  opts: { windows?: string; print?: boolean } = {},
): Promise<ProfileScore[]> {
  const json = path.join(resultsDir, '..', `.nab-report-${path.basename(resultsDir)}.json`);
  const args = [scorer, resultsDir, '--nab-root', nabRoot, '--json', json];
  if (opts.windows) args.push('--windows', opts.windows, '--allow-missing');
  const run = spawnSync('python3', args, { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`nab_score.py failed: ${run.stderr || run.stdout}`);
  if (opts.print) process.stdout.write(run.stdout);
  const report = JSON.parse(await readFile(json, 'utf8')) as Record<
    string,
    { threshold: number; normalized_score: number; tp: number; fp: number; fn: number }
  >;
  return Object.entries(report).map(([profile, r]) => ({
    profile,
    threshold: r.threshold,
    score: r.normalized_score,
    tp: r.tp,
    fp: r.fp,
    fn: r.fn,
  }));
}

/** A label file restricted to some keys (for leave-one-category-out scoring). */
export async function writeWindowsSubset(nabRoot: string, keep: (key: string) => boolean, file: string) {
  const all = JSON.parse(await readFile(path.join(nabRoot, 'labels', 'combined_windows.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  await writeFile(file, JSON.stringify(Object.fromEntries(Object.entries(all).filter(([k]) => keep(k)))));
}
