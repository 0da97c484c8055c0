/**
 * NAB bench: `npm run bench:nab -- --data <dir> --out <dir> [--nab-root <dir>] [--config pipeline.json] [--loco] [--ablation] [--cache dir] [--pool a,b] [--second a,b] [--live-check] [--mix vote|max|both] [--align false|pooled|category] [--offsets a,b] [--sparse-free]`
 *
 * Copies only the `timestamp,value` CSVs under --data into a temporary folder (no label file is ever
 * readable by the detector), scores each with the same pipeline `aegis detect` and the service run, writes
 * mirrored `timestamp,value,anomaly_score` files under --out, and prints the NAB scores of all three profiles
 * from ../shared/tools/nab_score.py. --loco adds the leave-one-category-out run (nab-loco.ts).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { copySeriesCsvs, DEFAULT_PIPELINE, type PipelineConfigInput } from '../src/detect/index.js';
import { runLoco } from './nab-loco.js';
import { z } from 'zod';
import { DEFAULT_PROCEDURE } from './nab-nested.js';

/** --mix / --align (README: Anomaly detection); 'false' restores the unaligned alarm stream. */
const procedureSchema = z.object({
  mix: z.enum(['vote', 'max', 'both']).default(DEFAULT_PROCEDURE.mix),
  align: z
    .enum(['false', 'pooled', 'category'])
    .optional()
    .transform((a) => (a === undefined ? DEFAULT_PROCEDURE.align : a === 'false' ? false : a)),
});
import { nabScore, runCorpus } from './nab-run.js';

const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    out: { type: 'string' },
    'nab-root': { type: 'string' },
    scorer: { type: 'string', default: '../shared/tools/nab_score.py' },
    config: { type: 'string' },
    loco: { type: 'boolean', default: false },
    ablation: { type: 'boolean', default: false },
    cache: { type: 'string' },
    pool: { type: 'string' },
    second: { type: 'string' },
    'live-check': { type: 'boolean', default: false },
    mix: { type: 'string' },
    align: { type: 'string' },
    offsets: { type: 'string' },
    /** The sparse group may reach the alarm level (the procedure without sparseBelowAlarm). */
    'sparse-free': { type: 'boolean' },
  },
});

async function main() {
  if (!values.data || !values.out) {
    console.error(
      'usage: npm run bench:nab -- --data <dir> --out <dir> [--nab-root <dir>] [--config file.json] [--loco]',
    );
    process.exit(2);
  }
  const dataDir = path.resolve(values.data);
  const outDir = path.resolve(values.out);
  // The scorer needs the NAB root (labels); by default it is the data folder itself, or its parent.
  const nabRoot = path.resolve(
    values['nab-root'] ?? (path.basename(dataDir) === 'data' ? path.dirname(dataDir) : dataDir),
  );
  const config: PipelineConfigInput = values.config
    ? JSON.parse(await readFile(values.config, 'utf8'))
    : DEFAULT_PIPELINE;

  const work = await mkdtemp(path.join(tmpdir(), 'aegis-nab-'));
  try {
    const files = await copySeriesCsvs(dataDir, work);
    console.log(`copied ${files.length} timestamp,value CSV files (nothing else) to ${work}`);
    const run = await runCorpus(work, files, outDir, config);
    console.log(
      `scored ${run.points} points (${run.skipped} missing) in ${run.seconds.toFixed(1)} s ` +
        `(${Math.round(run.points / run.seconds)} points/s, one configuration for every file)`,
    );
    console.log(`\nNAB scores (nab_score.py, ${nabRoot}):`);
    const scores = await nabScore(path.resolve(values.scorer), outDir, nabRoot, { print: true });
    console.log('\nsummary: ' + scores.map((s) => `${s.profile} ${s.score.toFixed(2)}`).join(', '));
    if (values.loco || values.ablation)
      await runLoco({
        work,
        files,
        outDir,
        nabRoot,
        scorer: path.resolve(values.scorer),
        cache: values.cache ? path.resolve(values.cache) : undefined,
        ablation: values.ablation,
        pool: values.pool?.split(','),
        second: values.second?.split(','),
        liveCheck: values['live-check'],
        procedure: {
          ...procedureSchema.parse({ mix: values.mix, align: values.align }),
          offsets: values.offsets?.split(',').map(Number),
          sparseBelowAlarm: !values['sparse-free'],
        },
      });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
