import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { ServiceEdge } from '../graph/port.js';
import { InputError } from '../platform/errors.js';
import { csvLines, splitCsvLine } from './csv.js';
import type { MetricSeriesInput, RcaInput } from './types.js';

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
 * Reads an RCA case folder (`metrics.csv`, optional `graph.csv`, `case.json`; see DESIGN.md). Series
 * are named `<service>_<metric>`; Kubernetes service names have no `_`, so the first one splits them.
 */
export async function readRcaCase(dir: string): Promise<RcaCase> {
  const caseJson = await readRequired(path.join(dir, 'case.json'));
  let meta: z.output<typeof caseJsonSchema>;
  try {
    meta = caseJsonSchema.parse(JSON.parse(caseJson));
  } catch (err) {
    throw new InputError(`${dir}/case.json: expected {"anomaly_time": <unix seconds>}: ${(err as Error).message}`);
  }
  const metrics = parseMetricsCsv(await readRequired(path.join(dir, 'metrics.csv')));
  const graphText = await readFile(path.join(dir, 'graph.csv'), 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  const graph = graphText === undefined ? { edges: undefined, warnings: [] } : parseGraphCsv(graphText);
  return {
    input: {
      anomalyTime: meta.anomaly_time * 1000,
      windowStart: meta.window_start === undefined ? undefined : meta.window_start * 1000,
      series: metrics.series,
      edges: graph.edges,
    },
    warnings: [...metrics.warnings, ...graph.warnings],
  };
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
