import { z } from 'zod';
import { defineRoute, type RouteDef } from '../api/route.js';
import type { EventBus } from '../events/bus.js';
import { errorMessage, InputError } from '../platform/errors.js';
import { assertStorable, clip, unstorablePath } from '../platform/storable.js';
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import type { Database } from '../store/db.js';
import type { SignalRepository } from '../store/signals.js';
import { deliveryAudit, rawBody, signatureOrBearer } from './auth.js';
import { acceptedSchema, summarise } from './routes.js';
import type { Signal } from './signal.js';
import { verifyGithubSignature } from './signature.js';
import type { SignalWriter } from './writer.js';

/** The in-memory IaC scan (backend/src/iac `scanFiles`), behind a port so ingestion does not load the engine. */
export interface IacScanPort {
  /** `target` names what was scanned (`github:<repo>@<sha>`), for the findings store. */
  scan(
    files: Array<{ path: string; content: string }>,
    target: string,
  ): Promise<{
    findings: Array<{ ruleId: string; severity: string; file: string; line: number; message: string }>;
  }>;
}

/** Reads a file at a commit through GitHub's contents API. */
export interface GithubContentsPort {
  fileAt(repository: string, path: string, ref: string): Promise<string>;
}

export function githubContentsApi(o: { token?: string; apiUrl?: string; fetch?: typeof fetch }): GithubContentsPort {
  const send = o.fetch ?? fetch;
  const base = (o.apiUrl ?? 'https://api.github.com').replace(/\/+$/, '');
  return {
    async fileAt(repository, path, ref) {
      // owner/name from the payload: exactly two plain segments, encoded, so it cannot steer the API path.
      const segments = repository.split('/');
      if (segments.length !== 2 || segments.some((s) => !s || s === '.' || s === '..'))
        throw new InputError(`repository ${JSON.stringify(repository.slice(0, 200))} is not owner/name`);
      const url = `${base}/repos/${segments.map(encodeURIComponent).join('/')}/contents/${path.split('/').map(encodeURIComponent).join('/')}?ref=${encodeURIComponent(ref)}`;
      const res = await send(url, {
        headers: {
          accept: 'application/vnd.github.raw+json',
          'x-github-api-version': '2022-11-28',
          'user-agent': 'aegis',
          ...(o.token ? { authorization: `Bearer ${o.token}` } : {}),
        },
      });
      if (!res.ok) throw new Error(`GitHub contents API answered ${res.status} for ${path}@${ref}`);
      return res.text();
    },
  };
}

const repository = z.object({
  full_name: z.string().min(1),
  name: z.string().min(1),
  default_branch: z.string().optional(),
});
const deploymentSchema = z.object({
  id: z.number(),
  sha: z.string().default(''),
  ref: z.string().default(''),
  environment: z.string().default(''),
  description: z.string().nullable().optional(),
  payload: z.union([z.record(z.string(), z.unknown()), z.string()]).optional(),
  created_at: z.string().optional(),
});
const eventSchemas = {
  ping: z.object({ zen: z.string().optional() }),
  deployment: z.object({ deployment: deploymentSchema, repository }),
  deployment_status: z.object({
    deployment_status: z.object({
      state: z.string(),
      description: z.string().nullable().optional(),
      created_at: z.string().optional(),
      target_url: z.string().nullable().optional(),
    }),
    deployment: deploymentSchema,
    repository,
  }),
  push: z.object({
    ref: z.string(),
    after: z.string(),
    repository,
    commits: z
      .array(
        z.object({
          id: z.string(),
          added: z.array(z.string()).default([]),
          modified: z.array(z.string()).default([]),
          removed: z.array(z.string()).default([]),
        }),
      )
      .default([]),
  }),
  workflow_run: z.object({
    action: z.string(),
    workflow_run: z.object({
      id: z.number(),
      name: z.string().nullable().optional(),
      conclusion: z.string().nullable().optional(),
      head_branch: z.string().nullable().optional(),
      head_sha: z.string(),
      html_url: z.string().optional(),
      updated_at: z.string().optional(),
    }),
    repository,
  }),
};
type GithubEvent = keyof typeof eventSchemas;

const IAC_FILE = /\.(tf|tfvars|ya?ml|json|template)$/i;
const MAX_FILES = 50;

