import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../index.js';

describe('aegis detect <file.csv> --out <scores.csv>', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'aegis-detect-cli-'));
    // Ten days of a noisy daily cycle at 5-minute steps, then a level jump: at least one alarm.
    const lines = ['timestamp,value'];
    const start = Date.UTC(2026, 0, 1) / 1000;
    for (let i = 0; i < 3000; i++) {
      const base = 50 + 10 * Math.sin((2 * Math.PI * i) / 288) + ((i * 7919) % 13) / 6.5;
      lines.push(`${start + i * 300},${(i >= 2800 ? base + 80 : base).toFixed(3)}`);
    }
    await writeFile(path.join(dir, 'series.csv'), lines.join('\n') + '\n');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('writes an alarm column whose count is the number of alarms it reports', async () => {
    const out = path.join(dir, 'scores.csv');
    const err: string[] = [];
    const code = await main(['detect', path.join(dir, 'series.csv'), '--out', out], { out: () => {}, err: (t) => err.push(t), env: {} });
    expect(code).toBe(0);
    const rows = (await readFile(out, 'utf8')).trim().split('\n');
    expect(rows[0]).toBe('timestamp,value,anomaly_score,alarm');
    const alarmCells = rows.slice(1).map((r) => r.split(',')[3]);
    expect(new Set(alarmCells)).toEqual(new Set(['0', '1']));
    const reported = Number(/(\d+) alarms/.exec(err.join('\n'))?.[1]);
    expect(alarmCells.filter((c) => c === '1').length).toBe(reported);
  });
});
