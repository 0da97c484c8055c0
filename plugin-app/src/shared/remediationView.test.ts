import { describe, expect, it } from 'vitest';
import type { Remediation } from '../api/types';
import { countdown, dryRunView, planSentences, verificationView } from './remediationView';

const base = {
  id: '0b1c2d3e-0000-4000-8000-000000000001',
  incident_id: '0b1c2d3e-0000-4000-8000-000000000002',
  action_type: 'rollback-deployment',
  target: 'cartservice',
  namespace: 'boutique',
  status: 'proposed',
  plan: { summary: 'roll cartservice back from revision 3 to the previous revision', podsAffected: 3, params: { fromRevision: 3 } },
  dry_run: { ok: true },
  confidence: 0.8,
} as unknown as Remediation;

describe('remediation in words', () => {
  it('says what changes, on which object, and where a rollback goes and why', () => {
    expect(planSentences(base)).toEqual([
      'Roll cartservice back from revision 3 to the previous revision.',
      'It changes Deployment boutique/cartservice; 3 pods are replaced.',
      'The rollback leaves revision 3 for the one before it.',
    ]);
    const contract = { ...base, plan: { ...(base.plan as object), to_revision: 2, revision_reason: 'revision 3 arrived 2 minutes before the errors' } } as Remediation;
    expect(planSentences(contract)).toContain('The rollback goes to revision 2 because revision 3 arrived 2 minutes before the errors.');
    expect(dryRunView(base).sentence).toMatch(/accepted the change in a dry run/);
    expect(dryRunView({ ...base, dry_run: { ok: false, error: 'forbidden' } } as Remediation).sentence).toBe('The dry run failed: forbidden.');
  });

  it('reads the contract verification shape as a checklist with its countdown times', () => {
    const v = verificationView({
      ...base,
      status: 'verifying',
      verification: {
        phase: 'settling',
        settle_until: '2026-01-01T00:02:00Z',
        window_until: '2026-01-01T00:10:00Z',
        checks: [{ id: 'err', description: 'cartservice error rate below 1%', service: 'cartservice', status: 'holding', observed: 0.02, expected: '< 0.01' }],
        attributed: false,
        reason: 'settling after the rollout',
      },
    } as unknown as Remediation);
    expect(v).toMatchObject({ phase: 'settling', settleUntil: Date.parse('2026-01-01T00:02:00Z'), reason: 'settling after the rollout' });
    expect(v?.checks).toEqual([{ id: 'err', description: 'cartservice error rate below 1%', status: 'holding', detail: 'observed 0.02, expected < 0.01' }]);
  });

  it('reads the older {deadline, last} shape: an empty check list is never shown as nothing', () => {
    const running = verificationView({ ...base, status: 'verifying', verification: { deadline: '2026-01-01T00:10:00Z', checks: [] } } as unknown as Remediation);
    expect(running?.phase).toBe('checking');
    expect(running?.checks.map((c) => c.status)).toEqual(['pending', 'pending']);
    const done = verificationView({
      ...base,
      status: 'succeeded',
      verification: { deadline: '2026-01-01T00:10:00Z', passed: true, last: { rolloutComplete: true, podsReady: true, metric: { metric: 'memory', ok: true } } },
    } as unknown as Remediation);
    expect(done?.phase).toBe('passed');
    expect(done?.checks.map((c) => c.status)).toEqual(['passed', 'passed', 'passed']);
    expect(verificationView(base)).toBeUndefined();
  });

  it('counts down in minutes and seconds, never below zero', () => {
    expect(countdown(125_000, 0)).toBe('2:05');
    expect(countdown(0, 5000)).toBe('0:00');
  });
});
