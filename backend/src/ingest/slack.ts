import type { Request } from 'express';
import { z } from 'zod';
import { can, credentialOf, type Principal } from '../api/principal.js';
import { defineRoute, type RouteDef } from '../api/route.js';
import { AegisError, errorMessage, ForbiddenError, InputError } from '../platform/errors.js';
import { assertStorable } from '../platform/storable.js';
import type { IncidentRepository } from '../store/incidents.js';
import type { SignalRepository } from '../store/signals.js';
import type { Role } from '../store/types.js';
import { deliveryAudit, rawBody, signatureOrBearer, signaturePrincipal } from './auth.js';
import { verifySlackSignature } from './signature.js';
import type { SignalWriter } from './writer.js';

/** Approving and rejecting remediations: the remediation service, when it runs. */
export interface RemediationDecisions {
  approve(id: string, actor: string, actorRole?: string): Promise<{ id: string; status: string }>;
  reject(id: string, actor: string, reason?: string, actorRole?: string): Promise<{ id: string; status: string }>;
}

export interface SlackUser {
  name: string;
  role: Role;
}

export interface SlackWebhookDeps {
  writer: SignalWriter;
  signals: SignalRepository;
  incidents: Pick<IncidentRepository, 'list' | 'getDetail'>;
  /** Slack user id → Aegis identity; read on each request so edits of slack.yaml apply without a restart. */
  users: () => Promise<Record<string, SlackUser>>;
  decisions?: RemediationDecisions;
  secret?: string;
  nowMs: () => number;
  /** Where a button's outcome is posted back (Slack ignores the HTTP answer to a button); only Slack's own hooks by default. */
  responseUrlPrefix?: string;
  fetch?: typeof fetch;
}

const slashCommand = z.object({
  command: z.string().min(1),
  text: z.string().max(2000).default(''),
  user_id: z.string().min(1),
  user_name: z.string().optional(),
  trigger_id: z.string().min(1),
  team_id: z.string().optional(),
  channel_id: z.string().optional(),
});
const blockActions = z.object({
  type: z.literal('block_actions'),
  user: z.object({ id: z.string().min(1), username: z.string().optional() }),
  trigger_id: z.string().min(1),
  response_url: z.string().optional(),
  actions: z.array(z.object({ action_id: z.string(), value: z.string().optional() })).min(1),
});

const replySchema = z
  .object({
    response_type: z.enum(['ephemeral', 'in_channel']),
    text: z.string(),
    replace_original: z.boolean().optional(),
  })
  .meta({ id: 'SlackReply' });
type Reply = z.infer<typeof replySchema>;

const ephemeral = (text: string): Reply => ({ response_type: 'ephemeral', text });
const USAGE =
  'Usage: /aegis status | incidents | show <incident id> | approve <remediation id> | reject <remediation id> [reason]';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What Slack sent: a slash command (form fields) or an interaction (a `payload` field holding JSON). */
