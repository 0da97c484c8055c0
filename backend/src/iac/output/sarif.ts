import { createHash } from 'node:crypto';
import { PARSE_RULE_ID, type Finding, type Severity } from '../model.js';
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
const SRCROOT = '%SRCROOT%';

const PARSE_RULE: RuleMeta = {
  id: PARSE_RULE_ID,
  title: 'File could not be parsed or evaluated',
  description: 'The file, document or module has an error (syntax, duplicate definition, evaluation limit); it was not checked.',
  severity: 'medium',
  category: 'reliability',
  frameworks: ['terraform', 'cloudformation', 'kubernetes'],
  kinds: ['file'],
  references: {},
  compliance: [],
  remediation: 'Fix the error so the file can be checked.',
};

export interface SarifOptions {
  version?: string;
  /** Path of the scanned folder inside the repository ('' when it is the root); finding paths are relative to the folder. */
  uriPrefix?: string;
  /** Absolute path of the repository root, recorded as the %SRCROOT% base. */
  repoRoot?: string;
  /** Where the tool is documented; omitted rather than invented. */
  informationUri?: string;
}

/** A page that documents the rule's check: its own docs, else the equivalent Trivy/kube-linter/Checkov/CWE page. */
export function helpUri(r: RuleMeta): string | undefined {
  const refs = r.references;
  const trivy = refs.trivy?.find((id) => /^AVD-[A-Z0-9]+-\d+$/i.test(id));
  const kubeLinter = refs.kubeLinter?.[0];
  const cwe = refs.cwe?.map((c) => /^CWE-(\d+)$/i.exec(c)?.[1]).find(Boolean);
  if (refs.docs?.[0]) return refs.docs[0];
  if (trivy) return `https://avd.aquasec.com/misconfig/${trivy.toLowerCase()}`;
  if (kubeLinter) return `https://docs.kubelinter.io/#/generated/checks?id=${encodeURIComponent(kubeLinter)}`;
  if (refs.checkov?.length) return 'https://www.checkov.io/5.Policy%20Index/all.html';
  if (cwe) return `https://cwe.mitre.org/data/definitions/${cwe}.html`;
  if (refs.kics?.length) return 'https://docs.kics.io/latest/queries/all-queries/';
  return undefined;
}

/** Each path segment percent-encoded (`my s3#1.tf` → `my%20s3%231.tf`), '/' kept. */
export const encodeUri = (p: string) => p.split(/[\\/]/).filter((s) => s !== '' && s !== '.').map(encodeURIComponent).join('/');

/**
 * One fingerprint per finding, stable when lines move: rule, file, resource, the attribute it points at and, for
 * hits that share all of those, the message and then the order.
 */
function fingerprints(findings: Finding[]): string[] {
  const seen = new Map<string, number>();
  return findings.map((f) => {
    const base = [f.ruleId, f.file, f.resource, f.at ?? '', f.at ? '' : f.message].join('\u0000');
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return createHash('sha256').update(`${base}\u0000${n}`).digest('hex').slice(0, 32);
  });
}

/** SARIF 2.1.0 as GitHub code scanning reads it: one run, rules in the driver, one result per finding. */
export function toSarif(findings: Finding[], rules: RuleMeta[], opts: SarifOptions = {}) {
  const used = new Set(findings.map((f) => f.ruleId));
  const ruleList = rules.filter((r) => used.has(r.id));
  if (used.has(PARSE_RULE_ID) && !ruleList.some((r) => r.id === PARSE_RULE_ID)) ruleList.push(PARSE_RULE);
  const indexOf = new Map(ruleList.map((r, i) => [r.id, i]));
  const prefix = encodeUri(opts.uriPrefix ?? '');
  const prints = fingerprints(findings);
  const base = opts.repoRoot ? { uriBaseId: SRCROOT } : {};
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'aegis-iac',
            ...(opts.informationUri ? { informationUri: opts.informationUri } : {}),
            version: opts.version ?? '0.1.0',
            rules: ruleList.map((r) => {
              const security = r.category === 'security';
              const uri = helpUri(r);
              return {
                id: r.id,
                name: r.id,
                shortDescription: { text: r.title },
                fullDescription: { text: r.description },
                help: { text: r.remediation, markdown: r.remediation },
                ...(uri ? { helpUri: uri } : {}),
                defaultConfiguration: { level: LEVEL[r.severity] },
                properties: {
                  // GitHub files a rule under security only when tagged so; security-severity only applies there.
                  tags: [r.category, ...r.frameworks, ...r.compliance],
                  ...(security ? { 'security-severity': SCORE[r.severity] } : {}),
                  precision: 'high',
                },
              };
            }),
          },
        },
        ...(opts.repoRoot ? { originalUriBaseIds: { [SRCROOT]: { uri: fileUri(opts.repoRoot) } } } : {}),
        results: findings.map((f, i) => ({
          ruleId: f.ruleId,
          ruleIndex: indexOf.get(f.ruleId) ?? 0,
          level: LEVEL[f.severity],
          message: { text: `${f.message} (${f.resource})` },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: [prefix, encodeUri(f.file)].filter(Boolean).join('/'), ...base },
                region: { startLine: Math.max(1, f.line), endLine: Math.max(f.line, f.endLine) },
              },
            },
          ],
          partialFingerprints: { 'aegis/v2': prints[i] ?? '' },
        })),
      },
    ],
  };
}

function fileUri(dir: string): string {
  return `file:///${encodeUri(dir)}/`;
}
