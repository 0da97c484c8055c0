import { stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { defineRoute, limitParam, listParam, pageOf, type RouteDef } from '../api/route.js';
import { InputError } from '../platform/errors.js';
import type { Clock } from '../platform/clock.js';
import { extractTar } from './archive.js';
import type { IacScanner } from './engine/scanner.js';
import { listIacFiles, readSources } from './files.js';
import { SEVERITIES, type Severity, type SourceFile } from './model.js';
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
    path: z.string().min(1).max(4096).optional().describe('a directory or file on the server'),
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

/** `POST /iac/scan` (operate, audited) and `GET /iac/findings` (read). */
export function iacRoutes(deps: { store: IacFindingStore; scanner: () => Promise<IacScanner>; clock: Clock }): RouteDef[] {
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
        const { files, source, target } = await collect(body);
        const result = (await deps.scanner()).scan(files);
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

async function collect(body: z.output<typeof scanBody>): Promise<{ files: SourceFile[]; source: 'path' | 'archive' | 'files'; target: string }> {
  if (body.files) return { files: body.files, source: 'files', target: 'files' };
  if (body.archive) {
    const data = Buffer.from(body.archive, 'base64');
    if (!data.length) throw new InputError('archive is empty or not base64');
    return { files: extractTar(data), source: 'archive', target: 'archive' };
  }
  const target = path.resolve(body.path ?? '.');
  const info = await stat(target).catch(() => undefined);
  if (!info) throw new InputError(`path ${body.path} does not exist on the server`);
  const rels = await listIacFiles(target);
  return { files: await readSources(target, rels), source: 'path', target };
}
