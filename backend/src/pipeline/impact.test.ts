import { describe, expect, it } from 'vitest';
import { severityFromImpact } from './impact.js';

describe('severity from impact', () => {
  it('is critical when users see errors or a service fails half its requests, whatever the alert label said', () => {
    expect(severityFromImpact([{ service: 'frontend', userFacing: true, errorRate: 0.3, latencyRatio: 1 }]).severity).toBe('critical');
    expect(severityFromImpact([{ service: 'paymentservice', userFacing: false, errorRate: 1, latencyRatio: 1 }]).severity).toBe('critical');
  });

  it('grades lesser impact down to low', () => {
    expect(severityFromImpact([{ service: 'cartservice', userFacing: false, errorRate: 0.44, latencyRatio: 1 }]).severity).toBe('high');
    expect(severityFromImpact([{ service: 'frontend', userFacing: true, errorRate: 0, latencyRatio: 3.5 }]).severity).toBe('high');
    expect(severityFromImpact([{ service: 'adservice', userFacing: false, errorRate: 0.03, latencyRatio: 1 }]).severity).toBe('medium');
    expect(severityFromImpact([{ service: 'adservice', userFacing: false, errorRate: 0.001, latencyRatio: 1.1 }]).severity).toBe('low');
  });
});
