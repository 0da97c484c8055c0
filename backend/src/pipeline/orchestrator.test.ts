import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createInProcessBus } from '../events/bus.js';
import { createExtensionRegistries } from '../extensions/index.js';
import { staticServiceGraph } from '../graph/index.js';
import { createManualClock } from '../platform/clock.js';
import { silentLogger } from '../platform/logger.js';
import type { RcaService } from '../rca/index.js';
import { createStore, type Database, migrate, openDatabase, type Store } from '../store/index.js';
import { defineAgent } from './agent.js';
import { createPipeline, createPipelineStore, createToolset, loadFixerModel, type Pipeline } from './index.js';

let db: Database;
let store: Store;
let pipeline: Pipeline;
const clock = createManualClock(Date.UTC(2026, 2, 1, 12));
const bus = createInProcessBus({ logger: silentLogger, now: () => clock.now() });
let hangs = 0;

/** What the RCA engine ranks now (a test changes it as evidence "arrives"). */
const evidence: Record<string, Array<{ service: string; probability: number }>> = {};
const rca: RcaService = {
  analyse: async (id) => ({
    id: 'r',
    incident_id: id,
    ranking: (evidence[id] ?? [{ service: 'cart', probability: 0.8 }]).map((r) => ({ ...r, score: r.probability, evidence: [], explanation: r.probability > 0.5 ? 'memory grows' : 'none of its metrics left its baseline' })),
    warnings: [],
    signature: {},
    fault_time: null,
    created_at: clock.now().toISOString(),
  }),
  get: async () => {
    throw new Error('unused');
  },
  recordRootCause: async () => {
    throw new Error('unused');
  },
  rootCauseProbabilities: async () => new Map(),
};

beforeAll(async () => {
  db = await openDatabase({ engine: 'pglite' });
  await migrate(db, silentLogger);
  store = createStore({ db, clock });
  const pipelineStore = createPipelineStore({ db, clock });
  const model = await loadFixerModel(pipelineStore);
  const registries = createExtensionRegistries();
  registries.agents.register(
    defineAgent({ id: 'always-fails', description: '', input: z.unknown(), output: z.unknown(), retries: 1, run: async () => Promise.reject(new Error('boom')) }) as never,
  );
  registries.agents.register(
    defineAgent({
      id: 'hangs',
      description: '',
      input: z.unknown(),
      output: z.unknown(),
      timeoutMs: 50,
      retries: 0,
      run: () => {
        hangs++;
        return new Promise(() => {});
      },
    }) as never,
  );
  pipeline = createPipeline({
    store,
    pipelineStore,
    bus,
    clock,
    logger: silentLogger,
    tools: createToolset({ graph: staticServiceGraph([{ source: 'frontend', target: 'cart' }]), namespace: 'shop' }),
    rca,
    fixerModel: () => model,
    defaultNamespace: 'shop',
    extensionAgents: registries.agents,
  });
  await pipeline.start();
});

afterAll(async () => {
  await pipeline.stop();
  await db.close();
});

