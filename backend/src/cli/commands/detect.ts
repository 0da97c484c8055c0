import { readFile, writeFile } from 'node:fs/promises';
import { InputError } from '../../platform/errors.js';
import {
  builtinLookup,
  createSeriesScorer,
  DEFAULT_PIPELINE,
  formatScoresCsv,
  parseSeriesCsv,
  scoreInChunks,
} from '../../detect/index.js';
import type { Command } from '../command.js';

/** A text progress bar on stderr, redrawn in place; only when stderr is a terminal or the file is long. */
function progressBar(err: (t: string) => void, label: string) {
  const isTty = Boolean(process.stderr.isTTY);
  let lastPct = -1;
  return (done: number, total: number) => {
    const pct = Math.floor((100 * done) / total);
    if (pct === lastPct) return;
    lastPct = pct;
    const width = 30;
    const filled = Math.round((width * done) / total);
    const bar = `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${pct}% ${done}/${total} points`;
    if (isTty) process.stderr.write(`\r${bar}${done === total ? '\n' : ''}`);
    else if (done === total || pct % 25 === 0) err(bar);
  };
}

export const detectCommand: Command = {
  words: ['detect'],
  usage: 'aegis detect <file.csv> --out <scores.csv> [--config pipeline.json] [--sensitivity 0.5] [--quiet]',
  summary: 'Score a timestamp,value CSV; writes timestamp,value,anomaly_score (0..1),alarm (0/1)',
  options: {
    out: { type: 'string', short: 'o' },
    config: { type: 'string' },
    sensitivity: { type: 'string' },
    quiet: { type: 'boolean', short: 'q' },
  },
  async run({ values, positionals }, ctx) {
    const file = positionals[0];
    const out = values.out as string | undefined;
    if (!file || !out) throw new InputError('give the input CSV and --out <scores.csv>');
    const text = await readFile(file, 'utf8').catch((e: Error) => {
      throw new InputError(`cannot read ${file}: ${e.message}`);
    });
    const parsed = parseSeriesCsv(text);
    const config = values.config
      ? JSON.parse(await readFile(values.config as string, 'utf8'))
      : { ...DEFAULT_PIPELINE };
    if (values.sensitivity !== undefined) config.sensitivity = Number(values.sensitivity);
    const scorer = createSeriesScorer(config, builtinLookup);
    const total = parsed.values.length;
    const onProgress = values.quiet || total < 20_000 ? undefined : progressBar(ctx.err, 'scoring');
    const result = scoreInChunks(scorer, parsed, { onProgress });
    await writeFile(out, formatScoresCsv(parsed, result.alarmScores, result.alarms)); // the alarm stream: what NAB judges
    const alarms = result.alarms.reduce((a, b) => a + b, 0);
    if (!values.quiet) {
      ctx.err(
        `${total} points scored, ${result.skipped} missing/NaN skipped, ${alarms} alarms at sensitivity ${scorer.config.sensitivity}; wrote ${out}`,
      );
    }
    return 0;
  },
};
