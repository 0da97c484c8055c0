import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgliteTestDatabase, type TestDatabase } from '../../../test/helpers/db.js';
import { createManualClock } from '../../platform/clock.js';
import { createDetectStore } from '../store.js';
import { type LiveCheckResult, runLiveCheck } from './live-check.js';

// The short version of `npm run bench:detect:live` (an hour quiet, every scenario).
describe('detection service on the simulated cluster, ticks up to 40 s late', () => {
  let tdb: TestDatabase;
  let result: LiveCheckResult;
  beforeAll(async () => {
    tdb = await pgliteTestDatabase();
    result = await runLiveCheck({
      store: createDetectStore({ db: tdb.db, clock: createManualClock() }),
      quietMinutes: 20,
      lateSeconds: 40,
      scenarios: [{ scenario: 'bad-deploy', service: 'checkoutservice' }],
      settleMinutes: 0,
    });
  }, 300_000);
  afterAll(async () => tdb.dispose());

  it('a healthy series rarely exceeds 0.5; a bad deploy crosses the alarm threshold within 5 minutes', () => {
    expect(result.quiet.above05 / result.quiet.points).toBeLessThan(0.02);
    expect(result.scenarios[0]?.minutesToThreshold ?? 99).toBeLessThanOrEqual(5);
  });

  it('opens no anomaly while the cluster is healthy, nor fires the provisioned rule; one opens on the faulty service within 5 minutes', () => {
    expect(result.falseAlarms).toEqual([]);
    expect(result.quiet.ruleFirings).toBe(0);
    expect(result.scenarios[0]?.minutesToAnomaly ?? 99).toBeLessThanOrEqual(5);
  });
});