function requestOf(body: Record<string, unknown>): {
  user: string;
  trigger: string;
  words: string[];
  responseUrl?: string;
} {
  if (typeof body.payload === 'string') {
    let json: unknown;
    try {
      json = JSON.parse(body.payload);
    } catch {
      throw new InputError('payload is not JSON');
    }
    assertStorable(json, 'payload');
    const p = blockActions.safeParse(json);
    if (!p.success)
      throw new InputError(
        `unsupported Slack interaction: ${p.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    const action = p.data.actions[0];
    const verb =
      action?.action_id === 'aegis_approve' ? 'approve' : action?.action_id === 'aegis_reject' ? 'reject' : '';
    if (!verb) throw new InputError(`unknown action ${action?.action_id ?? ''}`);
    return {
      user: p.data.user.id,
      trigger: p.data.trigger_id,
      words: [verb, action?.value ?? ''],
      responseUrl: p.data.response_url,
    };
  }
  const c = slashCommand.safeParse(body);
  if (!c.success)
    throw new InputError(
      `not a Slack slash command: ${c.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  return { user: c.data.user_id, trigger: c.data.trigger_id, words: c.data.text.trim().split(/\s+/).filter(Boolean) };
}

/**
 * Slack: `/aegis` slash commands and the Approve / Reject buttons of remediation messages. Each Slack
 * user acts as the Aegis identity slack.yaml maps them to; unmapped users may only read.
 */
export function slackWebhookRoutes(d: SlackWebhookDeps): RouteDef[] {
  const incidentLine = (i: { id: string; severity: string; status: string; title: string }) =>
    `• \`${i.id}\` ${i.severity} ${i.status}: ${i.title}`;

  const run = async (words: string[], who: SlackUser | undefined): Promise<Reply> => {
    const [verb = 'status', arg = '', ...rest] = words;
    if (verb === 'status' || verb === 'incidents') {
      const open = await d.incidents.list({
        status: ['open', 'investigating', 'awaiting_approval', 'remediating'],
        limit: verb === 'status' ? 500 : 10,
      });
      if (verb === 'incidents')
        return ephemeral(
          open.items.length
            ? `Unresolved incidents:\n${open.items.map(incidentLine).join('\n')}`
            : 'No unresolved incidents.',
        );
      const bySeverity = new Map<string, number>();
      for (const i of open.items) bySeverity.set(i.severity, (bySeverity.get(i.severity) ?? 0) + 1);
      const parts = [...bySeverity].map(([s, n]) => `${n} ${s}`);
      return ephemeral(
        `Aegis: ${open.items.length}${open.next ? '+' : ''} unresolved incident(s)${parts.length ? ` (${parts.join(', ')})` : ''}.`,
      );
    }
    if (verb === 'show') {
      if (!UUID.test(arg)) return ephemeral('Give the incident id: /aegis show <incident id>');
      const i = await d.incidents.getDetail(arg);
      const lastSteps = i.timeline.slice(-5).map((t) => `  ${t.at} ${t.message}`);
      return ephemeral(
        [
          incidentLine(i),
          `services: ${i.services.join(', ') || 'unknown'} · ${i.signals.length} signal(s)`,
          ...lastSteps,
        ].join('\n'),
      );
    }
    if (verb === 'approve' || verb === 'reject') {
      if (!UUID.test(arg)) return ephemeral(`Give the remediation id: /aegis ${verb} <remediation id>`);
      if (!who)
        return ephemeral(
          'Your Slack user is not mapped to an Aegis user (slack.yaml), so you cannot approve or reject.',
        );
      if (!can(principalOf(who), 'operate')) return ephemeral(`Role ${who.role} may not ${verb} remediations.`);
      if (!d.decisions) return ephemeral('Remediation approvals are not available on this server.');
      const actor = `slack:${who.name}`;
      const r =
        verb === 'approve'
          ? await d.decisions.approve(arg, actor, who.role)
          : await d.decisions.reject(arg, actor, rest.join(' ') || undefined, who.role);
      return {
        response_type: 'in_channel',
        text: `Remediation ${r.id} ${r.status} by ${who.name}.`,
        replace_original: false,
      };
    }
    return ephemeral(USAGE);
  };

  return [
    defineRoute({
      method: 'post',
      path: '/webhooks/slack',
      operationId: 'slackWebhook',
      summary:
        'Slack slash commands (/aegis …) and interactive buttons; Slack signing secret with a 5-minute replay window',
      tags: ['webhooks'],
      permission: 'ingest',
      body: z.record(z.string(), z.unknown()).describe('form fields as Slack sends them'),
      response: replySchema,
      status: 200,
      audit: { action: 'webhook.slack', recordedByHandler: true },
      authenticate: slackAuthentication({
        source: 'slack',
        header: 'x-slack-signature',
        secret: d.secret,
        secretName: 'AEGIS_SLACK_SIGNING_SECRET',
        verify: (req: Request, signature, secret) =>
          verifySlackSignature({
            secret,
            signature,
            body: rawBody(req),
            timestamp: req.header('x-slack-request-timestamp'),
            nowMs: d.nowMs(),
          }),
      }),
      async handler({ body, req, principal }) {
        const { user, trigger, words, responseUrl } = requestOf(body);
        const signed = principal.tokenId === SLACK_SIGNATURE.tokenId;
        // Only Slack's signature proves who clicked: a bearer token's user_id is a claim anyone can make.
        if (!signed && DECISIONS.has(words[0] ?? ''))
          throw new ForbiddenError('approving or rejecting through Slack requires a valid X-Slack-Signature');
        const audit = (details: Record<string, unknown>) =>
          deliveryAudit(req, principal, 'webhook.slack', {
            credential: credentialOf(principal),
            slack_user: user,
            command: words.slice(0, 2).join(' '),
            ...details,
          });
        if (!(await d.signals.recordDelivery('slack', trigger))) {
          await d.writer.submit([], { ...audit({ duplicate: true }), status: 200 });
          return ephemeral('Already handled.');
        }
        const users = signed ? await d.users() : {};
        // Own entries only: a Slack user id of `__proto__` or `constructor` is nobody.
        const who = Object.hasOwn(users, user) ? users[user] : undefined;
        let reply: Reply;
        try {
          reply = await run(words, who);
        } catch (err) {
          // Slack shows only what a 200 says: domain refusals (unknown id, already approved) become the reply.
          if (!(err instanceof AegisError)) throw err;
          reply = ephemeral(`Refused: ${errorMessage(err)}`);
        }
        await d.writer.submit([], {
          ...audit({ as: who?.name ?? null }),
          actor: signed ? (who ? `slack:${who.name}` : `slack:${user}`) : principal.actor,
          status: 200,
        });
        if (responseUrl?.startsWith(d.responseUrlPrefix ?? 'https://hooks.slack.com/')) {
          const send = d.fetch ?? fetch;
          void send(responseUrl, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(reply),
          }).catch(() => {});
        }
        return reply;
      },
    }),
  ];
}

function principalOf(who: SlackUser): Principal {
  return { tokenId: 'slack', tokenName: 'slack', role: who.role, actor: `slack:${who.name}` };
}

const DECISIONS = new Set(['approve', 'reject']);
const SLACK_SIGNATURE = signaturePrincipal('slack');

/**
 * Slack's signature, or a bearer token of a role that may read: the bearer path serves only the read
 * commands (the ingest token stored in every contact point may not read, let alone approve).
 */
function slackAuthentication(o: Parameters<typeof signatureOrBearer>[0]) {
  const inner = signatureOrBearer(o);
  return async (req: Request, bearer: Principal | undefined): Promise<Principal> => {
    const principal = await inner(req, bearer);
    if (principal.tokenId !== SLACK_SIGNATURE.tokenId && !can(principal, 'read'))
      throw new ForbiddenError(`role ${principal.role} may not read; Slack commands need a Slack signature or a token that may read`);
    return principal;
  };
}
