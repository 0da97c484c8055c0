import { z } from 'zod';
import { defineRoute, limitParam, listParam, pageOf, type RouteDef } from '../api/route.js';
import type { Clock } from '../platform/clock.js';
import { confineToRoots, createApiScanner, type ApiScanInput, type ApiScanner } from './api-scan.js';
import { SEVERITIES, type Severity } from './model.js';
import type { IacFindingStore } from './store.js';

const severity = z.enum(SEVERITIES as [Severity, ...Severity[]]);

const findingSchema = z.object({
  id: z.number(),
  scan_id: z.string(),
  rule: z.string(),
  severity,
  category: z.string(),
  framework: z.string(),
  file: z.string(),
  line: z.number(),
  end_line: z.number(),
  resource: z.string(),
  kind: z.string(),
  message: z.string(),
  remediation: z.string(),
  fix: z.object({ path: z.string(), value: z.unknown().optional() }).nullable(),
});

const scanBody = z
  .object({
    path: z.string().min(1).max(4096).optional().describe('an absolute directory or file on the server, under AEGIS_IAC_ROOTS (unset: refused)'),
    archive: z.string().max(50_000_000).optional().describe('base64 of a .tar or .tar.gz of the files'),
    files: z.array(z.object({ path: z.string().min(1).max(1024), content: z.string().max(5_000_000) })).max(20_000).optional(),
    label: z.string().max(300).optional().describe('what the scan covers, e.g. a repository@commit'),
  })
  .refine((b) => [b.path, b.archive, b.files].filter((x) => x !== undefined).length === 1, {
    message: 'give exactly one of path, archive or files',
  });

const scanResponse = z.object({
  scan_id: z.string(),
  target: z.string(),
  stats: z.object({ files: z.number(), iacFiles: z.number(), resources: z.number(), units: z.number(), unitsEvaluated: z.number(), filesParsed: z.number(), parseErrors: z.number() }),
  findings: z.number(),
  by_severity: z.record(z.string(), z.number()),
  duration_ms: z.number(),
});

/**
 * `POST /iac/scan` (operate, audited; scanned in a worker under caps and a deadline; server paths only under
 * `roots`) and `GET /iac/findings` (read).
 */
export function iacRoutes(deps: { store: IacFindingStore; clock: Clock; roots?: string[]; scanner?: ApiScanner }): RouteDef[] {
  const scanner = deps.scanner ?? createApiScanner();
  const roots = deps.roots ?? [];
  return [
    defineRoute({
      method: 'post',
      path: '/iac/scan',
      operationId: 'scanIac',
      summary: 'Scan a server-side path, an uploaded tar(.gz) archive or a list of files; stores the findings',
      tags: ['iac'],
      permission: 'operate',
      body: scanBody,
      response: scanResponse,
      status: 201,
      audit: { action: 'iac.scan', target: ({ body }) => body.label ?? body.path ?? (body.archive ? 'archive' : 'files') },
      async handler({ body, principal }) {
        const started = deps.clock.nowMs();
        const { input, source, target } = await inputOf(body, roots);
        const result = await scanner.scan(input);
        const duration = deps.clock.nowMs() - started;
        const scan = await deps.store.recordScan(
          { source, target: body.label ?? target, actor: principal.actor, duration_ms: duration, stats: result.stats },
          result.findings,
          result.suppressed,
        );
        const bySeverity: Record<string, number> = {};
        for (const f of result.findings) bySeverity[f.severity] = (bySeverity[f.severity] ?? 0) + 1;
        return { scan_id: scan.id, target: scan.target, stats: result.stats, findings: result.findings.length, by_severity: bySeverity, duration_ms: duration };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/iac/findings',
      operationId: 'listIacFindings',
      summary: 'Findings of the latest scan of each target (or of one scan), filtered by severity, rule and file',
      tags: ['iac'],
      permission: 'read',
      query: z.object({
        severity: listParam(severity),
        rule: z.string().max(200).optional(),
        file: z.string().max(1024).optional(),
        scan_id: z.uuid().optional(),
        limit: limitParam,
        cursor: z.string().max(30).optional(),
      }),
      response: pageOf(findingSchema),
      handler: ({ query }) =>
        deps.store.listFindings({ severity: query.severity, rule: query.rule, file: query.file, scanId: query.scan_id, limit: query.limit, cursor: query.cursor }),
    }),
  ];
}

async function inputOf(body: z.output<typeof scanBody>, roots: string[]): Promise<{ input: ApiScanInput; source: 'path' | 'archive' | 'files'; target: string }> {
  if (body.files) return { input: { kind: 'files', files: body.files }, source: 'files', target: 'files' };
  if (body.archive) return { input: { kind: 'archive', base64: body.archive }, source: 'archive', target: 'archive' };
  const root = await confineToRoots(body.path ?? '', roots);
  return { input: { kind: 'path', root }, source: 'path', target: root };
}
