import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgliteTestDatabase, type TestDatabase } from '../../test/helpers/db.js';
import { systemClock } from '../platform/clock.js';
import { createStore } from '../store/index.js';
import { createPipelineStore } from './store.js';

// Issue 19: the Agents page reported 100% success for a fixer whose proposal policy refused.
describe('agent statistics', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await pgliteTestDatabase();
  });
  afterAll(async () => t?.dispose());

  it('count a refused proposal and an abstention as such, not as plain successes', async () => {
    const store = createStore({ db: t.db, clock: systemClock });
    const incident = await store.incidents.create({ title: 'x', services: ['cart'] }, 'test');
    const run = async (output: unknown, status: 'success' | 'failed' = 'success') => {
      const e = await store.executions.start({ incidentId: incident.id, agent: 'fixer', input: {} });
      await store.executions.finish(e.id, { status, output });
    };
    await run({ plan: { action: 'restart-deployment' }, remediation_id: 'r1', proposal_error: null });
    await run({ plan: { action: 'rollback-deployment' }, proposal_error: 'policy refuses rollback-deployment in namespace prod' });
    await run({ plan: { action: 'none', rationale: 'confidence below 50%' }, proposal_error: 'confidence below 50%' });
    await run(null, 'failed');
    const stats = await createPipelineStore({ db: t.db, clock: systemClock }).agentStats(new Date(0), new Date(Date.now() + 60_000));
    expect(stats).toEqual([expect.objectContaining({ agent: 'fixer', runs: 4, successes: 3, refusals: 1, abstentions: 1 })]);
  });
});
