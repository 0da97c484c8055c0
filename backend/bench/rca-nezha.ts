/**
 * Converts Nezha fault-injection days (metric/ + <day>-fault_list.json) into RCA case folders and a
 * truth file the ranker never reads.
 *
 *   npm run bench:rca:nezha -- <nezha-day-dir…> --out <cases-dir> [--before-min 60] [--after-min 15] [--pod-metrics-only]
 *
 * Per case: metrics.csv (1-min buckets of the `Time` wall clock; `TimeStamp` is offset on some
 * systems), graph.csv (service→service rows of dependency.csv; service→IP rows dropped), case.json
 * ({anomaly_time}). Pods are aggregated to services per minute:
 *   - summed: CpuUsage(m), MemoryUsage(Mi), SyscallRead, SyscallWrite, NetworkReceiveBytes,
 *     NetworkTransmitBytes, PodWorkload(Ops) (totals of the service);
 *   - averaged: every rate, percentage and latency column (CpuUsageRate(%), PodServerLatencyP95(s)…);
 *   - dropped: Node* columns (they describe the node, shared by whatever runs there).
 * front_service.csv becomes `frontend_Entry<column>` (the user-facing latency and success rate).
 * source_50.csv / destination_50.csv hold the median latency per call edge `<caller>_<callee>`; each
 * becomes `<callee>_InboundLatencyP50(s)@<caller>/<file>`: the callee's latency as its caller sees it,
 * like istio's per-destination request duration.
 * `--pod-metrics-only` keeps only the per-pod files (what rca_eval.py's baselines see), to measure
 * what the edge latencies add. root_cause_hipster.json is documentation and is not read.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { csvLines, splitCsvLine } from '../src/rca/csv.js';

const SUMMED = new Set([
  'CpuUsage(m)',
  'MemoryUsage(Mi)',
  'SyscallRead',
  'SyscallWrite',
  'NetworkReceiveBytes',
  'NetworkTransmitBytes',
  'PodWorkload(Ops)',
]);

interface Fault {
  inject_time: string;
  inject_pod: string;
  inject_type: string;
}

/** column → minute (unix s) → pod → value */
type Table = Map<string, Map<number, Map<string, number>>>;

export function wallClockSeconds(text: string): number {
  const m = /^(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)/.exec(text.trim());
  if (!m) return NaN;
  const [, y, mo, d, h, mi, s] = m.map(Number);
  return Date.UTC(y ?? 0, (mo ?? 1) - 1, d ?? 1, h ?? 0, mi ?? 0, s ?? 0) / 1000;
}

export function podToService(pod: string): string {
  const parts = pod.split('-');
  return parts.length > 2 ? parts.slice(0, -2).join('-') : pod;
}

function put(table: Table, column: string, minute: number, pod: string, value: number) {
  let byMinute = table.get(column);
  if (!byMinute) table.set(column, (byMinute = new Map()));
  let byPod = byMinute.get(minute);
  if (!byPod) byMinute.set(minute, (byPod = new Map()));
  byPod.set(pod, value);
}

async function readCsv(file: string): Promise<{ header: string[]; rows: string[][] } | undefined> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const lines = csvLines(text);
  return { header: splitCsvLine(lines[0] ?? ''), rows: lines.slice(1).map(splitCsvLine) };
}

async function loadDay(dayDir: string, podOnly: boolean): Promise<{ table: Table; edges: string[][]; faults: Fault[]; day: string }> {
  const files = await readdir(dayDir);
  const faultFile = files.find((f) => f.endsWith('fault_list.json'));
  if (!faultFile) throw new Error(`${dayDir}: no *fault_list.json`);
  const day = faultFile.replace(/-?fault_list\.json$/, '');
  const faults = Object.values(JSON.parse(await readFile(path.join(dayDir, faultFile), 'utf8')) as Record<string, Fault[]>).flat();
  const metricDir = path.join(dayDir, 'metric');
  const table: Table = new Map();
  for (const f of (await readdir(metricDir)).filter((n) => n.endsWith('_metric.csv')).sort()) {
    const csv = await readCsv(path.join(metricDir, f));
    if (!csv) continue;
    const timeIdx = csv.header.indexOf('Time');
    const podIdx = csv.header.indexOf('PodName');
    for (const row of csv.rows) {
      const minute = Math.floor(wallClockSeconds(row[timeIdx] ?? '') / 60) * 60;
      const pod = row[podIdx] ?? f.replace(/_metric\.csv$/, '');
      if (!Number.isFinite(minute)) continue;
      csv.header.forEach((col, i) => {
        if (i === timeIdx || i === podIdx || col === 'TimeStamp' || col.startsWith('Node')) return;
        put(table, `${podToService(pod)}_${col}`, minute, pod, Number(row[i]));
      });
    }
  }
  if (!podOnly) {
    await loadFrontService(path.join(metricDir, 'front_service.csv'), table);
    for (const kind of ['source_50', 'destination_50']) await loadEdgeLatency(path.join(metricDir, `${kind}.csv`), kind, table);
  }
  const dep = await readCsv(path.join(metricDir, 'dependency.csv'));
  const edges = (dep?.rows ?? [])
    .map((r) => [r[0]?.trim() ?? '', r[1]?.trim() ?? ''])
    .filter(([s, t]) => s && t && !/^\d+(\.\d+){3}$/.test(t) && !/^\d+(\.\d+){3}$/.test(s));
  return { table, edges, faults, day };
}

