import type { Finding } from '../model.js';
import type { ScanResult } from '../engine/scanner.js';

/** The JSON report; also the baseline format (`--baseline` reads `findings`). */
export function toJsonReport(result: ScanResult) {
  return {
    version: 1,
    stats: result.stats,
    findings: result.findings,
    suppressed: result.suppressed.map((s) => ({ ...s.finding, reason: s.reason })),
    warnings: result.warnings,
    parse_errors: result.parseErrors,
  };
}

export const baselineKey = (f: Pick<Finding, 'ruleId' | 'file' | 'resource'>) => `${f.ruleId}|${f.file}|${f.resource}`;

/** Drops findings already present in a baseline report. */
export function applyBaseline(findings: Finding[], baseline: { findings?: Finding[] }): { kept: Finding[]; baselined: number } {
  const known = new Set((baseline.findings ?? []).map(baselineKey));
  const kept = findings.filter((f) => !known.has(baselineKey(f)));
  return { kept, baselined: findings.length - kept.length };
}