describe('orchestrator', () => {
  it('runs every agent once per incident, records failures and timeouts, and goes on', async () => {
    const activity: string[] = [];
    bus.subscribe('agent-activity', (e) => void activity.push(e.type));
    const incident = await store.incidents.create({ title: 'cart is slow', services: ['cart'], namespace: 'shop' }, 'test');
    bus.publish('incidents', 'incident.opened', incident);
    bus.publish('incidents', 'incident.opened', incident); // a re-delivered event must not start a second run
    await bus.drain();
    await pipeline.idle();
    expect((await pipeline.run(incident.id)).ran).toBe(false);
    const execs = await store.executions.listByIncident(incident.id);
    const by = (agent: string) => execs.filter((e) => e.agent === agent);
    for (const agent of ['triage', 'log-analyst', 'metric-correlator', 'rca', 'security-auditor', 'compliance-checker', 'fixer']) expect(by(agent)).toHaveLength(1);
    expect(by('always-fails').map((e) => [e.status, e.attempt]).sort((a, b) => Number(a[1]) - Number(b[1]))).toEqual([['failed', 1], ['failed', 2]]);
    expect(by('hangs').map((e) => e.status)).toEqual(['timeout']);
    expect(hangs).toBe(1);
    const fixer = by('fixer')[0];
    expect(fixer?.status).toBe('success');
    expect((fixer?.output as { proposal_error: string }).proposal_error).toMatch(/no metrics source/);
    expect(by('rca')[0]?.output).toMatchObject({ ranking: [{ service: 'cart' }] });
    expect((await store.incidents.get(incident.id)).status).toBe('investigating');
    expect(activity).toEqual(expect.arrayContaining(['pipeline.started', 'agent.started', 'agent.finished', 'pipeline.finished']));
  });

  it('investigates again when a later signal brings evidence, without a second alert (debounced)', async () => {
    const incident = await store.incidents.create({ title: 'alert 1 s after the fault', services: ['cart'], namespace: 'shop' }, 'test');
    evidence[incident.id] = [{ service: 'frontend', probability: 0.04 }];
    await pipeline.run(incident.id);
    const runs = async (agent: string) => (await store.executions.listByIncident(incident.id)).filter((e) => e.agent === agent);
    expect(await runs('rca')).toHaveLength(1);
    // Detection now has evidence; its anomaly joins the incident.
    evidence[incident.id] = [{ service: 'cart', probability: 0.9 }, { service: 'frontend', probability: 0.05 }];
    const signal = { incident_id: incident.id, signal: { status: 'firing', service: 'cart' } };
    bus.publish('incidents', 'incident.signal', signal);
    bus.publish('incidents', 'incident.signal', signal);
    await bus.drain();
    clock.advance(5_000);
    await pipeline.sweep(); // inside the debounce period: nothing yet
    expect(await runs('rca')).toHaveLength(1);
    clock.advance(60_000);
    await pipeline.sweep();
    await pipeline.idle();
    const rcaRuns = await runs('rca');
    expect(rcaRuns).toHaveLength(2);
    expect((rcaRuns[1]?.output as { ranking: Array<{ service: string }> }).ranking[0]?.service).toBe('cart');
    const fixers = await runs('fixer');
    expect(fixers).toHaveLength(2);
    expect((fixers[1]?.output as { target: string }).target).toBe('cart');
    // Time passing with the incident still open is a reason too.
    clock.advance(10 * 60_000);
    await pipeline.sweep();
    await pipeline.idle();
    expect(await runs('rca')).toHaveLength(3);
  });

  it('looks again as time passes when the fixer found nothing abnormal to act on yet (a leak caught early grows)', async () => {
    const incident = await store.incidents.create({ title: 'memory anomaly on cart', services: ['cart'], namespace: 'shop' }, 'test');
    evidence[incident.id] = [{ service: 'cart', probability: 0.8 }];
    await pipeline.run(incident.id);
    const fixers = async () => (await store.executions.listByIncident(incident.id)).filter((e) => e.agent === 'fixer');
    expect(await fixers()).toHaveLength(1);
    // Same top cause, same probability: only time passed. The old pipeline never asked the fixer again.
    clock.advance(10 * 60_000);
    await pipeline.sweep();
    await pipeline.idle();
    expect(await fixers()).toHaveLength(2);
  });

  it('writes a postmortem when an incident is resolved', async () => {
    const incident = await store.incidents.create({ title: 'payments down', services: ['cart'], namespace: 'shop' }, 'test');
    await pipeline.run(incident.id);
    const resolved = await store.incidents.resolve(incident.id, 'bob', 'restarted by hand');
    bus.publish('incidents', 'incident.resolved', resolved);
    await bus.drain();
    await pipeline.idle();
    const pm = await createPipelineStore({ db, clock }).getPostmortem(incident.id);
    // The title follows the evidence: RCA ranks cart first with p=0.8.
    expect(pm?.markdown).toContain('# Postmortem: cart suspected: payments down');
    expect(pm?.markdown).toContain('**cart** (probability 0.80)');
    expect(pm?.markdown).toContain('restarted by hand');
    const similar = await pipeline.similar(incident.id);
    expect(similar[0]?.root_cause).toBe('cart');
  });
});