async function loadFrontService(file: string, table: Table) {
  const csv = await readCsv(file);
  if (!csv) return;
  const timeIdx = csv.header.indexOf('Time');
  const nameIdx = csv.header.indexOf('ServiceName');
  for (const row of csv.rows) {
    const minute = Math.floor(wallClockSeconds(row[timeIdx] ?? '') / 60) * 60;
    const service = (row[nameIdx] ?? 'frontend').toLowerCase();
    csv.header.forEach((col, i) => {
      if (i === timeIdx || i === nameIdx || col === 'TimeStamp') return;
      put(table, `${service}_Entry${col}`, minute, service, Number(row[i]));
    });
  }
}

async function loadEdgeLatency(file: string, kind: string, table: Table) {
  const csv = await readCsv(file);
  if (!csv) return;
  const timeIdx = csv.header.findIndex((h) => h.toLowerCase() === 'time');
  for (const row of csv.rows) {
    const minute = Math.floor(wallClockSeconds(row[timeIdx] ?? '') / 60) * 60;
    csv.header.forEach((col, i) => {
      const cut = col.indexOf('_');
      if (i === timeIdx || cut <= 0 || col.toLowerCase() === 'timestamp') return;
      const caller = col.slice(0, cut);
      const callee = col.slice(cut + 1);
      put(table, `${callee}_InboundLatencyP50(s)@${caller}/${kind}`, minute, caller, Number(row[i]));
    });
  }
}

function aggregate(column: string, byPod: Map<string, number>): number {
  const vals = [...byPod.values()].filter(Number.isFinite);
  if (vals.length === 0) return NaN;
  const sum = vals.reduce((a, b) => a + b, 0);
  const metric = column.slice(column.indexOf('_') + 1);
  return SUMMED.has(metric) ? sum : sum / vals.length;
}

function caseCsv(table: Table, from: number, to: number): string {
  const columns = [...table.keys()].sort();
  const minutes = new Set<number>();
  for (const byMinute of table.values()) for (const m of byMinute.keys()) if (m >= from && m <= to) minutes.add(m);
  const lines = [['time', ...columns].join(',')];
  for (const m of [...minutes].sort((a, b) => a - b)) {
    const cells = columns.map((c) => {
      const byPod = table.get(c)?.get(m);
      const v = byPod ? aggregate(c, byPod) : NaN;
      return Number.isFinite(v) ? String(v) : '';
    });
    lines.push([String(m), ...cells].join(','));
  }
  return lines.join('\n') + '\n';
}

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      'before-min': { type: 'string' },
      'after-min': { type: 'string' },
      'pod-metrics-only': { type: 'boolean' },
    },
  });
  if (!values.out || positionals.length === 0) {
    console.error('usage: npm run bench:rca:nezha -- <nezha-day-dir…> --out <cases-dir> [--before-min 60] [--after-min 15]');
    process.exit(2);
  }
  const before = Number(values['before-min'] ?? 60) * 60;
  const after = Number(values['after-min'] ?? 15) * 60;
  await mkdir(values.out, { recursive: true });
  const truth: Record<string, { service: string; fault: string; day: string; inject_time: string; eval_key: string }> = {};
  for (const dayDir of positionals) {
    const started = performance.now();
    const { table, edges, faults, day } = await loadDay(dayDir, values['pod-metrics-only'] === true);
    for (const f of faults) {
      const t0 = wallClockSeconds(f.inject_time);
      const id = `${day}_${f.inject_time.slice(11).replace(/:/g, '')}`;
      const dir = path.join(values.out, id);
      await mkdir(dir, { recursive: true });
      await writeFile(path.join(dir, 'metrics.csv'), caseCsv(table, t0 - before, t0 + after));
      await writeFile(path.join(dir, 'graph.csv'), ['source,target', ...edges.map((e) => e.join(','))].join('\n') + '\n');
      await writeFile(path.join(dir, 'case.json'), JSON.stringify({ anomaly_time: t0 }) + '\n');
      truth[id] = {
        service: podToService(f.inject_pod),
        fault: f.inject_type,
        day,
        inject_time: f.inject_time,
        eval_key: `${day} ${f.inject_time}`,
      };
    }
    console.log(`${dayDir}: ${faults.length} cases, ${table.size} series, ${edges.length} call edges (${Math.round(performance.now() - started)} ms)`);
  }
  await writeFile(path.join(values.out, 'truth.json'), JSON.stringify(truth, null, 1) + '\n');
  console.log(`wrote ${Object.keys(truth).length} cases and truth.json to ${values.out}`);
}

await main();
