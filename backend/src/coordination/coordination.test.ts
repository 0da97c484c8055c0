import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInProcessBus, type BusEvent } from '../events/bus.js';
import { silentLogger } from '../platform/logger.js';
import type { Session } from '../store/db.js';
import { postgresReachable, postgresTestDatabase, type TestDatabase } from '../../test/helpers/db.js';
import { inProcessQueue, pgBossQueue, type JobQueue } from './jobs.js';
import { createLeases, type Stoppable } from './lease.js';
import { createMembership, rendezvousOwner } from './membership.js';
import { postgresLeaseBackend } from './postgres-lease.js';
import { createEventRelay } from './relay.js';

const waitFor = async (cond: () => boolean | Promise<boolean>, ms = 10_000) => {
  const until = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
};

describe('rendezvous sharding', () => {
  it('gives each key one owner, the same on every replica, and moves only the leaver’s keys', () => {
    const keys = Array.from({ length: 600 }, (_, i) => `boutique/svc-${i % 11}/metric-${i}`);
    const three = ['a', 'b', 'c'];
    const owners = keys.map((k) => rendezvousOwner(three, k));
    expect(owners.every((o) => three.includes(o!))).toBe(true);
    for (const r of three) expect(owners.filter((o) => o === r).length).toBeGreaterThan(120); // roughly a third each
    expect(keys.map((k) => rendezvousOwner([...three].reverse(), k))).toEqual(owners); // order does not matter
    const afterCLeaves = keys.map((k) => rendezvousOwner(['a', 'b'], k));
    keys.forEach((_k, i) => {
      if (owners[i] !== 'c') expect(afterCLeaves[i]).toBe(owners[i]);
    });
  });
});

describe('in-process job queue (the embedded store’s)', () => {
  jobQueueContract(async () => inProcessQueue({ logger: silentLogger }));
});

const pg = await postgresReachable();

