import { describe, expect, it } from 'vitest';
import { capabilitiesOf } from './capabilities.js';

describe('capabilities', () => {
  it('says plainly what cannot be done on a real cluster without a simulator, metrics or logs', () => {
    const caps = capabilitiesOf({ cluster: 'kubeconfig', metrics: 'none', metricTemplates: 'default', logs: 'none', traces: false });
    const by = (id: string) => caps.find((c) => c.id === id);
    expect(by('detection')?.available).toBe(false);
    expect(by('detection')?.detail).toMatch(/AEGIS_PROMETHEUS_URL/);
    expect(by('what-if')?.available).toBe(false);
    expect(by('what-if')?.detail).toMatch(/cannot replay/);
    expect(by('remediation')?.available).toBe(true);
    expect(by('verification')?.detail).toMatch(/not credited/);
  });

  it('names the metric naming in use with Prometheus', () => {
    const caps = capabilitiesOf({ cluster: 'in-cluster', metrics: 'prometheus', metricTemplates: 'istio,otel', logs: 'loki', traces: false });
    expect(caps.find((c) => c.id === 'detection')?.detail).toContain('istio,otel');
  });
});
