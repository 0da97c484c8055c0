import { describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../platform/logger.js';
import { createInProcessBus } from './bus.js';

describe('in-process event bus', () => {
  it('delivers to topic and wildcard subscribers; a throwing subscriber harms no one', async () => {
    const logger = createMemoryLogger();
    const bus = createInProcessBus({ logger, now: () => new Date(0) });
    const seen: string[] = [];
    bus.subscribe('incidents', () => {
      throw new Error('boom');
    });
    bus.subscribe('incidents', async () => Promise.reject(new Error('async boom')));
    bus.subscribe('incidents', (e) => void seen.push(`incidents:${e.type}`));
    bus.subscribe('*', (e) => void seen.push(`*:${e.topic}`));
    expect(() => bus.publish('incidents', 'incident.created', { id: 1 })).not.toThrow();
    bus.publish('remediations', 'remediation.proposed', {});
    await bus.drain();
    expect(seen).toEqual(['incidents:incident.created', '*:incidents', '*:remediations']);
    expect(logger.lines.filter((l) => l.msg === 'event subscriber failed')).toHaveLength(2);
  });

  it('stops delivering after unsubscribe', async () => {
    const bus = createInProcessBus({ logger: createMemoryLogger(), now: () => new Date(0) });
    let n = 0;
    const off = bus.subscribe('anomalies', () => void n++);
    bus.publish('anomalies', 'a', {});
    await bus.drain();
    off();
    bus.publish('anomalies', 'a', {});
    await bus.drain();
    expect(n).toBe(1);
  });
});
