import type { Database } from '../store/db.js';
import { SqlParams } from '../store/paging.js';
import type { Finding, Severity } from './model.js';
import type { ScanStats } from './engine/scanner.js';
import { InputError } from '../platform/errors.js';
import { storableText, storableValue } from '../platform/storable.js';

export interface StoredFinding {
  id: number;
  scan_id: string;
  rule: string;
  severity: Severity;
  category: string;
  framework: string;
  file: string;
  line: number;
  end_line: number;
  resource: string;
  kind: string;
  message: string;
  remediation: string;
  fix: { path: string; value?: unknown } | null;
  suppressed: string | null;
}

export interface ScanRecord {
  id: string;
  source: 'path' | 'archive' | 'files' | 'webhook' | 'cli';
  target: string;
  actor?: string;
  duration_ms: number;
  stats: ScanStats;
  finding_count: number;
}

export interface FindingFilter {
  severity?: Severity[];
  rule?: string;
  file?: string;
  scanId?: string;
  limit: number;
  cursor?: string;
}

/** IaC scans and findings in PostgreSQL/PGlite; listing defaults to the latest scan of each target. */
export interface IacFindingStore {
  recordScan(scan: Omit<ScanRecord, 'id' | 'finding_count'>, findings: Finding[], suppressed?: Array<{ finding: Finding; reason: string }>): Promise<ScanRecord>;
  listFindings(filter: FindingFilter): Promise<{ items: StoredFinding[]; next: string | null }>;
}

const BATCH = 500;

/** One iac_findings row as written. */
export interface FindingRow {
  rule_id: string;
  severity: string;
  category: string;
  framework: string;
  file: string;
  line: number;
  end_line: number;
  resource: string;
  kind: string;
  message: string;
  remediation: string;
  fix: string | null;
  suppressed: string | null;
}

/**
 * A finding as stored. Its text comes from the scanned files (names, quoted source), which may hold a NUL or an
 * unpaired surrogate: those become U+FFFD, or PostgreSQL would refuse the whole scan.
 */
export function findingRow(f: Finding, suppressed: string | null): FindingRow {
  return {
    rule_id: storableText(f.ruleId),
    severity: f.severity,
    category: f.category,
    framework: f.framework,
    file: storableText(f.file),
    line: f.line,
    end_line: f.endLine,
    resource: storableText(f.resource),
    kind: storableText(f.kind),
    message: storableText(f.message),
    remediation: storableText(f.remediation),
    fix: f.fix ? JSON.stringify(storableValue(f.fix)) : null,
    suppressed: suppressed === null ? null : storableText(suppressed),
  };
}

export function createIacFindingStore({ db }: { db: Database }): IacFindingStore {
  return {
    async recordScan(scan, findings, suppressed = []) {
      const rows = [...findings.map((f) => ({ f, reason: null as string | null })), ...suppressed.map((s) => ({ f: s.finding, reason: s.reason }))];
      return db.transaction(async (tx) => {
        const { rows: inserted } = await tx.query<{ id: string }>(
          'INSERT INTO iac_scans (source, target, actor, duration_ms, stats, finding_count) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id',
          [scan.source, storableText(scan.target), scan.actor ?? null, Math.round(scan.duration_ms), JSON.stringify(scan.stats), findings.length],
        );
        const id = inserted[0]?.id ?? '';
        // unnest() batches: one statement per 500 findings instead of one per row.
        for (let i = 0; i < rows.length; i += BATCH) {
          const chunk = rows.slice(i, i + BATCH).map((x) => findingRow(x.f, x.reason));
          const col = <K extends keyof FindingRow>(key: K) => chunk.map((r) => r[key]);
          await tx.query(
            `INSERT INTO iac_findings (scan_id, rule_id, severity, category, framework, file, line, end_line, resource, kind, message, remediation, fix, suppressed)
             SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[], $8::int[], $9::text[], $10::text[], $11::text[], $12::text[], $13::jsonb[], $14::text[])`,
            [
              id,
              col('rule_id'),
              col('severity'),
              col('category'),
              col('framework'),
              col('file'),
              col('line'),
              col('end_line'),
              col('resource'),
              col('kind'),
              col('message'),
              col('remediation'),
              col('fix'),
              col('suppressed'),
            ],
          );
        }
        return { ...scan, id, finding_count: findings.length };
      });
    },

    async listFindings(filter) {
      const p = new SqlParams();
      const where: string[] = ['f.suppressed IS NULL'];
      if (filter.scanId) where.push(`f.scan_id = ${p.add(filter.scanId)}`);
      else where.push('f.scan_id IN (SELECT DISTINCT ON (target) id FROM iac_scans ORDER BY target, started_at DESC)');
      if (filter.severity?.length) where.push(`f.severity = ANY(${p.add(filter.severity)}::text[])`);
      if (filter.rule) where.push(`f.rule_id = ${p.add(filter.rule)}`);
      if (filter.file) where.push(`f.file = ${p.add(filter.file)}`);
      if (filter.cursor) {
        if (!/^\d{1,15}$/.test(filter.cursor)) throw new InputError('invalid cursor');
        where.push(`f.id > ${p.add(Number(filter.cursor))}`);
      }
      const { rows } = await db.query<StoredFinding & { id: string | number }>(
        `SELECT f.id, f.scan_id, f.rule_id AS rule, f.severity, f.category, f.framework, f.file, f.line, f.end_line, f.resource, f.kind,
                f.message, f.remediation, f.fix, f.suppressed
           FROM iac_findings f WHERE ${where.join(' AND ')} ORDER BY f.id LIMIT ${p.add(filter.limit + 1)}`,
        p.values,
      );
      const items = rows.slice(0, filter.limit).map((r) => ({ ...r, id: Number(r.id) }));
      const last = items[items.length - 1];
      return { items, next: rows.length > filter.limit && last ? String(last.id) : null };
    },
  };
}
