import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createManualClock } from '../../platform/clock.js';
import { createMemoryLogger } from '../../platform/logger.js';
import { startSimulatedCluster } from './runtime.js';

describe('the simulated cluster saving its state', () => {
  let home: string | undefined;
  afterAll(async () => {
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('never overlaps two saves, however often the timer fires', async () => {
    home = await mkdtemp(path.join(tmpdir(), 'aegis-saver-'));
    const logger = createMemoryLogger('error');
    // A save takes longer than 1 ms: the timer fires again while one is still writing (as on a busy machine).
    const cluster = await startSimulatedCluster({ home, clock: createManualClock(Date.parse('2026-12-07T12:00:00Z')), logger, persist: true, persistEveryMs: 1 });
    await new Promise((r) => setTimeout(r, 300));
    await cluster.close();
    expect(logger.lines.filter((l) => l.msg === 'saving simulator state failed')).toEqual([]);
    expect(JSON.parse(await readFile(path.join(home, 'sim', 'state.json'), 'utf8'))).toHaveProperty('store');
  }, 60_000);
});
