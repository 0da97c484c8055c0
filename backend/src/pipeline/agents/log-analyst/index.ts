import { z } from 'zod';
import type { CollectorResult, LogLine } from '../../../sources/types.js';
import { defineAgent } from '../../agent.js';
import { createDrain } from './drain.js';

export { createDrain, tokenize, type Drain, type Template } from './drain.js';

const templateReport = z.object({
  template: z.string(),
  service: z.string(),
  level: z.string(),
  count: z.number(),
  baseline_count: z.number(),
  new: z.boolean(),
  surging: z.boolean(),
  examples: z.array(z.string()),
});

export const logAnalystOutput = z.object({
  lines_read: z.number(),
  baseline_lines_read: z.number(),
  templates: z.array(templateReport),
  errors: z.array(z.string()),
});
export type LogAnalystOutput = z.infer<typeof logAnalystOutput>;

const MIN = 60_000;

/**
 * Mines templates from the incident window and the same span before it; reports error/warn templates
 * that are new or at least three times as frequent, with counts and examples.
 */
export const logAnalystAgent = defineAgent({
  id: 'log-analyst',
  description: 'Drain-style template mining over the affected services; new or surging error templates.',
  input: z.object({ services: z.array(z.string()), namespace: z.string(), from: z.number(), to: z.number() }),
  output: logAnalystOutput,
  timeoutMs: 20_000,
  async run({ services, namespace, from, to }, ctx) {
    if (!ctx.tools.has('logs_query')) return { lines_read: 0, baseline_lines_read: 0, templates: [], errors: ['no log source configured'] };
    const span = Math.max(5 * MIN, to - from);
    const drain = createDrain();
    const errors: string[] = [];
    const counts = new Map<number, { now: number; before: number; service: string; level: string }>();
    let linesRead = 0;
    let baselineRead = 0;
    for (const service of services) {
      const [before, now] = await Promise.all([
        ctx.tools.call<CollectorResult<LogLine>>('logs_query', { service, namespace, from: from - span, to: from }),
        ctx.tools.call<CollectorResult<LogLine>>('logs_query', { service, namespace, from, to }),
      ]);
      errors.push(...before.errors.map((e) => e.message), ...now.errors.map((e) => e.message));
      for (const [lines, field] of [[before.results, 'before'], [now.results, 'now']] as const) {
        for (const l of lines) {
          const t = drain.add(l.message);
          const c = counts.get(t.id) ?? { now: 0, before: 0, service, level: l.level };
          c[field]++;
          if (l.level === 'error' || (l.level === 'warn' && c.level !== 'error')) c.level = l.level;
          counts.set(t.id, c);
        }
      }
      baselineRead += before.results.length;
      linesRead += now.results.length;
    }
    const scale = (to - from) / span;
    const templates = drain
      .templates()
      .map((t) => ({ t, c: counts.get(t.id) }))
      .filter((x): x is { t: (typeof x)['t']; c: NonNullable<(typeof x)['c']> } => !!x.c && x.c.now > 0)
      .map(({ t, c }) => ({
        template: t.tokens.join(' '),
        service: c.service,
        level: c.level,
        count: c.now,
        baseline_count: c.before,
        new: c.before === 0,
        surging: c.now >= 3 * Math.max(1, c.before * scale),
        examples: t.examples.slice(0, 3),
      }))
      .filter((t) => (t.level === 'error' || t.level === 'warn') && (t.new || t.surging))
      .sort((a, b) => b.count - a.count)
      .slice(0, 15);
    return { lines_read: linesRead, baseline_lines_read: baselineRead, templates, errors };
  },
});
