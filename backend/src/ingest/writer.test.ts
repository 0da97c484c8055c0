import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES, POSTGRES_URL, type TestDatabase } from '../../test/helpers/db.js';
import { createInProcessBus, type BusEvent } from '../events/bus.js';
import { staticServiceGraph } from '../graph/port.js';
import { createManualClock } from '../platform/clock.js';
import { silentLogger } from '../platform/logger.js';
import { createStore, openDatabase, type Store } from '../store/index.js';
import { anomalySignal, kubernetesSignal } from './internal.js';
import { alertSignals } from './alerts.js';
import { createIngest } from './service.js';
import type { Signal } from './signal.js';
import { createSignalWriter } from './writer.js';

// frontend → checkout → payment; adservice stands alone.
const graph = staticServiceGraph(
  [
    { source: 'frontend', target: 'checkout' },
    { source: 'checkout', target: 'payment' },
  ],
  ['adservice'],
);

function alert(service: string | null, fingerprint: string, status: 'firing' | 'resolved' = 'firing'): Signal {
  const labels: Record<string, string> = { alertname: 'HighLatency', ...(service ? { service } : {}) };
  const [signal] = alertSignals('grafana', {
    groupKey: 'g',
    commonLabels: {},
    externalURL: '',
    alerts: [{ status, labels, annotations: {}, startsAt: '2026-01-01T00:00:00Z', generatorURL: '', fingerprint }],
  });
  return signal as Signal;
}

const anomaly = (id: string, service: string) =>
  anomalySignal(
    {
      id,
      namespace: 'shop',
      service,
      metric: 'latency_p95',
      start: '2026-01-01T00:00:30Z',
      score: 0.99,
      detectors: ['mad'],
      group_id: '',
    },
    'firing',
  );

