import { describe, expect, it } from 'vitest';
import { faultCleared } from '../bench/loop-campaign.js';
import type { Simulator } from '../src/sources/simulator/index.js';

const STEP = 5_000;
const NOW = Date.UTC(2026, 11, 7, 20);

/**
 * A simulator seen only through what the bench's ground truth reads: frames of one service 5 s apart (its p99
 * per frame from `p99(tick)`), a healthy model at p99 100 ms and 1% errors, and one cpu-saturation fault.
 */
function fakeSim(p99: (ticksAgo: number) => number): Simulator {
  const lastTick = Math.floor(NOW / STEP);
  const values = (ticksAgo: number) => ({ error_rate: 0.01, latency_p99: p99(ticksAgo), memory: 1e8 });
  const frame = (v: ReturnType<typeof values>, t: number) => ({ t, services: new Map([['cart', { ...v, request_rate: 10, latency_p50: 20, latency_p95: 60, cpu: 0.2, restarts: 0 }]]), pods: new Map() });
  return {
    stepMs: STEP,
    faults: () => [{ service: 'cart', scenario: 'cpu-saturation', active: true, startedAt: NOW - 20 * 60_000 }],
    latestFrame: () => frame(values(0), lastTick * STEP),
    baselineFrame: (t: number) => frame({ error_rate: 0.01, latency_p99: 100, memory: 1e8 }, t),
    series: { at: (key: string, tick: number) => values(lastTick - tick)[key.split('|')[2] as 'error_rate' | 'latency_p99' | 'memory'] },
    cluster: { pods: new Map() },
  } as unknown as Simulator;
}

describe('bench:loop ground truth (is the fault cleared?)', () => {
  it('judges the service over the verification window, not on the one frame that happens to be last', () => {
    // Back at 1.2× for two minutes; the last frame's jitter puts it at 1.6×: cleared.
    expect(faultCleared(fakeSim((ago) => (ago === 0 ? 160 : 120)), 'cart', 'cpu-saturation')).toBe(true);
    // Still at 1.6× for two minutes; one lucky frame at 1.2×: not cleared.
    expect(faultCleared(fakeSim((ago) => (ago === 0 ? 120 : 160)), 'cart', 'cpu-saturation')).toBe(false);
  });

  it('a service that came back only in the last seconds of the window is not cleared yet', () => {
    expect(faultCleared(fakeSim((ago) => (ago < 6 ? 110 : 300)), 'cart', 'cpu-saturation')).toBe(false);
  });
});
