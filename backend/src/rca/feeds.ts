import { z } from 'zod';
import type { EventBus } from '../events/bus.js';
import type { Clock } from '../platform/clock.js';
import type { AnomalyFeed, ChangeFeed } from './service.js';
import type { AnomalyEventInput, ChangeEventInput } from './types.js';

const instant = z.union([z.number(), z.string().transform((s) => Date.parse(s))]);

/** What detection publishes on `anomalies` (only the fields RCA reads; the rest is ignored). */
const anomalyMessage = z.object({
  id: z.string().optional(),
  service: z.string().min(1),
  metric: z.string().min(1),
  score: z.number().min(0).max(1),
  start: instant.optional(),
  at: instant.optional(),
});

/** Deploys, rollbacks, config changes and scaling published on `deployments`. */
const changeMessage = z.object({
  service: z.string().min(1).optional(),
  name: z.string().min(1).optional(),
  deployment: z.string().min(1).optional(),
  kind: z.string().optional(),
  reason: z.string().optional(),
  description: z.string().optional(),
  message: z.string().optional(),
  at: instant.optional(),
});

export interface BusFeeds {
  anomalies: AnomalyFeed;
  changes: ChangeFeed;
  close(): void;
}

/**
 * Keeps the last hours of anomaly and change events from the bus, so RCA does not depend on how
 * detection or the Kubernetes collector store theirs. Malformed messages are ignored.
 */
export function createBusFeeds({ bus, clock, retentionMs = 6 * 3_600_000 }: { bus: EventBus; clock: Clock; retentionMs?: number }): BusFeeds {
  const anomalies = new Map<string, AnomalyEventInput>();
  const changes: ChangeEventInput[] = [];
  const prune = () => {
    const oldest = clock.nowMs() - retentionMs;
    for (const [k, a] of anomalies) if (a.at < oldest) anomalies.delete(k);
    while (changes.length && (changes[0]?.at ?? 0) < oldest) changes.shift();
  };
  const offAnomalies = bus.subscribe('anomalies', (event) => {
    const m = anomalyMessage.safeParse(event.data);
    if (!m.success) return;
    const at = m.data.start ?? m.data.at ?? Date.parse(event.at);
    if (!Number.isFinite(at)) return;
    const key = m.data.id ?? `${m.data.service}\u0000${m.data.metric}\u0000${at}`;
    // Updates of one anomaly replace it; the peak score stands.
    const prev = anomalies.get(key);
    anomalies.set(key, { service: m.data.service, metric: m.data.metric, at, score: Math.max(prev?.score ?? 0, m.data.score) });
    prune();
  });
  const offChanges = bus.subscribe('deployments', (event) => {
    const m = changeMessage.safeParse(event.data);
    if (!m.success) return;
    const service = m.data.service ?? m.data.deployment ?? m.data.name;
    const at = m.data.at ?? Date.parse(event.at);
    if (!service || !Number.isFinite(at)) return;
    changes.push({
      service,
      at,
      kind: m.data.kind ?? m.data.reason ?? event.type,
      description: m.data.description ?? m.data.message ?? event.type,
    });
    changes.sort((a, b) => a.at - b.at);
    prune();
  });
  return {
    anomalies: {
      anomaliesBetween: async (from, to) => [...anomalies.values()].filter((a) => a.at >= from && a.at <= to),
    },
    changes: { changesBetween: async (from, to) => changes.filter((c) => c.at >= from && c.at <= to) },
    close() {
      offAnomalies();
      offChanges();
    },
  };
}
