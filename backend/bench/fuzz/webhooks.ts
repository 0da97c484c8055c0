import type { Request } from 'express';
import fc from 'fast-check';
import type { Principal } from '../../src/api/principal.js';
import type { RouteDef } from '../../src/api/route.js';
import type { EventBus } from '../../src/events/bus.js';
import { alertWebhookRoutes } from '../../src/ingest/routes.js';
import { signaturePrincipal } from '../../src/ingest/auth.js';
import { githubWebhookRoutes } from '../../src/ingest/github.js';
import { sign, verifyGithubSignature, verifyGrafanaSignature, verifySlackSignature } from '../../src/ingest/signature.js';
import type { SignalWriter } from '../../src/ingest/writer.js';
import { slackWebhookRoutes } from '../../src/ingest/slack.js';
import { InputError } from '../../src/platform/errors.js';
import { createMemoryLogger } from '../../src/platform/logger.js';
import { corrupt, deepJson, deepJsonText, entriesToObject, hex, POLLUTION_KEYS, hostileJson, hostileKey, hostileString, type ValueOf } from './arbitraries.js';
import { assertStorable } from './storable.js';
import { InvariantError, type FuzzTarget } from './target.js';

const principal: Principal = { tokenId: 't', tokenName: 'fuzz', role: 'ingest', actor: 'token:fuzz' };

/** A request body as express hands it over: parsed JSON, or a parse failure (a typed 400 in the server). */
function jsonBody(input: unknown): unknown {
  if (typeof input !== 'string') return input;
  try {
    return JSON.parse(input) as unknown;
  } catch (err) {
    throw new InputError(`malformed JSON body: ${(err as Error).message}`);
  }
}

/** The writer's contract as the store enforces it: every signal and audit entry must be writable. */
function checkingWriter(): SignalWriter {
  return {
    async submit(signals, audit) {
      assertStorable(signals, 'signal');
      assertStorable(audit, 'audit');
      for (const s of signals) {
        if (!s.dedupe_key) throw new InvariantError('a signal without a dedupe key');
        JSON.stringify(s.payload);
      }
      return signals.map((s) => ({ dedupe_key: s.dedupe_key, result: 'opened' as const }));
    },
    async flush() {},
  };
}

/** The JSON text a form-encoded delivery carries; a value too deep to print is sent as is. */
function formText(value: unknown): unknown {
  try {
    return JSON.stringify(value);
  } catch {
    return value;
  }
}

function fakeRequest(headers: Record<string, string>, rawBody = ''): Request {
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return { header: (name: string) => lower[name.toLowerCase()], ip: '127.0.0.1', rawBody: Buffer.from(rawBody), res: { locals: {} } } as unknown as Request;
}

/** Parses the body with the route's schema and calls its handler, as the server's mountRoute does. */
async function callRoute(route: RouteDef, body: unknown, req: Request, as = principal): Promise<void> {
  const parsed = route.body ? route.body.parse(body ?? {}) : undefined;
  await route.handler({ params: {}, query: {}, body: parsed, principal: as, req });
}

/** Mostly a plausible value, sometimes a hostile one: most payloads should get past validation to the code behind it. */
const mostly = <T>(valid: fc.Arbitrary<T>, hostile: fc.Arbitrary<T> = hostileString as fc.Arbitrary<T>): fc.Arbitrary<T> => fc.oneof({ weight: 6, arbitrary: valid }, { weight: 1, arbitrary: hostile });
const text = mostly(fc.string({ maxLength: 30 }));

