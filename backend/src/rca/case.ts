import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { ServiceEdge } from '../graph/port.js';
import { InputError } from '../platform/errors.js';
import { csvLines, csvRecords, splitCsvLine } from './csv.js';
import type { LogLineInput, MetricSeriesInput, RcaInput, SpanInput } from './types.js';

/** `case.json`: only when the incident started; labels never live in a case folder. */
const caseJsonSchema = z.object({
  anomaly_time: z.number().finite(),
  window_start: z.number().finite().optional(),
});

export interface RcaCase {
  input: RcaInput;
  warnings: string[];
}

/**
 * Reads an RCA case folder (`case.json` and any of `metrics.csv`, `logs.csv`, `spans.csv`,
 * `graph.csv`; see DESIGN.md). Series are named `<service>_<metric>`; Kubernetes service names have
 * no `_`, so the first one splits them.
 */
export async function readRcaCase(dir: string): Promise<RcaCase> {
  const caseJson = await readRequired(path.join(dir, 'case.json'));
  let meta: z.output<typeof caseJsonSchema>;
  try {
    meta = caseJsonSchema.parse(JSON.parse(caseJson));
  } catch (err) {
    throw new InputError(`${dir}/case.json: expected {"anomaly_time": <unix seconds>}: ${(err as Error).message}`);
  }
  const [metricsText, graphText, logsText, spansText] = await Promise.all(
    ['metrics.csv', 'graph.csv', 'logs.csv', 'spans.csv'].map((f) => readOptional(path.join(dir, f))),
  );
  if (metricsText === undefined && logsText === undefined && spansText === undefined) {
    throw new InputError(`${dir}: no metrics.csv, logs.csv or spans.csv`);
  }
  const metrics = metricsText === undefined ? { series: [], warnings: [] } : parseMetricsCsv(metricsText);
  const graph = graphText === undefined ? { edges: undefined, warnings: [] } : parseGraphCsv(graphText);
  const logs = logsText === undefined ? { logs: undefined, warnings: [] } : parseLogsCsv(logsText);
  const spans = spansText === undefined ? { spans: undefined, warnings: [] } : parseSpansCsv(spansText);
  return {
    input: {
      anomalyTime: meta.anomaly_time * 1000,
      windowStart: meta.window_start === undefined ? undefined : meta.window_start * 1000,
      series: metrics.series,
      edges: graph.edges,
      logs: logs.logs,
      spans: spans.spans,
    },
    warnings: [...metrics.warnings, ...graph.warnings, ...logs.warnings, ...spans.warnings],
  };
}

async function readOptional(file: string): Promise<string | undefined> {
  return readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
}

function columnsOf(header: string[] | undefined, file: string, required: string[]): Record<string, number> {
  const names = (header ?? []).map((h) => h.trim().toLowerCase());
  const idx: Record<string, number> = {};
  for (const name of required) {
    const i = names.indexOf(name);
    if (i < 0) throw new InputError(`${file} needs columns ${required.join(', ')}; "${name}" is missing`);
    idx[name] = i;
  }
  for (const name of ['status', 'error']) if (names.includes(name)) idx[name] = names.indexOf(name);
  return idx;
}

/** `logs.csv`: time (unix s), service, pod, message. */
export function parseLogsCsv(text: string): { logs: LogLineInput[]; warnings: string[] } {
  const [header, ...rows] = csvRecords(text);
  const c = columnsOf(header, 'logs.csv', ['time', 'service', 'message']);
  const logs: LogLineInput[] = [];
  let bad = 0;
  for (const r of rows) {
    const time = Number(r[c.time ?? 0]) * 1000;
    const service = r[c.service ?? 0]?.trim();
    if (!Number.isFinite(time) || !service) bad++;
    else logs.push({ time, service, message: r[c.message ?? 0] ?? '' });
  }
  return { logs, warnings: bad ? [`logs.csv: ${bad} rows without a numeric time or a service skipped`] : [] };
}

