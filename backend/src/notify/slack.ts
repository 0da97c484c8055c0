import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { scrubValue } from '../platform/scrub.js';
import type { BusEvent } from '../events/bus.js';
import { InputError, UnavailableError } from '../platform/errors.js';
import { role } from '../store/types.js';
import type { Notifier } from './notifier.js';

/**
 * `$AEGIS_HOME/slack.yaml`: the channel for chat.postMessage, and the table mapping Slack user ids to
 * the Aegis identity (and role) that slash commands and buttons act as. Unmapped users may only read.
 */
export const slackSettingsSchema = z.object({
  channel: z.string().min(1).optional(),
  users: z
    .record(
      z.string().regex(/^[UW][A-Z0-9]+$/, 'Slack user ids look like U012AB3CD'),
      z.object({ name: z.string().min(1).max(190), role }),
    )
    .default({}),
});
export type SlackSettings = z.infer<typeof slackSettingsSchema>;

export async function loadSlackSettings(file: string): Promise<SlackSettings> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { users: {} };
    throw err;
  }
  const parsed = slackSettingsSchema.safeParse(parseYaml(text) ?? {});
  if (!parsed.success)
    throw new InputError(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

export type SlackBlock = Record<string, unknown>;
export interface SlackMessage {
  text: string;
  blocks: SlackBlock[];
}

const incidentFields = z.object({
  id: z.string(),
  title: z.string(),
  severity: z.string(),
  services: z.array(z.string()).default([]),
  status: z.string(),
});
const remediationFields = z.object({
  id: z.string(),
  incident_id: z.string(),
  action_type: z.string(),
  target: z.string(),
  namespace: z.string(),
  status: z.string(),
  confidence: z.number().nullable().optional(),
  plan: z.unknown().optional(),
  approved_by: z.string().nullable().optional(),
});

export const APPROVE_ACTION = 'aegis_approve';
export const REJECT_ACTION = 'aegis_reject';

const section = (text: string): SlackBlock => ({ type: 'section', text: { type: 'mrkdwn', text } });

/** The Slack message for a bus event, or undefined when the event is not worth a message (signal floods). */
export function slackMessageFor(
  event: BusEvent,
  links: { incident?: (id: string) => string } = {},
): SlackMessage | undefined {
  const link = (id: string, label: string) => (links.incident ? `<${links.incident(id)}|${label}>` : label);
  if (event.topic === 'incidents' && (event.type === 'incident.opened' || event.type === 'incident.resolved')) {
    const i = incidentFields.safeParse(event.data);
    if (!i.success) return undefined;
    const opened = event.type === 'incident.opened';
    const text = `${opened ? ':rotating_light: Incident opened' : ':white_check_mark: Incident resolved'}: ${i.data.title} (${i.data.severity})`;
    return {
      text,
      blocks: [
        section(`*${link(i.data.id, text)}*`),
        {
          type: 'context',
          elements: [
            { type: 'mrkdwn', text: `services: ${i.data.services.join(', ') || 'unknown'} · id ${i.data.id}` },
          ],
        },
      ],
    };
  }
  if (event.topic !== 'remediations') return undefined;
  const r = remediationFields.safeParse(event.data);
  if (!r.success) return undefined;
  const what = `${r.data.action_type} ${r.data.namespace}/${r.data.target}`;
  if (r.data.status !== 'proposed') {
    const text = `Remediation ${what}: ${r.data.status}${r.data.approved_by ? ` (approved by ${r.data.approved_by})` : ''}`;
    return { text, blocks: [section(text)] };
  }
  const summary = (r.data.plan as { summary?: unknown } | undefined)?.summary;
  const confidence =
    typeof r.data.confidence === 'number' ? ` · confidence ${(r.data.confidence * 100).toFixed(0)}%` : '';
  const text = `:wrench: Remediation proposed: ${what}${confidence}`;
  return {
    text,
    blocks: [
      section(
        `*${text}*\n${typeof summary === 'string' ? summary : ''}\nincident ${link(r.data.incident_id, r.data.incident_id)}`,
      ),
      {
        type: 'actions',
        block_id: `remediation:${r.data.id}`,
        elements: [
          {
            type: 'button',
            action_id: APPROVE_ACTION,
            style: 'primary',
            value: r.data.id,
            text: { type: 'plain_text', text: 'Approve' },
          },
          {
            type: 'button',
            action_id: REJECT_ACTION,
            style: 'danger',
            value: r.data.id,
            text: { type: 'plain_text', text: 'Reject' },
          },
        ],
      },
    ],
  };
}

export interface SlackNotifierOptions {
  /** An incoming webhook URL (AEGIS_SLACK_WEBHOOK_URL)… */
  webhookUrl?: string;
  /** …or a bot token (AEGIS_SLACK_BOT_TOKEN) with chat:write and the channel from slack.yaml. */
  botToken?: string;
  channel?: string;
  /** Slack's Web API base; tests point it at a local receiver. */
  apiUrl?: string;
  /** Where an incident opens in Grafana (the app's page), for links in messages. */
  incidentLink?: (id: string) => string;
  fetch?: typeof fetch;
  /** Waits (Slack's Retry-After on 429); injectable for tests. */
  sleep?: (ms: number) => Promise<void>;
}

/** Slack: incidents opened/resolved and remediations (proposals carry Approve / Reject buttons). */
export function createSlackNotifier(o: SlackNotifierOptions): Notifier | undefined {
  const fetchFn = o.fetch ?? fetch;
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref()));
  if (!o.webhookUrl && !(o.botToken && o.channel)) return undefined;
  // Slack allows about one message a second per channel: posts go one at a time, and a 429 waits its Retry-After.
  let queue: Promise<unknown> = Promise.resolve();
  const send: typeof fetch = (input, init) => {
    const attempt = async (left: number): Promise<Response> => {
      const res = await fetchFn(input, init);
      if (res.status !== 429 || left === 0) return res;
      await sleep(Math.min(30, Number(res.headers.get('retry-after')) || 1) * 1000);
      return attempt(left - 1);
    };
    const run = queue.then(() => attempt(3));
    queue = run.catch(() => undefined);
    return run;
  };
  const post = async (unscrubbed: SlackMessage) => {
    // Incident titles and plans quote alerts and logs: nothing secret-shaped leaves for Slack.
    const message = scrubValue(unscrubbed);
    if (o.webhookUrl) {
      const res = await send(o.webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(message),
      });
      if (!res.ok) throw new UnavailableError(`Slack webhook answered ${res.status}`);
      return;
    }
    const res = await send(`${o.apiUrl ?? 'https://slack.com/api'}/chat.postMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', authorization: `Bearer ${o.botToken}` },
      body: JSON.stringify({ channel: o.channel, ...message }),
    });
    const body = (await res.json().catch(() => ({}))) as { ok?: boolean; error?: string };
    if (!res.ok || !body.ok) throw new UnavailableError(`Slack chat.postMessage failed: ${body.error ?? res.status}`);
  };
  return {
    id: 'slack',
    description: o.webhookUrl ? 'Slack incoming webhook' : `Slack chat.postMessage to ${o.channel}`,
    topics: ['incidents', 'remediations'],
    async notify(event) {
      const message = slackMessageFor(event, { incident: o.incidentLink });
      if (message) await post(message);
    },
  };
}