const timestampText = fc.oneof(
  { weight: 6, arbitrary: fc.date({ min: new Date('1970-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString()) },
  fc.constantFrom('0001-01-01T00:00:00Z', '+275760-09-13T00:00:00Z', '-271821-04-20T00:00:00Z', '2026-13-45T99:99:99Z', '1', '2026', 'Tue, 01 Jan 2026 00:00:00 GMT', 'now', ''),
  hostileString,
);
const labels = fc.oneof(
  { weight: 12, arbitrary: fc.dictionary(fc.constantFrom('alertname', 'severity', 'priority', 'service', 'app', 'namespace', 'job', 'instance', 'pod'), fc.oneof(fc.string({ maxLength: 20 }), hostileString), { maxKeys: 6 }) },
  { weight: 1, arbitrary: fc.array(fc.tuple(hostileKey, hostileString), { maxLength: 6 }).map(entriesToObject) },
  { weight: 1, arbitrary: hostileJson },
);
const alert = fc.record(
  {
    status: mostly(fc.constantFrom('firing', 'resolved'), fc.constantFrom('pending', '', 'FIRING')),
    labels,
    annotations: labels,
    startsAt: timestampText,
    endsAt: timestampText,
    generatorURL: fc.oneof(fc.constantFrom('', '?orgId=1', 'http://grafana:3000/alerting/x', '//evil.example/', 'javascript:alert(1)', 'http://[::1', '/\u0000'), hostileString),
    fingerprint: mostly(hex(16, 16)),
    dashboardURL: text,
    panelURL: text,
    silenceURL: text,
    ruleUID: text,
    values: mostly(fc.dictionary(fc.string({ maxLength: 3 }), fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constant(null))), hostileJson),
    valueString: text,
  },
  { requiredKeys: ['status', 'labels', 'startsAt'] },
);
function notification(version: '1' | '4') {
  return fc.record(
    {
      version: mostly(fc.constant(version), hostileJson),
      receiver: text,
      status: mostly(fc.constantFrom('firing', 'resolved'), fc.constantFrom('bogus', '')),
      alerts: mostly(fc.array(fc.oneof({ weight: 8, arbitrary: alert }, { weight: 1, arbitrary: corrupt(alert) }), { minLength: 1, maxLength: 4 }), fc.oneof(hostileJson, fc.constant([]))),
      groupLabels: labels,
      commonLabels: labels,
      commonAnnotations: labels,
      externalURL: fc.oneof(fc.constantFrom('', 'http://grafana:3000/', 'not a url', 'http://[::1'), hostileString),
      groupKey: text,
      truncatedAlerts: mostly(fc.nat(), fc.oneof(fc.double(), hostileJson)),
      orgId: mostly(fc.nat(), hostileJson),
      title: text,
    },
    { requiredKeys: ['version', 'status', 'alerts'] },
  );
}

/** Valid-ish payloads, corrupted ones, deep nesting and raw garbage (as the request body text). */
function payloads(valid: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 14, arbitrary: valid },
    { weight: 3, arbitrary: corrupt(valid) },
    { weight: 2, arbitrary: hostileJson },
    { weight: 2, arbitrary: valid.map((v) => formText(v)) },
    { weight: 1, arbitrary: hostileString },
    { weight: 1, arbitrary: deepJsonText },
    { weight: 1, arbitrary: deepJson },
  );
}

export function alertTarget(source: 'grafana' | 'alertmanager'): FuzzTarget<unknown> {
  const route = alertWebhookRoutes({ writer: checkingWriter(), clock: { now: () => new Date(), nowMs: () => Date.now() } as never }).find((r) => r.path === `/webhooks/${source}`)!;
  return {
    name: `webhook:${source}`,
    weight: source === 'grafana' ? 16 : 12,
    async: true,
    arbitrary: payloads(notification(source === 'grafana' ? '1' : '4')),
    async run(input) {
      await callRoute(route, jsonBody(input), fakeRequest({}));
      return undefined;
    },
  };
}

const repository = fc.record({ full_name: mostly(fc.constantFrom('acme/shop', 'acme/api')), name: mostly(fc.constantFrom('shop', 'api')), default_branch: text }, { requiredKeys: ['full_name', 'name'] });
const deployment = fc.record(
  {
    id: mostly(fc.nat(), fc.oneof(fc.double(), hostileJson)),
    sha: mostly(hex(40, 40)),
    ref: text,
    environment: text,
    description: fc.oneof(text, fc.constant(null)),
    payload: fc.oneof(hostileJson, hostileString, fc.record({ service: hostileString }).map((p) => JSON.stringify(p)), deepJson),
    created_at: timestampText,
  },
  { requiredKeys: ['id'] },
);
const filePath = fc.oneof(fc.constantFrom('main.tf', 'deploy/app.yaml', 'cfn/template.json', 'a/../../b.tf', 'x.tfvars', 'README.md'), hostileString);
const githubEvents = {
  ping: fc.record({ zen: hostileString }),
  deployment: fc.record({ deployment, repository }),
  deployment_status: fc.record({
    deployment_status: fc.record({ state: mostly(fc.constantFrom('success', 'failure', 'error', 'pending')), description: fc.oneof(text, fc.constant(null)), created_at: timestampText, target_url: fc.oneof(text, fc.constant(null)) }, { requiredKeys: ['state'] }),
    deployment,
    repository,
  }),
  push: fc.record({
    ref: text,
    after: mostly(hex(40, 40)),
    repository,
    commits: fc.array(fc.record({ id: text, added: fc.array(filePath, { maxLength: 4 }), modified: fc.array(filePath, { maxLength: 4 }), removed: fc.array(filePath, { maxLength: 2 }) }), { maxLength: 4 }),
  }),
  workflow_run: fc.record({
    action: fc.constantFrom('completed', 'requested', ''),
    workflow_run: fc.record({ id: mostly(fc.nat(), hostileJson), name: fc.oneof(text, fc.constant(null)), conclusion: fc.oneof(mostly(fc.constantFrom('success', 'failure')), fc.constant(null)), head_branch: text, head_sha: mostly(hex(40, 40)), html_url: text, updated_at: timestampText }, { requiredKeys: ['id', 'head_sha'] }),
    repository,
  }),
};
type GithubEventName = keyof typeof githubEvents;

const headerValue = fc.oneof(fc.constantFrom(...POLLUTION_KEYS), fc.string({ maxLength: 120 }), fc.string({ unit: fc.integer({ min: 0x20, max: 0xff }).map((c) => String.fromCharCode(c)), maxLength: 40 }));

const githubInput = fc.oneof(
  ...(Object.keys(githubEvents) as GithubEventName[]).map((event) =>
    fc.record({
      // Header values: what an HTTP parser lets through (latin-1 bytes, no NUL, CR or LF).
      event: fc.oneof({ weight: 6, arbitrary: fc.constant<string>(event) }, { weight: 1, arbitrary: headerValue }),
      delivery: mostly(fc.uuid(), headerValue),
      // GitHub's form encoding wraps the JSON in a `payload` field.
      form: fc.boolean(),
      body: payloads(githubEvents[event] as fc.Arbitrary<Record<string, unknown>>),
    }),
  ),
);

export function githubTarget(): FuzzTarget<ValueOf<typeof githubInput>> {
  const files = new Map<string, string>();
  const events: unknown[] = [];
  const bus: EventBus = { publish: (topic, type, data) => void events.push({ topic, type, data }), subscribe: () => () => {}, drain: async () => {} };
  // The push scan runs after the answer and only logs its failure: the log is where a crash there shows.
  const logger = createMemoryLogger('warn');
  const [route] = githubWebhookRoutes({
    writer: checkingWriter(),
    signals: { recordDelivery: async () => true } as never,
    bus,
    logger,
    contents: {
      async fileAt(repo, path) {
        if (path.length % 7 === 0) throw new Error('404 from the fake contents API');
        return files.get(path) ?? `# ${repo}\n`;
      },
    },
    iac: {
      async scan(fs, target) {
        assertStorable(target, 'scan target');
        for (const f of fs) if (typeof f.content !== 'string') throw new InvariantError('file content not a string');
        return { findings: [] };
      },
    },
    now: () => new Date('2026-01-01T00:00:00Z'),
  });
  return {
    name: 'webhook:github',
    // Each delivery also runs the push scan path: ~4x an alert's cost.
    weight: 8,
    async: true,
    arbitrary: githubInput,
    async run(input) {
      const raw = jsonBody(input.body);
      const body = input.form ? { payload: typeof input.body === 'string' ? input.body : formText(raw) } : raw;
      events.length = 0;
      logger.lines.length = 0;
      await callRoute(route!, body, fakeRequest({ 'x-github-event': input.event, 'x-github-delivery': input.delivery }));
      await new Promise((resolve) => setImmediate(resolve));
      const failed = logger.lines.find((l) => l.msg === 'push scan failed');
      if (failed) throw new InvariantError(`push scan failed: ${JSON.stringify(failed.err)}`);
      return undefined;
    },
  };
}

const slackCommand = fc.record(
  {
    command: mostly(fc.constant('/aegis')),
    text: fc.oneof(fc.constantFrom('status', 'incidents', 'show 00000000-0000-0000-0000-000000000000', 'approve 00000000-0000-0000-0000-000000000000', 'reject 00000000-0000-0000-0000-000000000000 because', 'help', ''), hostileString),
    user_id: mostly(fc.constantFrom('U1', 'U2', 'U3')),
    user_name: text,
    trigger_id: mostly(fc.uuid()),
    team_id: text,
    channel_id: text,
  },
  { requiredKeys: ['command', 'user_id', 'trigger_id'] },
);
const slackAction = fc.record({
  type: mostly(fc.constant('block_actions')),
  user: fc.record({ id: mostly(fc.constantFrom('U1', 'U2', 'U3')), username: text }),
  trigger_id: mostly(fc.uuid()),
  response_url: fc.oneof(fc.constantFrom('https://hooks.slack.com/actions/x', 'https://evil.example/'), hostileString),
  actions: fc.array(fc.record({ action_id: mostly(fc.constantFrom('aegis_approve', 'aegis_reject')), value: mostly(fc.uuid()) }), { minLength: 1, maxLength: 3 }),
});
const slackInput = fc.oneof(
  { weight: 4, arbitrary: payloads(slackCommand) },
  { weight: 4, arbitrary: fc.oneof(slackAction, corrupt(slackAction), hostileJson).map((p) => ({ payload: JSON.stringify(p) })) },
  { weight: 1, arbitrary: fc.oneof(hostileString, deepJsonText).map((payload) => ({ payload })) },
);

export function slackTarget(): FuzzTarget<unknown> {
  const posted: unknown[] = [];
  const [route] = slackWebhookRoutes({
    writer: checkingWriter(),
    signals: { recordDelivery: async () => true } as never,
    incidents: {
      list: async () => ({ items: [], next: null }),
      getDetail: async () => {
        throw new InputError('no such incident');
      },
    } as never,
    users: async () => ({ U1: { name: 'ops', role: 'operator' }, U2: { name: 'viewer', role: 'viewer' } }),
    decisions: {
      approve: async (id) => ({ id, status: 'approved' }),
      reject: async (id) => ({ id, status: 'rejected' }),
    },
    nowMs: () => Date.now(),
    fetch: (async (_url: string, init: { body: string }) => {
      posted.push(JSON.parse(init.body));
      return new Response('ok');
    }) as never,
  });
  return {
    name: 'webhook:slack',
    weight: 12,
    async: true,
    arbitrary: slackInput,
    async run(input) {
      // As a verified Slack signature: the only path on which approve/reject reach the decisions.
      await callRoute(route!, jsonBody(input), fakeRequest({}), signaturePrincipal('slack'));
      posted.length = 0;
      return undefined;
    },
  };
}

const signatureInput = fc.record({
  secret: fc.oneof(fc.string({ minLength: 1, maxLength: 40 }), hostileString.filter((s) => s.length > 0)),
  body: fc.oneof(hostileString, fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('latin1'))),
  signature: fc.oneof(hostileString, hex(64, 64).map((h) => `sha256=${h}`), hex(63, 65)),
  timestamp: fc.oneof(fc.constant(undefined), hostileString, fc.integer({ min: -1e12, max: 1e13 }).map(String)),
  forge: fc.boolean(),
});

