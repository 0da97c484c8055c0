import { describe, expect, it } from 'vitest';
import { createInProcessBus } from '../events/bus.js';
import { createManualClock } from '../platform/clock.js';
import { silentLogger } from '../platform/logger.js';
import { createBusFeeds } from './feeds.js';

describe('bus feeds for RCA', () => {
  it('collects anomalies and changes, keeps the peak of an updated anomaly, ignores junk, forgets old events', async () => {
    const clock = createManualClock(Date.UTC(2026, 0, 1, 12));
    const bus = createInProcessBus({ logger: silentLogger, now: () => clock.now() });
    const feeds = createBusFeeds({ bus, clock, retentionMs: 3_600_000 });
    const t = clock.nowMs();
    bus.publish('anomalies', 'anomaly.opened', { id: 'a1', service: 'cart', metric: 'latency_p95', score: 0.7, start: new Date(t).toISOString() });
    bus.publish('anomalies', 'anomaly.updated', { id: 'a1', service: 'cart', metric: 'latency_p95', score: 0.95, start: new Date(t).toISOString() });
    bus.publish('anomalies', 'anomaly.opened', { service: 'cart', score: 'high' });
    bus.publish('deployments', 'deployment.rolled', { deployment: 'cart', reason: 'deploy', message: 'image cart:v2', at: t - 60_000 });
    bus.publish('deployments', 'x', { nothing: true });
    await bus.drain();
    expect(await feeds.anomalies.anomaliesBetween(t - 1, t + 1)).toEqual([{ service: 'cart', metric: 'latency_p95', at: t, score: 0.95 }]);
    expect(await feeds.changes.changesBetween(t - 3_600_000, t)).toEqual([
      { service: 'cart', at: t - 60_000, kind: 'deploy', description: 'image cart:v2' },
    ]);
    clock.advance(2 * 3_600_000);
    bus.publish('anomalies', 'anomaly.opened', { service: 'web', metric: 'cpu', score: 0.6, at: clock.nowMs() });
    await bus.drain();
    expect((await feeds.anomalies.anomaliesBetween(0, Infinity)).map((a) => a.service)).toEqual(['web']);
    expect(await feeds.changes.changesBetween(0, Infinity)).toEqual([]);
    feeds.close();
  });
});
