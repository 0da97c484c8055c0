import type { BusEvent, EventBus, Topic } from '../events/bus.js';
import type { Extension } from '../extensions/registries.js';
import type { Registry } from '../platform/registry.js';
import type { Logger } from '../platform/logger.js';

/** A notification channel: built-ins (Slack, Grafana annotations) and user modules register the same way. */
export interface Notifier extends Extension {
  id: string;
  /** Topics it wants; all when absent. */
  topics?: Topic[];
  notify(event: BusEvent): Promise<void>;
}

export function isNotifier(entry: Extension): entry is Notifier {
  return typeof entry.notify === 'function';
}

export interface NotificationDispatcher {
  /** Deliveries that failed since start, per notifier (a broken channel never stops the others). */
  failures(): Record<string, number>;
  close(): void;
}

/** Hands every bus event to each registered notifier that wants its topic; failures are logged and counted. */
export function dispatchNotifications(o: {
  bus: EventBus;
  notifiers: Registry<Extension>;
  logger: Logger;
}): NotificationDispatcher {
  const failures: Record<string, number> = {};
  const unsubscribe = o.bus.subscribe('*', async (event) => {
    const targets = o.notifiers
      .list()
      .filter(isNotifier)
      .filter((n) => !n.topics || n.topics.includes(event.topic));
    await Promise.all(
      targets.map((n) =>
        n.notify(event).catch((err: unknown) => {
          failures[n.id] = (failures[n.id] ?? 0) + 1;
          o.logger.warn('notification failed', { notifier: n.id, topic: event.topic, type: event.type, err });
        }),
      ),
    );
  });
  return { failures: () => ({ ...failures }), close: unsubscribe };
}