/** `spans.csv`: trace_id, span_id, parent_id, service, pod, operation, start_ns, end_ns [, status]. */
export function parseSpansCsv(text: string): { spans: SpanInput[]; warnings: string[] } {
  const [header, ...rows] = csvRecords(text);
  const c = columnsOf(header, 'spans.csv', ['trace_id', 'span_id', 'parent_id', 'service', 'operation', 'start_ns', 'end_ns']);
  const statusIdx = c.status ?? c.error;
  const spans: SpanInput[] = [];
  let bad = 0;
  for (const r of rows) {
    const start = Number(r[c.start_ns ?? 0]) / 1e6;
    const end = Number(r[c.end_ns ?? 0]) / 1e6;
    const service = r[c.service ?? 0]?.trim();
    const spanId = r[c.span_id ?? 0];
    if (!Number.isFinite(start) || !Number.isFinite(end) || !service || !spanId) {
      bad++;
      continue;
    }
    const span: SpanInput = {
      traceId: r[c.trace_id ?? 0] ?? '',
      spanId,
      parentId: r[c.parent_id ?? 0] ?? '',
      service,
      operation: r[c.operation ?? 0] ?? '',
      start,
      end,
    };
    if (statusIdx !== undefined) span.error = /^(error|true|1|2)$/i.test((r[statusIdx] ?? '').trim());
    spans.push(span);
  }
  return { spans, warnings: bad ? [`spans.csv: ${bad} rows without ids, service or numeric times skipped`] : [] };
}

async function readRequired(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new InputError(`missing ${file}`);
    throw err;
  }
}

export function parseMetricsCsv(text: string): { series: MetricSeriesInput[]; warnings: string[] } {
  const lines = csvLines(text);
  const header = lines[0] ? splitCsvLine(lines[0]).map((h) => h.trim()) : [];
  const timeIdx = header.findIndex((h) => h.toLowerCase() === 'time' || h.toLowerCase() === 'timestamp');
  if (timeIdx < 0) throw new InputError('metrics.csv needs a "time" column (unix seconds)');
  const warnings: string[] = [];
  const columns: Array<{ idx: number; service: string; metric: string }> = [];
  header.forEach((name, idx) => {
    if (idx === timeIdx) return;
    const cut = name.indexOf('_');
    if (cut <= 0 || cut === name.length - 1) warnings.push(`column "${name}" is not <service>_<metric>; ignored`);
    else columns.push({ idx, service: name.slice(0, cut), metric: name.slice(cut + 1) });
  });
  if (columns.length === 0) throw new InputError('metrics.csv has no <service>_<metric> columns');
  const times: number[] = [];
  const values = columns.map(() => [] as number[]);
  let badRows = 0;
  for (const line of lines.slice(1)) {
    const cells = splitCsvLine(line);
    const t = Number(cells[timeIdx]);
    if (!Number.isFinite(t)) {
      badRows++;
      continue;
    }
    times.push(t * 1000);
    columns.forEach((c, j) => values[j]?.push(parseValue(cells[c.idx])));
  }
  if (badRows) warnings.push(`${badRows} rows without a numeric time skipped`);
  if (times.length === 0) throw new InputError('metrics.csv has no data rows');
  let missing = 0;
  for (const v of values) for (const x of v) if (Number.isNaN(x)) missing++;
  if (missing) warnings.push(`${missing} missing or non-numeric samples skipped`);
  return {
    series: columns.map((c, j) => ({ service: c.service, metric: c.metric, times, values: values[j] ?? [] })),
    warnings,
  };
}

function parseValue(cell: string | undefined): number {
  if (cell === undefined || cell.trim() === '') return NaN;
  const v = Number(cell);
  return Number.isFinite(v) ? v : NaN;
}

export function parseGraphCsv(text: string): { edges: ServiceEdge[]; warnings: string[] } {
  const lines = csvLines(text);
  const header = lines[0] ? splitCsvLine(lines[0]).map((h) => h.trim().toLowerCase()) : [];
  const si = header.indexOf('source');
  const ti = header.indexOf('target');
  if (si < 0 || ti < 0) throw new InputError('graph.csv needs "source" and "target" columns');
  const edges: ServiceEdge[] = [];
  const warnings: string[] = [];
  for (const line of lines.slice(1)) {
    const cells = splitCsvLine(line);
    const source = cells[si]?.trim();
    const target = cells[ti]?.trim();
    if (!source || !target) warnings.push(`graph.csv row "${line}" lacks a source or target; ignored`);
    else edges.push({ source, target });
  }
  return { edges, warnings };
}
