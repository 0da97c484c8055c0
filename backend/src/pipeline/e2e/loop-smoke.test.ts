/**
 * A short run of the bench:loop campaign (the full one is `npm run bench:loop`): it must run end to end
 * on a driven clock and report every figure the issue asks for.
 */
import { describe, expect, it } from 'vitest';
import { runLoopCampaign, summarise } from '../../../bench/loop-campaign.js';

describe('bench:loop smoke', () => {
  it('runs a quiet period and one fault, and reports every figure', async () => {
    const lines: string[] = [];
    const report = await runLoopCampaign({ stepMs: 30_000, quietMinutes: 3, faultsPerScenario: 1, seed: 3, scenarios: ['memory-leak'], overlap: false, faultMinutes: 10, cooldownMinutes: 1, log: (l) => void lines.push(l) });
    expect(report.faults).toHaveLength(1);
    const [fault] = report.faults;
    expect(fault?.scenario).toBe('memory-leak');
    expect(fault?.incidentId).toBeTruthy();
    const s = summarise(report);
    for (const v of [s.falseIncidentsPerHour, s.ownWithin3Min, s.rcaTop1, s.rcaTop3, s.knownFixRate, s.harmfulAny, s.harmfulConfident]) expect(Number.isFinite(v)).toBe(true);
    expect(s.bins).toHaveLength(5);
    expect(lines.some((l) => l.includes('memory-leak'))).toBe(true);
  }, 900_000);
});
