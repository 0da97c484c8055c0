import { describe, expect, it } from 'vitest';
import { alertTarget, githubTarget, signatureTarget, slackTarget } from '../../bench/fuzz/webhooks.js';
import { assertNoCrash, outcomeOf } from '../../bench/fuzz/target.js';
import { grafanaPayload } from './testing.js';

// The bench's property (npm run bench:fuzz) at test size: hostile payloads end in a typed rejection, never a crash,
// and whatever is accepted yields signals and audit entries the store can write.
const RUNS = 300;
const UUID = '00000000-0000-4000-8000-000000000000';
const deploymentStatus = (over: { state?: string; created_at?: string; sha?: string; payload?: string } = {}) => ({
  deployment_status: { state: over.state ?? 'failure', created_at: over.created_at },
  deployment: { id: 1, sha: over.sha ?? 'abc1234def', payload: over.payload },
  repository: { full_name: 'acme/shop', name: 'shop' },
});

describe('webhook payloads under fuzzing', () => {
  it('Grafana alerts: typed rejection or storable signals', async () => {
    await assertNoCrash(alertTarget('grafana'), RUNS);
  });
  it('Alertmanager alerts: typed rejection or storable signals', async () => {
    await assertNoCrash(alertTarget('alertmanager'), RUNS);
  });
  it('GitHub events (JSON and form-encoded): typed rejection or storable signals', async () => {
    await assertNoCrash(githubTarget(), RUNS);
  });
  it('Slack commands and interactions: typed rejection or a storable audit', async () => {
    await assertNoCrash(slackTarget(), RUNS);
  });
  it('signatures: never throw; a genuine one always verifies, one from another secret never does', async () => {
    await assertNoCrash(signatureTarget(), RUNS);
  });
});

describe('webhook regressions found by the fuzzer', () => {
  it('a NUL in an alert label is a 400 reason, not a PostgreSQL error', async () => {
    const body = grafanaPayload([{ labels: { alertname: 'A', extra: 'a\u0000b' } }]);
    expect(await outcomeOf(alertTarget('grafana'), body)).toMatch(/^invalid_input: body: .*NUL/);
  });

  it('an unpaired surrogate (valid JSON escape) in an alert label is refused too', async () => {
    const body = JSON.stringify(grafanaPayload([{ labels: { alertname: 'A' } }])).replace('"A"', '"\\ud800"');
    expect(await outcomeOf(alertTarget('grafana'), body)).toMatch(/alertname holds a NUL character or an unpaired/);
  });

  it('an X-GitHub-Event of __proto__ or constructor is an ignored event, not a TypeError', async () => {
    for (const event of ['__proto__', 'constructor', 'toString'])
      expect(await outcomeOf(githubTarget(), { event, delivery: UUID, form: false, body: deploymentStatus() })).toBe('accepted');
  });

  it('a failed deployment with an unreadable created_at still makes a signal with a valid start', async () => {
    expect(await outcomeOf(githubTarget(), { event: 'deployment_status', delivery: UUID, form: false, body: deploymentStatus({ created_at: 'yesterday-ish' }) })).toBe('accepted');
  });

  it('a SHA whose 7th unit is half a surrogate pair does not leave half a pair in the summary', async () => {
    expect(await outcomeOf(githubTarget(), { event: 'deployment_status', delivery: UUID, form: false, body: deploymentStatus({ sha: '123456\u{1F600}' }) })).toBe('accepted');
  });

  it('a service name with a NUL inside a deployment payload string falls back to the repository', async () => {
    expect(await outcomeOf(githubTarget(), { event: 'deployment_status', delivery: UUID, form: false, body: deploymentStatus({ payload: JSON.stringify({ service: 'a\u0000' }) }) })).toBe('accepted');
  });

  it('a NUL escaped inside a form-encoded GitHub payload is refused', async () => {
    const payload = JSON.stringify(deploymentStatus()).replace('acme/shop', 'acme\\u0000');
    expect(await outcomeOf(githubTarget(), { event: 'deployment_status', delivery: UUID, form: true, body: payload })).toMatch(/^invalid_input: payload: .*NUL/);
  });

  it('a Slack user id of __proto__ is an unmapped user, not Object.prototype', async () => {
    const payload = JSON.stringify({ type: 'block_actions', user: { id: '__proto__' }, trigger_id: 't1', actions: [{ action_id: 'aegis_approve', value: UUID }] });
    expect(await outcomeOf(slackTarget(), { payload })).toBe('accepted');
  });

  it('a NUL escaped inside a Slack interaction payload is refused before it reaches the audit log', async () => {
    const payload = JSON.stringify({ type: 'block_actions', user: { id: 'U1' }, trigger_id: 't2', actions: [{ action_id: 'aegis_approve', value: '\u0000' }] });
    expect(await outcomeOf(slackTarget(), { payload })).toMatch(/^invalid_input: payload: .*NUL/);
  });
});
