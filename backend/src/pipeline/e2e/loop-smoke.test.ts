/**
 * A short run of the bench:loop campaign (the full one is `npm run bench:loop`): it must run end to end
 * on a driven clock and report every figure the issue asks for.
 */
import { describe, expect, it } from 'vitest';
import { runLoopCampaign, summarise, type LoopOptions, type LoopReport } from '../../../bench/loop-campaign.js';

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

  it('gives the same results twice from the same seed and start, however busy the machine is', async () => {
    // Everything the driven clock causes is done before the next step, so nothing depends on the machine's speed.
    const options: LoopOptions = { stepMs: 15_000, quietMinutes: 3, faultsPerScenario: 1, seed: 1, scenarios: ['crash-loop'], overlap: false, faultMinutes: 12, cooldownMinutes: 1, startMs: Date.parse('2026-12-07T19:45:00Z'), log: () => {} };
    // Incident and remediation ids are random; everything else must match.
    const comparable = (r: LoopReport) => JSON.stringify({ ...r, faults: r.faults.map((f) => ({ ...f, incidentId: Boolean(f.incidentId), proposals: f.proposals.map((p) => ({ ...p, id: '' })) })) });
    const first = await runLoopCampaign(options);
    const second = await runLoopCampaign(options);
    expect(first.faults[0]?.verification).toBeTruthy();
    expect(comparable(second)).toBe(comparable(first));
  }, 900_000);
});
