import { describe, expect, it } from 'vitest';
import type { BusEvent } from '../events/bus.js';
import { createSlackNotifier, slackMessageFor } from './slack.js';

const opened = (title: string): BusEvent => ({
  topic: 'incidents',
  type: 'incident.opened',
  at: '2026-01-01T00:00:00.000Z',
  data: { id: '00000000-0000-4000-8000-000000000001', title, severity: 'high', services: ['cart'], status: 'open' },
});

describe('Slack notifier', () => {
  it('posts one message at a time and waits out a 429 before retrying', async () => {
    const calls: string[] = [];
    const waits: number[] = [];
    let first = true;
    const fetchFn = (async (_url: string | URL | Request, init?: RequestInit) => {
      calls.push(JSON.parse(String(init?.body)).text as string);
      if (first) {
        first = false;
        return new Response('rate limited', { status: 429, headers: { 'retry-after': '2' } });
      }
      return new Response('ok', { status: 200 });
    }) as typeof fetch;
    const slack = createSlackNotifier({
      webhookUrl: 'http://slack.invalid/hook',
      fetch: fetchFn,
      sleep: async (ms) => void waits.push(ms),
    });
    await Promise.all([slack?.notify(opened('one')), slack?.notify(opened('two'))]);
    expect(waits).toEqual([2000]);
    expect(calls.map((t) => t.replace(/.*: /, ''))).toEqual(['one (high)', 'one (high)', 'two (high)']);
  });

  it('uses chat.postMessage with the bot token and the configured channel', async () => {
    const seen: Array<{ url: string; auth: string | null; body: { channel: string; text: string } }> = [];
    const fetchFn = (async (url: string | URL | Request, init?: RequestInit) => {
      seen.push({
        url: String(url),
        auth: new Headers(init?.headers).get('authorization'),
        body: JSON.parse(String(init?.body)),
      });
      return Response.json({ ok: true });
    }) as typeof fetch;
    const slack = createSlackNotifier({
      botToken: 'xoxb-test',
      channel: '#incidents',
      apiUrl: 'http://slack.invalid/api',
      fetch: fetchFn,
    });
    await slack?.notify(opened('db down'));
    expect(seen).toEqual([
      {
        url: 'http://slack.invalid/api/chat.postMessage',
        auth: 'Bearer xoxb-test',
        body: expect.objectContaining({ channel: '#incidents', text: expect.stringContaining('db down') }),
      },
    ]);
    const failing = createSlackNotifier({
      botToken: 'xoxb-test',
      channel: '#x',
      fetch: (async () => Response.json({ ok: false, error: 'channel_not_found' })) as typeof fetch,
    });
    await expect(failing?.notify(opened('y'))).rejects.toThrow(/channel_not_found/);
  });

  it('says nothing about signal floods, and links incidents to Grafana when it can', () => {
    expect(slackMessageFor({ ...opened('x'), type: 'incident.signal' })).toBeUndefined();
    const m = slackMessageFor(opened('x'), { incident: (id) => `https://grafana/a/aegis-app/incidents/${id}` });
    expect(JSON.stringify(m?.blocks)).toContain(
      '<https://grafana/a/aegis-app/incidents/00000000-0000-4000-8000-000000000001|',
    );
  });

  it('is off unless a webhook URL, or a bot token and a channel, are configured', () => {
    expect(createSlackNotifier({})).toBeUndefined();
    expect(createSlackNotifier({ botToken: 'xoxb-1' })).toBeUndefined();
    expect(createSlackNotifier({ botToken: 'xoxb-1', channel: '#incidents' })?.description).toMatch(/chat.postMessage/);
  });
});
