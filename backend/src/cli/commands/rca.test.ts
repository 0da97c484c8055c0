import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthSeries } from '../../rca/testing.js';
import { main } from '../index.js';

describe('aegis rca <case> --json', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'aegis-rca-cli-'));
    const start = 1_767_225_600_000;
    const t0 = start + 30 * 60_000;
    const cols = [
      synthSeries({ service: 'frontend', metric: 'latency_p95', start, minutes: 40, level: 100, noise: 2, shiftAt: t0, shift: 80, seed: 1 }),
      synthSeries({ service: 'payment', metric: 'latency_p95', start, minutes: 40, level: 30, noise: 1, shiftAt: t0, shift: 10, seed: 2 }),
      synthSeries({ service: 'ads', metric: 'cpu', start, minutes: 40, level: 1, noise: 0.05, seed: 3 }),
    ];
    const lines = ['time,' + cols.map((c) => `${c.service}_${c.metric}`).join(',')];
    for (let i = 0; i < 40; i++) lines.push([start / 1000 + i * 60, ...cols.map((c) => c.values[i])].join(','));
    await writeFile(path.join(dir, 'metrics.csv'), lines.join('\n') + '\n');
    await writeFile(path.join(dir, 'graph.csv'), 'source,target\nfrontend,payment\nfrontend,ads\n');
    await writeFile(path.join(dir, 'case.json'), JSON.stringify({ anomaly_time: t0 / 1000 }));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const run = async (argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t), env: {} });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  it('prints the ranking in the contract shape', async () => {
    const r = await run(['rca', dir, '--json']);
    expect(r.code).toBe(0);
    const body = JSON.parse(r.out) as { ranking: Array<Record<string, unknown>> };
    expect(body.ranking[0]).toMatchObject({ service: 'payment', metric: 'latency_p95' });
    for (const c of body.ranking) expect(Object.keys(c)).toEqual(expect.arrayContaining(['service', 'score', 'probability', 'evidence']));
  });

  it('prints a table and the explanation for humans', async () => {
    const r = await run(['rca', dir, '--top', '2']);
    expect(r.out).toMatch(/RANK\s+SERVICE\s+PROBABILITY/);
    expect(r.out).toContain('payment is the most likely root cause');
  });

  it('fails with a clear message on a folder that is not a case', async () => {
    const r = await run(['rca', path.join(dir, 'nope')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/missing .*case\.json/);
  });
});
