import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES, type TestDatabase } from '../../test/helpers/db.js';
import { staticServiceGraph } from '../graph/port.js';
import { createManualClock } from '../platform/clock.js';
import { silentLogger } from '../platform/logger.js';
import type { MetricsSource, Series } from '../sources/types.js';
import { createStore, type Store } from '../store/index.js';
import { createRcaService, type RcaService } from './service.js';
import { createRcaStore } from './store.js';
import { synthSeries } from './testing.js';

const T0 = Date.UTC(2026, 2, 1, 9, 30);

/** A metrics source replaying one scenario: cache looks worst, db is the real cause. */
function scenarioSource(seed: number): MetricsSource {
  const mk = (service: string, metric: string, shift: number, s: number): Series => {
    const x = synthSeries({ service, metric, start: T0 - 30 * 60_000, minutes: 36, level: 50, noise: 1, shiftAt: T0, shift, seed: s });
    return { key: { namespace: 'shop', service, metric }, points: x.times.map((t, i) => [t, x.values[i] ?? NaN]) };
  };
  return {
    name: 'replay',
    listSeries: async () => ({ results: [], errors: [] }),
    queryRange: async () => ({
      results: [mk('cache', 'latency_p95', 14, seed), mk('db', 'latency_p95', 10, seed + 1), mk('web', 'cpu', 0, seed + 2)],
      errors: [{ source: 'replay', message: 'one shard timed out' }],
    }),
  };
}

describe.each(ENGINES)('RCA service on $engine', ({ engine, open, available }) => {
  let t: TestDatabase | undefined;
  let store: Store;
  const clock = createManualClock(T0 + 10 * 60_000);
  const service = (seed: number): RcaService =>
    createRcaService({
      incidents: store.incidents,
      store: createRcaStore({ db: (t as TestDatabase).db, clock }),
      graph: staticServiceGraph([{ source: 'web', target: 'cache' }, { source: 'web', target: 'db' }]),
      clock,
      logger: silentLogger,
      metrics: scenarioSource(seed),
    });

  beforeAll(async () => {
    if (!(await available())) return;
    t = await open();
    store = createStore({ db: t.db, clock });
  });
  afterAll(async () => t?.dispose());

  const newIncident = async () => {
    const i = await store.incidents.create({ title: 'slow pages', services: ['web'] }, 'test');
    await t?.db.query('UPDATE incidents SET started_at = $2 WHERE id = $1', [i.id, new Date(T0)]);
    return i.id;
  };

  it('learns from a correction: the repeated scenario ranks the confirmed cause first', async (ctx) => {
    if (!t) return ctx.skip(`${engine} is not available here`);
    const first = await newIncident();
    const before = await service(1).get(first);
    expect(before.ranking[0]?.service).toBe('cache');
    expect(before.warnings).toContain('metrics source replay: one shard timed out');
    expect(await service(1).get(first)).toEqual(before); // stored, not recomputed

    const verdict = await service(1).recordRootCause(first, { service: 'db', metric: 'latency_p95' }, 'alice');
    expect(verdict).toMatchObject({ verdict: 'corrected', previous_top: 'cache', service: 'db', actor: 'alice' });

    const second = await newIncident();
    const after = await service(7).get(second);
    expect(after.ranking[0]?.service).toBe('db');
    expect(after.ranking[0]?.explanation).toMatch(/History: confirmed as root cause/);

    const probs = await service(7).rootCauseProbabilities();
    expect(probs.get('db')).toBeGreaterThan(0.5);
    await store.incidents.resolve(first, 'alice');
    await store.incidents.resolve(second, 'alice');
    expect((await service(7).rootCauseProbabilities()).size).toBe(0);
  });
});
