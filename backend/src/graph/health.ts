import { z } from 'zod';
import type { EventBus } from '../events/bus.js';
import type { ServiceGraph } from './engine.js';
import type { Health } from './model.js';

const anomalyMessage = z.object({
  id: z.string(),
  service: z.string().min(1),
  score: z.number(),
  open: z.boolean().optional(),
});

/**
 * Node health from detection's anomaly events on the bus: a service with an open anomaly is degraded
 * (failing from score 0.9), and healthy again when its last one closes.
 */
export function createGraphHealthTracker({ graph, bus, failingScore = 0.9 }: { graph: ServiceGraph; bus: EventBus; failingScore?: number }) {
  const open = new Map<string, Map<string, number>>();
  const off = bus.subscribe('anomalies', (event) => {
    const m = anomalyMessage.safeParse(event.data);
    if (!m.success) return;
    const byId = open.get(m.data.service) ?? new Map<string, number>();
    open.set(m.data.service, byId);
    if (m.data.open === false || event.type === 'anomaly.closed') byId.delete(m.data.id);
    else byId.set(m.data.id, m.data.score);
    const worst = Math.max(0, ...byId.values());
    const health: Health = byId.size === 0 ? 'healthy' : worst >= failingScore ? 'failing' : 'degraded';
    graph.setHealth(m.data.service, health, worst);
  });
  return { close: off };
}
