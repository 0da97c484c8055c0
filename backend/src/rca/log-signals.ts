import { createDrain } from '../pipeline/agents/log-analyst/drain.js';
import { countSurprise } from './count-surprise.js';
import type { SeriesScore } from './series-score.js';
import type { LogLineInput } from './types.js';

const MINUTE = 60_000;

/** A line that reports a problem: level words, exceptions, failures. */
const ERROR_LINE = /\b(error|fatal|severe|panic|exception|fail(ed|ure)?|timed? ?out|refused|unavailable|denied)\b|Exception\b|Error\b/i;
/** A Java/Python/Go stack frame, or an exception class name. */
const EXCEPTION = /\b([A-Z]\w*(Exception|Error))\b/;

/** Variable parts masked before template mining, so the same statement groups into one template. */
const MASKS: Array<[RegExp, string]> = [
  [/\b\d{1,2}:\d{2}:\d{2}(\.\d+)?\b/g, '<time>'],
  [/\b\d{4}-\d{2}-\d{2}[T ]?[\d:.]*Z?\b/g, '<date>'],
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<uuid>'],
  [/\b[0-9a-f]{12,}\b/gi, '<hex>'],
  [/\b\d+(\.\d+)?\b/g, '<n>'],
];

export function maskLine(message: string): string {
  let s = message.length > 400 ? message.slice(0, 400) : message;
  for (const [re, to] of MASKS) s = s.replace(re, to);
  return s;
}

interface TemplateCounts {
  text: string;
  base: number;
  abnormal: number;
  firstAbnormal?: number;
  exception?: string;
}

/**
 * Log evidence per service: problem lines are mined into templates (Drain); a template that is new
 * after the fault time, or surges above its baseline rate, scores like a Poisson surprise
 * ((observed − expected) / √(expected + 1)), the expected count add-one smoothed over the baseline the
 * logs actually cover. The strongest template per service becomes its signal.
 */
export function logSignals(
  logs: readonly LogLineInput[],
  faultTime: number,
  opts: { baselineMinutes: number; abnormalMinutes: number },
): SeriesScore[] {
  const from = faultTime - opts.baselineMinutes * MINUTE;
  const until = faultTime + opts.abnormalMinutes * MINUTE;
  const perService = new Map<string, { drain: ReturnType<typeof createDrain>; counts: Map<number, TemplateCounts> }>();
  let firstSeen = Infinity;
  for (const line of logs) {
    if (line.time < from || line.time >= until) continue;
    firstSeen = Math.min(firstSeen, line.time);
    if (!ERROR_LINE.test(line.message)) continue;
    let svc = perService.get(line.service);
    if (!svc) perService.set(line.service, (svc = { drain: createDrain({ similarity: 0.6, maxExamples: 1 }), counts: new Map() }));
    const template = svc.drain.add(maskLine(line.message));
    let c = svc.counts.get(template.id);
    if (!c) svc.counts.set(template.id, (c = { text: '', base: 0, abnormal: 0, exception: EXCEPTION.exec(line.message)?.[1] }));
    if (line.time < faultTime) c.base++;
    else {
      c.abnormal++;
      c.firstAbnormal ??= line.time;
    }
  }
  // Baseline length actually covered by the logs (a window may start later than asked).
  const baseMinutes = Math.max(1, (faultTime - Math.max(from, firstSeen)) / MINUTE);
  const out: SeriesScore[] = [];
  for (const [service, { drain, counts }] of perService) {
    const texts = new Map(drain.templates().map((t) => [t.id, t.tokens.join(' ')]));
    let best: (SeriesScore & { n: number }) | undefined;
    for (const [id, c] of counts) {
      // A template unseen in a short baseline may well recur every few minutes: 4 lines after 4 quiet
      // minutes is chance, so the surprise is add-one smoothed over the minutes the logs cover.
      const { z, expected } = countSurprise(c.abnormal, c.base, baseMinutes, opts.abnormalMinutes);
      if (!(z > 0) || (best && z <= best.z)) continue;
      const text = shorten(texts.get(id) ?? '');
      const when = c.firstAbnormal !== undefined ? new Date(c.firstAbnormal).toISOString().slice(11, 16) : '';
      const what = c.base === 0 ? `new at ${when}` : `×${(c.abnormal / Math.max(expected, 1e-9)).toFixed(1)} its baseline rate`;
      best = {
        service,
        metric: c.exception ? `log:${c.exception}` : 'log:error-template',
        kind: 'errors',
        source: 'logs',
        z,
        baseline: expected,
        observed: c.abnormal,
        onset: c.firstAbnormal,
        summary: `error template \`${text}\` ${what} (${c.abnormal} lines)`,
        n: c.abnormal,
      };
    }
    if (best) {
      const { n: _n, ...signal } = best;
      out.push(signal);
    }
  }
  return out;
}

function shorten(s: string): string {
  const t = s.replace(/<\*>|<n>|<hex>|<uuid>|<time>|<date>/g, '…').replace(/(…\s*)+/g, '… ').trim();
  return t.length > 120 ? `${t.slice(0, 117)}…` : t;
}
