import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createManualClock } from '../platform/clock.js';
import { silentLogger } from '../platform/logger.js';
import { createStore, type Database, migrate, openDatabase, type Store } from '../store/index.js';
import { handledElsewhere, proposalsToMoveHere, relatedServices } from './ownership.js';

let db: Database;
let store: Store;
const clock = createManualClock(Date.UTC(2026, 2, 1, 12));

beforeAll(async () => {
  db = await openDatabase({ engine: 'pglite' });
  await migrate(db, silentLogger);
  store = createStore({ db, clock });
});
afterAll(async () => db.close());

const signal = (incidentId: string, service: string, key: string) =>
  db.query(`INSERT INTO incident_signals (incident_id, source, dedupe_key, service, summary) VALUES ($1, 'anomaly', $2, $3, 'anomaly')`, [incidentId, key, service]);

describe('which incident fixes a service', () => {
  it('one fault, two incidents: the one with the service’s own signals fixes it; the other points there and its proposal moves', async () => {
    // emailservice saturates: its own anomaly opens one incident; fewer payments (a side effect, not a neighbour) open another.
    const own = await store.incidents.create({ title: 'latency anomaly on emailservice', services: ['emailservice'], namespace: 'shop' }, 'test');
    const side = await store.incidents.create({ title: 'request_rate anomaly on paymentservice', services: ['paymentservice'], namespace: 'shop' }, 'test');
    await signal(own.id, 'emailservice', 'a1');
    await signal(side.id, 'paymentservice', 'a2');
    expect(await handledElsewhere(db, side.id, ['emailservice', 'paymentservice'])).toEqual([{ service: 'emailservice', incident_id: own.id, title: own.title }]);
    expect(await handledElsewhere(db, own.id, ['emailservice'])).toEqual([]);
    // The side incident ran first and proposed on emailservice (the old pipeline then refused the own incident's proposal).
    const early = await store.remediations.create({ incidentId: side.id, actionType: 'scale-out', target: 'emailservice', namespace: 'shop', confidence: 0.8, plan: {} });
    expect(await proposalsToMoveHere(db, own.id)).toEqual([{ id: early.id, target: 'emailservice', incident_id: side.id }]);
    expect(await proposalsToMoveHere(db, side.id)).toEqual([]);
    // Resolved incidents hold nothing.
    await store.incidents.resolve(own.id, 'test', 'done');
    expect(await handledElsewhere(db, side.id, ['emailservice'])).toEqual([]);
  });

  it('a fix may target the signals’ services, everything they depend on, and their direct callers — not an unconnected service', async () => {
    const edges: Array<[string, string]> = [['frontend', 'checkout'], ['checkout', 'payment'], ['checkout', 'email'], ['frontend', 'cart'], ['cart', 'redis']];
    const neighbours = async (s: string) => ({ upstream: edges.filter((e) => e[1] === s).map((e) => e[0]), downstream: edges.filter((e) => e[0] === s).map((e) => e[1]) });
    expect((await relatedServices(['checkout'], neighbours)).sort()).toEqual(['checkout', 'email', 'frontend', 'payment']);
    expect((await relatedServices(['frontend'], neighbours)).sort()).toEqual(['cart', 'checkout', 'email', 'frontend', 'payment', 'redis']);
    expect(await relatedServices(['payment'], neighbours)).not.toContain('cart');
  });
});