/** The service a deployment concerns: `payload.service` when the deployer sets it, else the repository name. */
function serviceOf(d: z.infer<typeof deploymentSchema>, repo: z.infer<typeof repository>): string {
  const payload = typeof d.payload === 'string' ? safeJson(d.payload) : d.payload;
  const named = (payload as { service?: unknown } | undefined)?.service;
  // The payload string is JSON of its own, unchecked so far: a name the store cannot keep is not used.
  return typeof named === 'string' && named && unstorablePath(named) === undefined ? named : repo.name;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export interface GithubWebhookDeps {
  writer: SignalWriter;
  signals: SignalRepository;
  bus: EventBus;
  logger: Logger;
  secret?: string;
  contents: GithubContentsPort;
  iac?: IacScanPort;
  now: () => Date;
}

/**
 * GitHub: deployments and deployment statuses feed RCA's change feed (`deployments` topic); a failed
 * deployment is a signal; a push has its changed IaC files fetched and scanned after the 202 (topic
 * `compliance`). Re-deliveries are recognised by their delivery id.
 */
export function githubWebhookRoutes(d: GithubWebhookDeps): RouteDef[] {
  const change = (
    kind: string,
    service: string,
    description: string,
    at: string | undefined,
    extra: Record<string, unknown>,
  ) =>
    d.bus.publish('deployments', `github.${kind}`, {
      service,
      kind,
      description,
      at: at ?? d.now().toISOString(),
      source: 'github',
      ...extra,
    });

  const scanPush = async (push: z.infer<typeof eventSchemas.push>) => {
    const changed = [...new Set(push.commits.flatMap((c) => [...c.added, ...c.modified]))].filter((f) =>
      IAC_FILE.test(f),
    );
    const removed = new Set(push.commits.flatMap((c) => c.removed));
    const paths = changed.filter((f) => !removed.has(f)).slice(0, MAX_FILES);
    if (!paths.length || !d.iac) return;
    const files: Array<{ path: string; content: string }> = [];
    const errors: string[] = [];
    for (const path of paths) {
      try {
        files.push({ path, content: await d.contents.fileAt(push.repository.full_name, path, push.after) });
      } catch (err) {
        errors.push(errorMessage(err));
      }
    }
    const { findings } = await d.iac.scan(files, `github:${push.repository.full_name}@${push.after}`);
    d.bus.publish('compliance', 'iac.push_scanned', {
      repository: push.repository.full_name,
      ref: push.ref,
      sha: push.after,
      files: files.map((f) => f.path),
      errors,
      findings,
    });
  };

  const validate = (event: GithubEvent, body: unknown): unknown => {
    const parsed = eventSchemas[event].safeParse(body);
    if (!parsed.success)
      throw new InputError(
        `${event} payload: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    return parsed.data;
  };

  const handle = async (
    event: GithubEvent,
    data: unknown,
  ): Promise<{ signals: Signal[]; after?: () => Promise<void> }> => {
    if (event === 'deployment') {
      const p = data as z.infer<typeof eventSchemas.deployment>;
      const service = serviceOf(p.deployment, p.repository);
      change(
        'deploy',
        service,
        `deploy ${p.repository.full_name}@${clip(p.deployment.sha, 7)} to ${p.deployment.environment}`,
        p.deployment.created_at,
        {
          sha: p.deployment.sha,
          environment: p.deployment.environment,
        },
      );
    } else if (event === 'deployment_status') {
      const p = data as z.infer<typeof eventSchemas.deployment_status>;
      const service = serviceOf(p.deployment, p.repository);
      const state = p.deployment_status.state;
      change(
        `deployment_${state}`,
        service,
        `deployment ${state}: ${p.repository.full_name}@${clip(p.deployment.sha, 7)}`,
        p.deployment_status.created_at,
        { sha: p.deployment.sha },
      );
      if (state === 'failure' || state === 'error') return { signals: [failedDeploySignal(p, service, d.now())] };
    } else if (event === 'workflow_run') {
      const p = data as z.infer<typeof eventSchemas.workflow_run>;
      if (p.action === 'completed') {
        change(
          `workflow_${p.workflow_run.conclusion ?? 'completed'}`,
          p.repository.name,
          `workflow ${p.workflow_run.name ?? p.workflow_run.id} ${p.workflow_run.conclusion ?? ''}`,
          p.workflow_run.updated_at,
          {
            sha: p.workflow_run.head_sha,
            url: p.workflow_run.html_url,
          },
        );
      }
    } else if (event === 'push') {
      const p = data as z.infer<typeof eventSchemas.push>;
      return { signals: [], after: () => scanPush(p) };
    }
    return { signals: [] };
  };

  return [
    defineRoute({
      method: 'post',
      path: '/webhooks/github',
      operationId: 'githubWebhook',
      summary:
        'GitHub webhook (deployment, deployment_status, push, workflow_run); X-Hub-Signature-256 or bearer token',
      tags: ['webhooks'],
      permission: 'ingest',
      body: z.record(z.string(), z.unknown()).describe('the event payload, as GitHub sends it'),
      response: acceptedSchema.extend({ event: z.string(), ignored: z.boolean().optional() }),
      status: 202,
      audit: { action: 'webhook.github', recordedByHandler: true },
      authenticate: signatureOrBearer({
        source: 'github',
        header: 'x-hub-signature-256',
        secret: d.secret,
        secretName: 'AEGIS_GITHUB_WEBHOOK_SECRET',
        verify: (req, signature, secret) => verifyGithubSignature({ secret, signature, body: rawBody(req) }),
      }),
      async handler({ body, req, principal }) {
        const event = req.header('x-github-event') ?? '';
        const delivery = req.header('x-github-delivery') ?? '';
        if (!/^[\w-]{1,100}$/.test(delivery)) throw new InputError('X-GitHub-Delivery is missing or malformed');
        // GitHub's form encoding wraps the JSON in a `payload` field.
        const payload = typeof body.payload === 'string' ? safeJson(body.payload) : body;
        // The form's JSON was text until now: its strings get the check every request body had.
        assertStorable(payload, 'payload');
        const audit = deliveryAudit(req, principal, 'webhook.github', { event, delivery });
        // Own keys only: `__proto__` or `constructor` as an event name must not find Object.prototype's members.
        if (!Object.hasOwn(eventSchemas, event)) {
          await d.writer.submit([], { ...audit, details: { ...audit.details, ignored: true } });
          return { status: 202, body: { ...summarise([]), event, ignored: true } };
        }
        const data = validate(event as GithubEvent, payload);
        const fresh = await d.signals.recordDelivery('github', delivery);
        if (!fresh) {
          await d.writer.submit([], { ...audit, details: { ...audit.details, duplicate: true } });
          return { status: 202, body: { ...summarise([]), duplicates: 1, event } };
        }
        const { signals, after } = await handle(event as GithubEvent, data);
        const outcomes = await d.writer.submit(signals, audit);
        // Fetching and scanning a push's files is slow: it runs after the answer, never before.
        if (after) void after().catch((err: unknown) => d.logger.warn('push scan failed', { delivery, err }));
        return { status: 202, body: { ...summarise(outcomes), event } };
      },
    }),
  ];
}

/** GitHub sends ISO 8601; anything unreadable falls back to when we received it rather than an invalid Date. */
function dateOr(text: string | undefined, fallback: Date): Date {
  const ms = text ? Date.parse(text) : NaN;
  return Number.isNaN(ms) ? fallback : new Date(ms);
}

function failedDeploySignal(
  p: z.infer<(typeof eventSchemas)['deployment_status']>,
  service: string,
  now: Date,
): Signal {
  return {
    source: 'github',
    kind: 'event',
    dedupe_key: `github:deployment:${p.deployment.id}:${p.deployment_status.state}`,
    status: 'firing',
    service,
    namespace: null,
    severity: 'high',
    title: `Deployment ${p.deployment_status.state} on ${service}`,
    summary:
      clip(`${p.repository.full_name}@${clip(p.deployment.sha, 7)} to ${p.deployment.environment}: ${p.deployment_status.description ?? ''}`, 2000),
    labels: { repository: p.repository.full_name, environment: p.deployment.environment, sha: p.deployment.sha },
    starts_at: dateOr(p.deployment_status.created_at, now),
    group_hint: service,
    payload: {
      deployment_id: p.deployment.id,
      state: p.deployment_status.state,
      target_url: p.deployment_status.target_url ?? undefined,
    },
  };
}

/**
 * The IaC engine as the push scanner: loaded on the first push with IaC changes, and each scan stored
 * as a `webhook` scan so its findings appear in GET /iac/findings.
 */
export function iacEngineScanner(o: { db: Database; clock: Clock }): IacScanPort {
  return {
    async scan(files, target) {
      const iac = await import('../iac/index.js');
      const started = o.clock.nowMs();
      const result = await iac.scanFiles(files);
      await iac.createIacFindingStore({ db: o.db }).recordScan(
        {
          source: 'webhook',
          target,
          actor: 'webhook:github',
          duration_ms: o.clock.nowMs() - started,
          stats: result.stats,
        },
        result.findings,
        result.suppressed,
      );
      return result;
    },
  };
}
