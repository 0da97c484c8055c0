import type { Logger } from '../platform/logger.js';

/** Topic names shared by the bus and the WebSocket (DESIGN.md). */
export const TOPICS = [
  'incidents',
  'deployments',
  'compliance',
  'remediations',
  'notifications',
  'anomalies',
  'agent-activity',
] as const;
export type Topic = (typeof TOPICS)[number];

export interface BusEvent<T = unknown> {
  topic: Topic;
  type: string;
  at: string;
  data: T;
}

export type Subscriber = (event: BusEvent) => void | Promise<void>;

export interface EventBus {
  publish(topic: Topic, type: string, data: unknown): void;
  subscribe(topic: Topic | '*', handler: Subscriber): () => void;
  /** Resolves when every delivery started so far has finished (tests, graceful shutdown). */
  drain(): Promise<void>;
}

/**
 * In-process bus. Delivery is asynchronous and isolated: a subscriber that throws or rejects is
 * logged and never reaches the publisher or the other subscribers.
 */
export function createInProcessBus({ logger, now }: { logger: Logger; now: () => Date }): EventBus {
  const subscribers = new Map<Topic | '*', Set<Subscriber>>();
  const inFlight = new Set<Promise<void>>();

  const deliver = (handler: Subscriber, event: BusEvent) => {
    const run = (async () => {
      try {
        await handler(event);
      } catch (err) {
        logger.error('event subscriber failed', { topic: event.topic, type: event.type, err });
      }
    })();
    inFlight.add(run);
    void run.finally(() => inFlight.delete(run));
  };

  return {
    publish(topic, type, data) {
      const event: BusEvent = { topic, type, at: now().toISOString(), data };
      const targets = [...(subscribers.get(topic) ?? []), ...(subscribers.get('*') ?? [])];
      // Deliver after the publisher's current step, so a slow or throwing subscriber never blocks it.
      queueMicrotask(() => targets.forEach((h) => deliver(h, event)));
    },
    subscribe(topic, handler) {
      const set = subscribers.get(topic) ?? new Set();
      set.add(handler);
      subscribers.set(topic, set);
      return () => set.delete(handler);
    },
    async drain() {
      await new Promise((r) => setImmediate(r));
      while (inFlight.size) await Promise.all([...inFlight]);
    },
  };
}
