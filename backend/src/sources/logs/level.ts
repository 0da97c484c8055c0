import type { LogLine } from '../types.js';

/** Reads a level out of a log line: JSON `level`/`severity`, a level word, or error-looking text. */
export function parseLevel(text: string): LogLine['level'] {
  const json = /"(?:severity|level)"\s*:\s*"(\w+)"/i.exec(text);
  const word = (json?.[1] ?? /\b(DEBUG|INFO|WARN(?:ING)?|ERROR|FATAL|PANIC|CRITICAL)\b/i.exec(text)?.[1] ?? '').toLowerCase();
  if (word.startsWith('warn')) return 'warn';
  if (['error', 'fatal', 'panic', 'critical', 'err'].includes(word)) return 'error';
  if (word === 'debug') return 'debug';
  if (/panic:|exception|failed|refused|timed out/i.test(text)) return 'error';
  return 'info';
}
