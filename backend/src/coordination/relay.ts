import type { BusEvent, EventBus, Subscriber, Topic } from '../events/bus.js';
import { errorMessage } from '../platform/errors.js';
import type { Logger } from '../platform/logger.js';
import type { Queryable, Session } from '../store/db.js';

export const RELAY_CHANNEL = 'aegis_events';
/** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more; bigger batches go through a table. */
const MAX_PAYLOAD = 7_000;
/** Events waiting to be relayed; past this the oldest go (WebSocket clients re-read state on reconnect anyway). */
const MAX_OUTBOX = 20_000;

export interface EventRelay {
  /**
   * This replica's events and every other replica's, for consumers that must see them all (WebSocket
   * clients, RCA feeds). Side effects (notifications, the pipeline) stay on the local bus, so they
   * happen once, on the replica where the event was raised.
   */
  readonly view: EventBus;
  close(): Promise<void>;
}

export interface EventRelayOptions {
  bus: EventBus;
  db: Queryable;
  openSession: () => Promise<Session>;
  origin: string;
  logger: Logger;
  /** Local events are sent in batches this often: one NOTIFY per batch, not per event, in an alert flood. */
  flushMs?: number;
  /** Whether another replica is alive to hear them; alone, nothing is sent (default: always send). */
  hasPeers?: () => boolean;
  /** Another replica announced itself: refresh who is alive now rather than at the next heartbeat. */
  onPeerJoined?: () => void;
}

interface Envelope {
  origin: string;
  events?: BusEvent[];
  ref?: number;
  joined?: true;
}

/** Replicas share events through LISTEN/NOTIFY on their one PostgreSQL. */
export async function createEventRelay(o: EventRelayOptions): Promise<EventRelay> {
  const remote = new Map<Topic | '*', Set<Subscriber>>();
  const outbox: BusEvent[] = [];
  let flushing: Promise<void> | undefined;
  let session: Session | undefined;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  const flushMs = o.flushMs ?? 50;

  const deliver = (event: BusEvent) => {
    for (const h of [...(remote.get(event.topic) ?? []), ...(remote.get('*') ?? [])]) {
      void Promise.resolve()
        .then(() => h(event))
        .catch((err: unknown) => o.logger.error('relayed event subscriber failed', { topic: event.topic, err: errorMessage(err) }));
    }
  };

  async function receive(payload: string) {
    const env = JSON.parse(payload) as Envelope;
    if (env.origin === o.origin) return;
    if (env.joined) return o.onPeerJoined?.();
    let events = env.events ?? [];
    if (env.ref !== undefined) {
      const { rows } = await o.db.query<{ body: BusEvent[] }>('SELECT body FROM relayed_events WHERE id = $1', [env.ref]);
      events = rows[0]?.body ?? [];
    }
    events.forEach(deliver);
  }

  async function listen() {
    if (closed) return;
    try {
      const s = await o.openSession();
      s.onNotification((channel, payload) => {
        if (channel === RELAY_CHANNEL) void receive(payload).catch((err: unknown) => o.logger.warn('relayed event dropped', { err: errorMessage(err) }));
      });
      s.onEnd(() => {
        if (session === s) session = undefined;
        if (!closed) {
          o.logger.warn('event relay connection lost; reconnecting');
          retry = setTimeout(() => void listen(), 1_000);
          retry.unref();
        }
      });
      await s.query(`LISTEN ${RELAY_CHANNEL}`);
      session = s;
    } catch (err) {
      o.logger.warn('event relay cannot listen; retrying', { err: errorMessage(err) });
      retry = setTimeout(() => void listen(), 2_000);
      retry.unref();
    }
  }

  async function flush() {
    const events = outbox.splice(0);
    if (!events.length) return;
    let payload = JSON.stringify({ origin: o.origin, events } satisfies Envelope);
    if (Buffer.byteLength(payload) > MAX_PAYLOAD) {
      const { rows } = await o.db.query<{ id: number }>('INSERT INTO relayed_events (origin, body) VALUES ($1, $2) RETURNING id', [o.origin, JSON.stringify(events)]);
      payload = JSON.stringify({ origin: o.origin, ref: Number(rows[0]?.id) } satisfies Envelope);
    }
    await o.db.query('SELECT pg_notify($1, $2)', [RELAY_CHANNEL, payload]);
  }

  const scheduleFlush = () => {
    flushing ??= new Promise<void>((resolve) => setTimeout(resolve, flushMs).unref())
      .then(flush)
      .catch((err: unknown) => o.logger.warn('events not relayed to other replicas', { err: errorMessage(err) }))
      .finally(() => {
        flushing = undefined;
        if (outbox.length) scheduleFlush();
      });
  };

  const unsubscribe = o.bus.subscribe('*', (event) => {
    if (o.hasPeers && !o.hasPeers()) return;
    outbox.push(withoutRawPayload(event));
    if (outbox.length > MAX_OUTBOX) {
      outbox.splice(0, outbox.length - MAX_OUTBOX);
      o.logger.warn('event relay is behind; oldest events not relayed to other replicas', { kept: MAX_OUTBOX });
    }
    scheduleFlush();
  });
  await listen();
  await o.db.query('SELECT pg_notify($1, $2)', [RELAY_CHANNEL, JSON.stringify({ origin: o.origin, joined: true } satisfies Envelope)]);

  const view: EventBus = {
    publish: (topic, type, data) => o.bus.publish(topic, type, data),
    subscribe(topic, handler) {
      const set = remote.get(topic) ?? new Set();
      set.add(handler);
      remote.set(topic, set);
      const local = o.bus.subscribe(topic, handler);
      return () => {
        set.delete(handler);
        local();
      };
    },
    drain: () => o.bus.drain(),
  };

  return {
    view,
    async close() {
      closed = true;
      clearTimeout(retry);
      unsubscribe();
      await flushing;
      await session?.end();
    },
  };
}

/**
 * A signal's raw webhook body is most of an `incident.signal` event and nobody elsewhere reads it (the
 * UI refetches from the API); it stays in the database, and relaying it would double an alert flood's load.
 */
function withoutRawPayload(event: BusEvent): BusEvent {
  const data = event.data as { signal?: { payload?: unknown } } | undefined;
  if (data?.signal?.payload === undefined) return event;
  const { payload: _payload, ...signal } = data.signal;
  return { ...event, data: { ...data, signal } };
}

/** Old oversized batches: every replica has long since read them. */
export async function pruneRelayedEvents(db: Queryable): Promise<number> {
  const { rowCount } = await db.query(`DELETE FROM relayed_events WHERE created_at < now() - interval '10 minutes'`);
  return rowCount;
}
