import { InputError } from '../../platform/errors.js';
import { rankRootCauses, rcaConfig, readRcaCase } from '../../rca/index.js';
import type { Command } from '../command.js';
import { table } from '../format.js';

/** `aegis rca <case> --json`: offline RCA on an exported case folder (format in DESIGN.md). */
export const rcaCommand: Command = {
  words: ['rca'],
  usage: 'aegis rca <case-dir> [--json] [--top N] [--config <json>]',
  summary: 'Rank root-cause services for an exported incident (metrics.csv, logs.csv, spans.csv, graph.csv, case.json)',
  options: { json: { type: 'boolean' }, top: { type: 'string' }, config: { type: 'string' } },
  async run({ values, positionals }, ctx) {
    const dir = positionals[0];
    if (!dir) throw new InputError('give the case folder');
    const top = Number(values.top ?? 10);
    if (!Number.isInteger(top) || top < 1) throw new InputError('--top must be a positive integer');
    let overrides = {};
    if (typeof values.config === 'string') {
      try {
        overrides = JSON.parse(values.config) as object;
      } catch {
        throw new InputError('--config must be a JSON object of RCA settings');
      }
    }
    const c = await readRcaCase(dir);
    const result = rankRootCauses(c.input, rcaConfig(overrides));
    const warnings = [...c.warnings, ...result.warnings];
    if (values.json) {
      ctx.out(JSON.stringify({ ranking: result.ranking.slice(0, top), fault_time: new Date(result.faultTime).toISOString(), warnings }, null, 2));
      return 0;
    }
    for (const w of warnings) ctx.err(`warning: ${w}`);
    ctx.out(
      table(
        result.ranking.slice(0, top).map((r, i) => ({
          rank: i + 1,
          service: r.service,
          probability: r.probability.toFixed(3),
          score: r.score.toFixed(2),
          metric: r.metric ?? '-',
          sources: (r.sources ?? []).join(',') || '-',
        })),
        ['rank', 'service', 'probability', 'score', 'metric', 'sources'],
      ),
    );
    ctx.out(`\nfault time (estimated from the data): ${new Date(result.faultTime).toISOString()}`);
    const first = result.ranking[0];
    if (first) ctx.out(`\n${first.explanation}`);
    return 0;
  },
};