/** Signature checks never throw; a correct signature always verifies (the round trip) and a forged one never does. */
export function signatureTarget(): FuzzTarget<ValueOf<typeof signatureInput>> {
  const nowMs = Date.UTC(2026, 0, 1);
  const nowTs = String(nowMs / 1000);
  return {
    name: 'webhook:signatures',
    weight: 8,
    arbitrary: signatureInput,
    run(i) {
      const body = Buffer.from(i.body);
      const checks = [
        verifyGrafanaSignature({ secret: i.secret, body, signature: i.signature, timestamp: i.timestamp, nowMs }),
        verifyGithubSignature({ secret: i.secret, body, signature: i.signature }),
        verifySlackSignature({ secret: i.secret, body, signature: i.signature, timestamp: i.timestamp, nowMs }),
      ];
      const genuine = [
        verifyGrafanaSignature({ secret: i.secret, body, signature: sign.grafana(i.secret, body, nowTs), timestamp: nowTs, nowMs }),
        verifyGithubSignature({ secret: i.secret, body, signature: sign.github(i.secret, body) }),
        verifySlackSignature({ secret: i.secret, body, signature: sign.slack(i.secret, body, nowTs), timestamp: nowTs, nowMs }),
      ];
      if (genuine.some((c) => !c.ok)) throw new InvariantError('a genuine signature was refused');
      if (i.forge) {
        const other = verifyGithubSignature({ secret: `${i.secret}x`, body, signature: sign.github(i.secret, body) });
        if (other.ok) throw new InvariantError('a signature made with another secret was accepted');
      }
      const refused = checks.filter((c) => !c.ok);
      return refused.length ? `refused: ${(refused[0] as { reason: string }).reason.replace(/\d+/g, 'N')}` : undefined;
    },
  };
}

export function webhookTargets(): FuzzTarget<never>[] {
  return [alertTarget('grafana'), alertTarget('alertmanager'), githubTarget(), slackTarget(), signatureTarget()] as FuzzTarget<never>[];
}