describe.each(ENGINES)('signal writer on $engine', ({ engine, open, available }) => {
  let t: TestDatabase | undefined;
  let store: Store;
  const clock = createManualClock(Date.UTC(2026, 0, 1, 0, 1));
  const events: BusEvent[] = [];
  const bus = createInProcessBus({ logger: silentLogger, now: () => clock.now() });
  bus.subscribe('incidents', (e) => {
    events.push(e);
  });

  beforeAll(async () => {
    if (!(await available())) return;
    t = await open();
    store = createStore({ db: t.db, clock });
  });
  afterAll(async () => t?.dispose());

  const writer = () => createSignalWriter({ store, graph, bus, clock, logger: silentLogger, windowMs: 10 * 60_000 });
  const incidentsOf = async (service: string) => (await store.incidents.list({ service, limit: 100 })).items;

  it('joins a Grafana alert and an Aegis anomaly on the same service into one incident', async (ctx) => {
    if (!t) return ctx.skip();
    const w = writer();
    const [a] = await w.submit([alert('payment', 'p1')]);
    const [b] = await w.submit([anomaly('00000000-0000-4000-8000-000000000001', 'payment')]);
    expect(a).toMatchObject({ result: 'opened' });
    expect(b).toMatchObject({ result: 'joined', incident_id: a?.incident_id });
    const detail = await store.incidents.getDetail(a?.incident_id ?? '');
    expect(detail.signals.map((s) => s.source).sort()).toEqual(['anomaly', 'grafana']);
    await bus.drain();
    expect(events.filter((e) => e.type === 'incident.opened')).toHaveLength(1);
    expect(events.find((e) => e.type === 'incident.signal')?.data).toMatchObject({
      incident_id: a?.incident_id,
      signal: { source: 'anomaly', service: 'payment' },
    });
  });

  it('joins connected services, keeps unconnected ones apart, and widens the services', async (ctx) => {
    if (!t) return ctx.skip();
    const w = writer();
    const [first] = await w.submit([alert('frontend', 'f1')]);
    const [warning] = await w.submit([
      kubernetesSignal(
        {
          namespace: 'shop',
          uid: 'ev-1',
          type: 'Warning',
          reason: 'OOMKilled',
          message: 'container killed',
          object: { kind: 'Pod', name: 'checkout-7d9f8c6b5-x2k4q' },
          count: 1,
          firstSeen: '2026-01-01T00:00:40Z',
        },
        clock.now(),
      ) as Signal,
    ]);
    const [other] = await w.submit([alert('adservice', 'a1')]);
    // checkout is connected to frontend (and to payment's incident): it joins an open incident, not a new one.
    expect(warning?.result).toBe('joined');
    expect(other?.result).toBe('opened');
    expect(other?.incident_id).not.toBe(first?.incident_id);
    const joined = await store.incidents.get(warning?.incident_id ?? '');
    expect(joined.services).toContain('checkout');
  });

  it('never chains incidents along the graph: a neighbour of a joined neighbour gets its own incident', async (ctx) => {
    if (!t) return ctx.skip();
    const chain = staticServiceGraph([
      { source: 'edge-a', target: 'edge-b' },
      { source: 'edge-b', target: 'edge-c' },
      { source: 'edge-c', target: 'edge-d' },
    ]);
    const w = createSignalWriter({ store, graph: chain, bus, clock, logger: silentLogger, windowMs: 10 * 60_000 });
    const [a] = await w.submit([alert('edge-a', 'chain-a')]);
    const [b] = await w.submit([alert('edge-b', 'chain-b')]);
    const [c] = await w.submit([alert('edge-c', 'chain-c')]);
    const [d] = await w.submit([alert('edge-d', 'chain-d')]);
    // edge-b is a direct dependency of edge-a: the same problem. edge-c only touches edge-b, which joined.
    expect(b).toMatchObject({ result: 'joined', incident_id: a?.incident_id });
    expect(c?.result).toBe('opened');
    expect(d).toMatchObject({ result: 'joined', incident_id: c?.incident_id });
    expect((await store.incidents.get(a?.incident_id ?? '')).services.sort()).toEqual(['edge-a', 'edge-b']);
  });

  it('a second fault on an unrelated dependency of a user-facing service gets its own incident, not the first one\'s', async (ctx) => {
    if (!t) return ctx.skip();
    const shop = staticServiceGraph([
      { source: 'web', target: 'web-cart' },
      { source: 'web', target: 'web-shipping' },
      { source: 'web-checkout', target: 'web-cart' },
      { source: 'web', target: 'web-checkout' },
    ]);
    const w = createSignalWriter({ store, graph: shop, bus, clock, logger: silentLogger, windowMs: 10 * 60_000 });
    // The user-facing service alarms first, then the two overlapping faults' own services in one batch.
    const [front] = await w.submit([anomaly('00000000-0000-4000-8000-0000000000a1', 'web')]);
    const [shipping, cart] = await w.submit([
      anomaly('00000000-0000-4000-8000-0000000000a2', 'web-shipping'),
      anomaly('00000000-0000-4000-8000-0000000000a3', 'web-cart'),
    ]);
    const [checkout] = await w.submit([anomaly('00000000-0000-4000-8000-0000000000a4', 'web-checkout')]);
    expect(shipping).toMatchObject({ result: 'joined', incident_id: front?.incident_id });
    expect(cart?.result).toBe('opened');
    // A caller of the cart is the cart's problem, not the shipping one's (and it is also the user-facing service's neighbour).
    expect(checkout).toMatchObject({ result: 'joined', incident_id: cart?.incident_id });
    expect((await store.incidents.get(front?.incident_id ?? '')).services.sort()).toEqual(['web', 'web-shipping']);
  });

  it('opens a new incident once the window has passed', async (ctx) => {
    if (!t) return ctx.skip();
    const w = writer();
    const [a] = await w.submit([alert('adservice', 'late-1')]);
    expect(a?.result).toBe('joined');
    clock.advance(11 * 60_000);
    const [b] = await w.submit([alert('adservice', 'late-2')]);
    expect(b?.result).toBe('opened');
  });

  it('groups signals without a service by their alert group, and ignores Normal Kubernetes events', async (ctx) => {
    if (!t) return ctx.skip();
    const w = writer();
    const out = await w.submit([alert(null, 'n1'), alert(null, 'n2')]);
    expect(out.map((o) => o.result)).toEqual(['opened', 'joined']);
    expect(
      kubernetesSignal(
        {
          namespace: 'shop',
          uid: 'x',
          type: 'Normal',
          reason: 'Scheduled',
          message: '',
          object: { kind: 'Pod', name: 'p' },
          count: 1,
        },
        clock.now(),
      ),
    ).toBeUndefined();
  });

  it('publishes anomaly events from the bus as signals, and their close resolves them', async (ctx) => {
    if (!t) return ctx.skip();
    const ingest = createIngest({ store, graph, bus, clock, logger: silentLogger });
    const message = {
      id: '00000000-0000-4000-8000-0000000000aa',
      namespace: 'shop',
      service: 'solo',
      metric: 'memory',
      start: clock.now().toISOString(),
      score: 0.9,
      detectors: [],
      group_id: '',
    };
    bus.publish('anomalies', 'anomaly.opened', message);
    await bus.drain();
    await ingest.writer.flush();
    const [incident] = await incidentsOf('solo');
    expect(incident).toMatchObject({ source: 'anomaly', status: 'open' });
    bus.publish('anomalies', 'anomaly.closed', { ...message, open: false });
    await bus.drain();
    await ingest.close();
    expect((await store.incidents.get(incident?.id ?? '')).status).toBe('resolved');
  });

  it('reconciles open anomalies at start: missed ones become signals, ingested ones are duplicates', async (ctx) => {
    if (!t) return ctx.skip();
    const ingest = createIngest({ store, graph, bus, clock, logger: silentLogger });
    const a = {
      id: '00000000-0000-4000-8000-0000000000c1',
      namespace: 'shop',
      service: 'recon',
      metric: 'cpu',
      start: clock.now().toISOString(),
      score: 0.95,
      detectors: [],
      group_id: '',
    };
    expect(await ingest.reconcileAnomalies(async () => [a, { nonsense: true }])).toBe(1);
    expect(await ingest.reconcileAnomalies(async () => [a])).toBe(0);
    await ingest.close();
  });

  it('keeps an incident open (annotated) when its alerts resolve while a remediation is in flight', async (ctx) => {
    if (!t) return ctx.skip();
    const w = writer();
    const [fired] = await w.submit([alert('busy', 'busy-1')]);
    const id = fired?.incident_id ?? '';
    const r = await store.remediations.create({
      incidentId: id,
      actionType: 'restart',
      target: 'busy',
      namespace: 'shop',
      plan: {},
    });
    await t.db.query("UPDATE remediations SET status = 'applying' WHERE id = $1", [r.id]);
    const [resolved] = await w.submit([alert('busy', 'busy-1', 'resolved')]);
    expect(resolved).toMatchObject({ result: 'resolved', incident_id: id });
    const detail = await store.incidents.getDetail(id);
    expect(detail.status).not.toBe('resolved');
    expect(detail.timeline.map((e) => e.message)).toContain(
      'all alerts resolved; a remediation is in flight, so the incident stays open',
    );
    const [unknown] = await w.submit([alert('busy', 'never-fired', 'resolved')]);
    expect(unknown?.result).toBe('unmatched');
  });

  it('stores a signal that fires and resolves within one batch as resolved', async (ctx) => {
    if (!t) return ctx.skip();
    const w = writer();
    const out = await w.submit([alert('blip', 'blip-1'), alert('blip', 'blip-1', 'resolved')]);
    expect(out.map((o) => o.result)).toEqual(['opened', 'resolved']);
    expect((await store.incidents.get(out[0]?.incident_id ?? '')).status).toBe('resolved');
  });

  it('creates exactly one incident for concurrent deliveries of the same alert from several replicas', async (ctx) => {
    if (!t || engine !== 'postgres') return ctx.skip();
    // Each "replica" has its own pool and writer on the same database, as separate processes would.
    const dbName = (await t.db.query<{ name: string }>('SELECT current_database() AS name')).rows[0]?.name ?? '';
    const url = new URL(POSTGRES_URL);
    url.pathname = `/${dbName}`;
    const replicas = await Promise.all(
      [1, 2, 3].map(() => openDatabase({ engine: 'postgres', url: url.toString(), poolSize: 4 })),
    );
    const raceGraph = staticServiceGraph([{ source: 'race-a', target: 'race-b' }]);
    try {
      const writers = replicas.map((db) =>
        createSignalWriter({
          store: createStore({ db, clock }),
          graph: raceGraph,
          bus,
          clock,
          logger: silentLogger,
          parallel: 2,
          maxBatch: 5,
        }),
      );
      // Four distinct alerts on two connected services, each delivered 30 times, spread over the replicas.
      await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          writers[i % writers.length]?.submit([alert('race-a', `race-a${i % 2}`), alert('race-b', `race-b${i % 2}`)]),
        ),
      );
      // Each alert's resolution arrives at a different replica at once: the last one must still resolve the incident.
      const keys = ['race-a0', 'race-a1']
        .map((f) => alert('race-a', f, 'resolved'))
        .concat(['race-b0', 'race-b1'].map((f) => alert('race-b', f, 'resolved')));
      await Promise.all(keys.map((k, i) => writers[i % writers.length]?.submit([k])));
      const a = await incidentsOf('race-a');
      expect(a[0]?.status).toBe('resolved');
      expect(a).toHaveLength(1);
      expect(a[0]?.services).toEqual(['race-a', 'race-b']);
      const signals = await t.db.query<{ n: string }>(
        `SELECT count(*) AS n FROM incident_signals WHERE incident_id = $1`,
        [a[0]?.id],
      );
      expect(Number(signals.rows[0]?.n)).toBe(4);
    } finally {
      await Promise.all(replicas.map((db) => db.close()));
    }
  });
});
