import { describe, expect, it } from 'vitest';
import { honestConfidence, PROPOSE_THRESHOLD } from './confidence.js';

// bias, memory_growth, error_jump, latency_ratio, cpu_pressure, restarts, recent_change, pod_skew
const leak = [1, 0.8, 0, 0.1, 0, 0, 0, 0];
const healthy = [1, 0.01, 0, 0.02, 0.03, 0, 0, 0];

describe('honest confidence', () => {
  it('is the root-cause probability times the action success, not the action success alone', () => {
    const c = honestConfidence({ pRootCause: 0.5, pAction: 0.9, features: leak, leverage: 0.05, whatIf: null });
    expect(c.value).toBeCloseTo(0.45, 5);
    expect(c.abstain).toBeNull();
  });

  it('abstains on a target that shows nothing abnormal, whatever the model says about the action', () => {
    const c = honestConfidence({ pRootCause: 0.04, pAction: 1, features: healthy, leverage: 0.05, whatIf: null });
    expect(c.value).toBeLessThan(0.01);
    expect(c.abstain).toMatch(/nothing abnormal/);
    expect(honestConfidence({ pRootCause: 1, pAction: 1, features: healthy, leverage: 0.05, whatIf: null }).value).toBeLessThan(0.5);
  });

  it('abstains when the what-if run says no candidate helps', () => {
    const c = honestConfidence({ pRootCause: 0.9, pAction: 1, features: leak, leverage: 0.05, whatIf: { chosenRecovers: false, anyRecovers: false } });
    expect(c.value).toBeLessThan(PROPOSE_THRESHOLD);
    expect(c.abstain).toMatch(/what-if/);
  });

  it('is discounted outside what the model has seen', () => {
    const seen = honestConfidence({ pRootCause: 0.9, pAction: 0.9, features: leak, leverage: 0.05, whatIf: null });
    const unseen = honestConfidence({ pRootCause: 0.9, pAction: 0.9, features: leak, leverage: 0.9, whatIf: null });
    expect(unseen.value).toBeLessThan(seen.value / 2);
    expect(unseen.notes.join(' ')).toMatch(/unlike/);
  });
});