describe.skipIf(!pg)('on PostgreSQL: two replicas', () => {
  let t: TestDatabase;
  const sessions: Session[] = [];
  const open = async () => {
    const s = await t.db.openSession!();
    sessions.push(s);
    return s;
  };
  beforeAll(async () => {
    t = await postgresTestDatabase();
  });
  afterAll(async () => {
    for (const s of sessions) await s.end();
    await t?.dispose();
  });

  it('runs a singleton on one replica and moves it when the holder’s connection dies', async () => {
    let killA: () => Promise<void> = async () => {};
    let aIsGone = false;
    const running: string[] = [];
    const singleton = (who: string) => (): Stoppable => {
      running.push(who);
      return { stop: () => void running.splice(running.indexOf(who), 1) };
    };
    const a = createLeases({
      backend: postgresLeaseBackend(async () => {
        if (aIsGone) throw new Error('connection refused');
        const s = await open();
        // As if the process were SIGKILLed: its session ends without a release and it never reconnects.
        killA = () => {
          aIsGone = true;
          return s.end();
        };
        return s;
      }),
      holder: 'a',
      logger: silentLogger,
      ttlMs: 600,
    });
    a.singleton('watch', singleton('a'));
    await waitFor(() => running.includes('a'));
    const b = createLeases({ backend: postgresLeaseBackend(open), holder: 'b', logger: silentLogger, ttlMs: 600 });
    b.singleton('watch', singleton('b'));
    await new Promise((r) => setTimeout(r, 700)); // b has asked at least twice
    expect(running).toEqual(['a']);

    await killA();
    await waitFor(() => running.includes('b'));
    expect(b.status()).toEqual([{ name: 'watch', held: true, since: expect.any(String) }]);
    await waitFor(() => !running.includes('a'));
    expect(running).toEqual(['b']);
    await a.close();
    await b.close();
  });

  it('releases a lease on a clean close, so the follower takes it at once', async () => {
    const a = createLeases({ backend: postgresLeaseBackend(open), holder: 'a', logger: silentLogger, ttlMs: 60_000 });
    const b = createLeases({ backend: postgresLeaseBackend(open), holder: 'b', logger: silentLogger, ttlMs: 600 });
    a.singleton('retention', () => ({ stop() {} }));
    await waitFor(() => a.status()[0]?.held === true);
    b.singleton('retention', () => ({ stop() {} }));
    await a.close();
    await waitFor(() => b.status()[0]?.held === true, 2_000);
    await b.close();
  });

  it('lists live replicas and splits series between them', async () => {
    const a = createMembership({ db: t.db, self: { id: 'rep-a', host: 'h', pid: 1, version: 'v' }, logger: silentLogger, heartbeatMs: 200 });
    const b = createMembership({ db: t.db, self: { id: 'rep-b', host: 'h', pid: 2, version: 'v' }, logger: silentLogger, heartbeatMs: 200 });
    await a.start();
    await b.start();
    await a.heartbeat();
    expect(a.live()).toEqual(['rep-a', 'rep-b']);
    const keys = Array.from({ length: 100 }, (_, i) => `ns/svc/m${i}`);
    expect(keys.filter((k) => a.owns(k) === b.owns(k))).toEqual([]); // each series scored by exactly one
    await b.stop();
    await a.heartbeat();
    expect(a.live()).toEqual(['rep-a']);
    expect(keys.every((k) => a.owns(k))).toBe(true);
    expect((await a.list()).map((r) => r.id)).toEqual(['rep-a']);
    await a.stop();
  });

  it('relays events to the other replica’s view, not to its local bus', async () => {
    const busA = createInProcessBus({ logger: silentLogger, now: () => new Date() });
    const busB = createInProcessBus({ logger: silentLogger, now: () => new Date() });
    let joinsSeenByA = 0;
    const relayA = await createEventRelay({ bus: busA, db: t.db, openSession: open, origin: 'a', logger: silentLogger, flushMs: 5, onPeerJoined: () => void joinsSeenByA++ });
    const relayB = await createEventRelay({ bus: busB, db: t.db, openSession: open, origin: 'b', logger: silentLogger, flushMs: 5 });
    await waitFor(() => joinsSeenByA === 1); // B announced itself, so A need not wait for a heartbeat to relay to it
    const seenByView: BusEvent[] = [];
    const seenByLocalB: BusEvent[] = [];
    relayB.view.subscribe('incidents', (e) => void seenByView.push(e));
    busB.subscribe('*', (e) => void seenByLocalB.push(e));
    busA.publish('incidents', 'incident.opened', { id: 'i1' });
    busA.publish('incidents', 'incident.updated', { id: 'i1', blob: 'x'.repeat(20_000) }); // over NOTIFY's limit
    busA.publish('anomalies', 'anomaly.opened', { id: 'an1' }); // a topic B's view did not ask for
    busA.publish('incidents', 'incident.signal', { incident_id: 'i1', signal: { id: 's1', summary: 'down', payload: { raw: 'body' } } });
    await waitFor(() => seenByView.length === 3);
    expect(seenByView.map((e) => e.type)).toEqual(['incident.opened', 'incident.updated', 'incident.signal']);
    expect(seenByView[2]?.data).toEqual({ incident_id: 'i1', signal: { id: 's1', summary: 'down' } }); // the raw body stays home
    expect((seenByView[1]?.data as { blob: string }).blob).toHaveLength(20_000);
    busB.publish('incidents', 'incident.opened', { id: 'i2' }); // B's own event reaches its view once
    await waitFor(() => seenByView.length === 4);
    await new Promise((r) => setTimeout(r, 100));
    expect(seenByView).toHaveLength(4);
    expect(seenByLocalB.map((e) => e.type)).toEqual(['incident.opened']);
    await relayA.close();
    await relayB.close();
  });

  describe('pg-boss job queue', () => {
    jobQueueContract(async () => pgBossQueue({ db: t.db, logger: silentLogger, pollingIntervalSeconds: 0.5 }));

    it('hands a job whose replica stopped mid-way to another replica', async () => {
      const a = await pgBossQueue({ db: t.db, logger: silentLogger, pollingIntervalSeconds: 0.5 });
      const b = await pgBossQueue({ db: t.db, logger: silentLogger, pollingIntervalSeconds: 0.5 });
      await a.define('handover', { retryDelaySeconds: 1 });
      const done: string[] = [];
      let started = false;
      await a.work('handover', async () => {
        started = true;
        await new Promise(() => {}); // never finishes: this replica is about to go away
      });
      await a.send('handover', { n: 1 }, { key: 'incident-1' });
      await waitFor(() => started);
      await a.stop(); // its running job goes back to the queue
      await b.work<{ n: number }>('handover', async (d) => void done.push(`b:${d.n}`));
      await waitFor(() => done.length === 1, 15_000);
      expect(done).toEqual(['b:1']);
      await b.stop();
    });
  });
});

/** What both queue adapters promise. */
function jobQueueContract(make: () => Promise<JobQueue>) {
  it('runs every job once across workers and absorbs a duplicate key while it waits', async () => {
    const q1 = await make();
    const q2 = await make();
    const name = `contract-${Math.random().toString(36).slice(2, 8)}`;
    await q1.define(name);
    await q2.define(name);
    expect(await q1.send(name, { n: 0 }, { key: 'k0' })).toEqual(expect.any(String));
    expect(await q1.send(name, { n: 0 }, { key: 'k0' })).toBeNull();
    for (let n = 1; n < 20; n++) await q1.send(name, { n }, { key: `k${n}` });
    const seen: number[] = [];
    // With the in-process adapter each instance is its own queue; the second one only proves work() is per instance.
    for (const q of q1.kind === 'pg-boss' ? [q1, q2] : [q1])
      await q.work<{ n: number }>(name, async ({ n }) => void seen.push(n), { concurrency: 2 });
    await waitFor(() => seen.length >= 20, 20_000);
    await new Promise((r) => setTimeout(r, 300));
    expect([...seen].sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    await q1.stop();
    await q2.stop();
  });

  it('retries a job whose handler fails', async () => {
    const q = await make();
    const name = `retry-${Math.random().toString(36).slice(2, 8)}`;
    await q.define(name, { retryLimit: 2, retryDelaySeconds: 1 });
    let attempts = 0;
    await q.work(name, async () => {
      attempts++;
      if (attempts < 2) throw new Error('transient');
    });
    await q.send(name, {});
    await waitFor(() => attempts === 2, 15_000);
    await q.stop();
  });
}
