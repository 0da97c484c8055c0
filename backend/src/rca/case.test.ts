import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseGraphCsv, parseMetricsCsv, readRcaCase } from './case.js';

describe('RCA case folders', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
  });
  const caseDir = async (files: Record<string, string>) => {
    const dir = await mkdtemp(path.join(tmpdir(), 'rca-case-'));
    dirs.push(dir);
    for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
    return dir;
  };

  it('reads metrics, the optional graph and the anomaly time', async () => {
    const dir = await caseDir({
      'metrics.csv': 'time,cart-service_latency_p95,frontend_cpu\n100,1,2\n160,,3\n220,NaN,4\n',
      'graph.csv': 'source,target\nfrontend,cart-service\n',
      'case.json': '{"anomaly_time": 160}',
    });
    const c = await readRcaCase(dir);
    expect(c.input.anomalyTime).toBe(160_000);
    expect(c.input.series?.map((s) => `${s.service}/${s.metric}`)).toEqual(['cart-service/latency_p95', 'frontend/cpu']);
    expect(c.input.series?.[0]?.times).toEqual([100_000, 160_000, 220_000]);
    expect(c.input.series?.[0]?.values.map(String)).toEqual(['1', 'NaN', 'NaN']);
    expect(c.input.edges).toEqual([{ source: 'frontend', target: 'cart-service' }]);
    expect(c.warnings).toEqual(['2 missing or non-numeric samples skipped']);
  });

  it('works without graph.csv', async () => {
    const dir = await caseDir({ 'metrics.csv': 'time,a_cpu\n1,1\n', 'case.json': '{"anomaly_time": 1}' });
    expect((await readRcaCase(dir)).input.edges).toBeUndefined();
  });

  it('fails clearly on a missing file or a case.json without anomaly_time', async () => {
    const noMetrics = await caseDir({ 'case.json': '{"anomaly_time": 1}' });
    await expect(readRcaCase(noMetrics)).rejects.toThrow(/no metrics\.csv, logs\.csv or spans\.csv/);
    const badJson = await caseDir({ 'metrics.csv': 'time,a_cpu\n1,1\n', 'case.json': '{"labels": "cart"}' });
    await expect(readRcaCase(badJson)).rejects.toThrow(/anomaly_time/);
  });

  it('rejects tables without time or metric columns and warns about odd column names', () => {
    expect(() => parseMetricsCsv('ts,a_cpu\n1,1\n')).toThrow(/"time" column/);
    expect(() => parseMetricsCsv('time,cpu\n1,1\n')).toThrow(/no <service>_<metric> columns/);
    expect(() => parseMetricsCsv('time,a_cpu\n')).toThrow(/no data rows/);
    const r = parseMetricsCsv('time,a_cpu,weird,b_\nx,1,2,3\n1,1,2,3\n');
    expect(r.warnings).toEqual([
      'column "weird" is not <service>_<metric>; ignored',
      'column "b_" is not <service>_<metric>; ignored',
      '1 rows without a numeric time skipped',
    ]);
    expect(() => parseGraphCsv('from,to\na,b\n')).toThrow(/"source" and "target"/);
    expect(parseGraphCsv('source,target\na,\n').warnings[0]).toMatch(/lacks a source or target/);
  });
});
