import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgliteTestDatabase, type TestDatabase } from '../../../test/helpers/db.js';
import { createManualClock } from '../../platform/clock.js';
import { createDetectStore } from '../store.js';
import { runLiveCheck } from './live-check.js';

// The short version of `npm run bench:detect:live` (an hour quiet, every scenario).
describe('detection service on the simulated cluster', () => {
  let tdb: TestDatabase;
  beforeAll(async () => {
    tdb = await pgliteTestDatabase();
  });
  afterAll(async () => tdb.dispose());

  it('opens nothing while the cluster is healthy, even with late ticks; a fault crosses the threshold within 5 minutes', async () => {
    const store = createDetectStore({ db: tdb.db, clock: createManualClock() });
    const result = await runLiveCheck({
      store,
      quietMinutes: 20,
      lateSeconds: 40,
      scenarios: [{ scenario: 'bad-deploy', service: 'checkoutservice' }],
      settleMinutes: 0,
    });
    expect(result.falseAlarms).toEqual([]);
    expect(result.quiet.opened).toBe(0);
    expect(result.quiet.above05 / result.quiet.points).toBeLessThan(0.02); // a healthy series rarely exceeds 0.5
    const fault = result.scenarios[0];
    expect(fault?.minutesToThreshold).not.toBeNull();
    expect(fault?.minutesToThreshold ?? 99).toBeLessThanOrEqual(5);
  }, 240_000);
});
