import type { Finding, Severity } from '../model.js';
import type { RuleMeta } from '../engine/rule.js';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
  info: 'note',
};
const SCORE: Record<Severity, string> = { critical: '9.5', high: '8.0', medium: '5.5', low: '3.0', info: '1.0' };

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

/** SARIF 2.1.0 as GitHub code scanning reads it: one run, rules in the driver, one result per finding. */
export function toSarif(findings: Finding[], rules: RuleMeta[], opts: { version?: string } = {}) {
  const used = new Set(findings.map((f) => f.ruleId));
  const ruleList = rules.filter((r) => used.has(r.id));
  if (findings.some((f) => f.ruleId === 'iac-parse-error'))
    ruleList.push({
      id: 'iac-parse-error',
      title: 'File could not be parsed',
      description: 'The file has a syntax error; it was not checked.',
      severity: 'medium',
      category: 'reliability',
      frameworks: ['terraform', 'cloudformation', 'kubernetes'],
      kinds: ['file'],
      references: {},
      compliance: [],
      remediation: 'Fix the syntax error so the file can be checked.',
    });
  const indexOf = new Map(ruleList.map((r, i) => [r.id, i]));
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'aegis-iac',
            informationUri: 'https://github.com/aegis/aegis',
            version: opts.version ?? '0.1.0',
            rules: ruleList.map((r) => ({
              id: r.id,
              name: r.id,
              shortDescription: { text: r.title },
              fullDescription: { text: r.description },
              help: { text: r.remediation, markdown: r.remediation },
              helpUri: r.references.docs?.[0],
              defaultConfiguration: { level: LEVEL[r.severity] },
              properties: {
                tags: [r.category, ...r.frameworks, ...r.compliance],
                'security-severity': SCORE[r.severity],
                precision: 'high',
              },
            })),
          },
        },
        results: findings.map((f) => ({
          ruleId: f.ruleId,
          ruleIndex: indexOf.get(f.ruleId) ?? 0,
          level: LEVEL[f.severity],
          message: { text: `${f.message} (${f.resource})` },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: f.file.split('\\').join('/') },
                region: { startLine: Math.max(1, f.line), endLine: Math.max(f.line, f.endLine) },
              },
            },
          ],
          partialFingerprints: { 'aegis/v1': `${f.ruleId}:${f.file}:${f.resource}` },
        })),
      },
    ],
  };
}
