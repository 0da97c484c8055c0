import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { rcaProbabilityGauge } from './metrics.js';

describe('RCA gauge', () => {
  it('exposes the latest probabilities per service at scrape time', async () => {
    const registry = new Registry();
    let current = new Map([['cartservice', 0.8]]);
    rcaProbabilityGauge(registry, { rootCauseProbabilities: async () => current });
    expect(await registry.metrics()).toContain('aegis_rca_root_cause_probability{service="cartservice"} 0.8');
    current = new Map([['redis', 0.6]]);
    const text = await registry.metrics();
    expect(text).toContain('aegis_rca_root_cause_probability{service="redis"} 0.6');
    expect(text).not.toContain('cartservice');
  });
});
