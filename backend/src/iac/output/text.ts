import { severityRank, type Finding, type Severity } from '../model.js';

const COLOUR: Record<Severity, string> = { critical: '\x1b[1;31m', high: '\x1b[31m', medium: '\x1b[33m', low: '\x1b[36m', info: '\x1b[2m' };
const RESET = '\x1b[0m';

/** Human output: findings grouped by file, worst first; ANSI colour only when asked (a TTY). */
export function toText(findings: Finding[], opts: { colour?: boolean; suppressed?: number } = {}): string {
  const paint = (s: Severity, text: string) => (opts.colour ? `${COLOUR[s]}${text}${RESET}` : text);
  const byFile = new Map<string, Finding[]>();
  for (const f of findings) byFile.set(f.file, [...(byFile.get(f.file) ?? []), f]);
  const lines: string[] = [];
  for (const file of [...byFile.keys()].sort()) {
    lines.push(opts.colour ? `\x1b[1m${file}${RESET}` : file);
    const list = (byFile.get(file) ?? []).sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || a.line - b.line);
    for (const f of list) {
      lines.push(`  ${paint(f.severity, f.severity.toUpperCase().padEnd(8))} ${String(f.line).padStart(5)}  ${f.ruleId}  ${f.resource}`);
      lines.push(`           ${f.message}`);
      lines.push(`           fix: ${f.remediation}`);
    }
    lines.push('');
  }
  const counts = new Map<Severity, number>();
  for (const f of findings) counts.set(f.severity, (counts.get(f.severity) ?? 0) + 1);
  const summary = (['critical', 'high', 'medium', 'low', 'info'] as Severity[])
    .filter((s) => counts.get(s))
    .map((s) => paint(s, `${counts.get(s)} ${s}`))
    .join(', ');
  lines.push(`${findings.length} finding(s)${summary ? `: ${summary}` : ''} in ${byFile.size} file(s)${opts.suppressed ? `; ${opts.suppressed} suppressed with a reason` : ''}`);
  return lines.join('\n');
}
