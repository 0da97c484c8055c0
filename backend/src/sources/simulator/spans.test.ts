import { describe, expect, it } from 'vitest';
import { calleesOf, requestTrace } from './spans.js';

/** A server span's own time: its duration minus the client spans it made (what RCA calls exclusive latency). */
function exclusiveOf(service: string, spans: ReturnType<typeof requestTrace>): number {
  const server = spans.find((s) => s.service === service && s.operation.startsWith('handle'));
  if (!server) throw new Error(`no server span for ${service}`);
  const calls = spans.filter((s) => s.parentId === server.spanId).reduce((sum, s) => sum + (s.end - s.start), 0);
  return server.end - server.start - calls;
}

describe('simulated spans', () => {
  const callees = calleesOf([{ source: 'frontend', target: 'checkout' }]);
  const trace = (t: number, latency: Record<string, number>) =>
    requestTrace({ t, seed: 3, entry: 'frontend', callees, latencyMs: (s) => latency[s] ?? 5, errorRate: () => 0 });

  it("gives a caller whose calls fill its latency an own time that varies like any measured time", () => {
    // frontend's p50 (2 ms) is below its call to checkout (10 ms): its span is only its calls plus its own work.
    const own = Array.from({ length: 200 }, (_, i) => exclusiveOf('frontend', trace(i * 5_000, { frontend: 2, checkout: 10 })));
    const lo = Math.min(...own);
    const hi = Math.max(...own);
    // A constant floor (0.4 ms every time) had no spread, so its first change read as certain.
    expect(hi - lo).toBeGreaterThan(0.1);
    expect(lo).toBeGreaterThan(0);
    expect(hi).toBeLessThan(1);
  });

  it('keeps that own time independent of how slow the callee is', () => {
    const mean = (latency: Record<string, number>) =>
      Array.from({ length: 200 }, (_, i) => exclusiveOf('frontend', trace(i * 5_000, latency))).reduce((a, b) => a + b, 0) / 200;
    expect(mean({ frontend: 2, checkout: 100 })).toBeCloseTo(mean({ frontend: 2, checkout: 10 }), 6);
  });
});
