import { execFile } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { grafanaPayload } from '../../ingest/testing.js';
import { sign } from '../../ingest/signature.js';

const run = promisify(execFile);

/** A local stand-in for Slack's incoming webhook: records every message posted to it. */
export async function slackReceiver(): Promise<{ url: string; messages: Array<{ text?: string }>; close(): Promise<void> }> {
  const messages: Array<{ text?: string }> = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      try {
        messages.push(JSON.parse(body) as { text?: string });
      } catch {
        messages.push({ text: body });
      }
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hook`, messages, close: () => new Promise((r) => server.close(() => r())) };
}

export type RequestOptions = { token?: string; body?: unknown; headers?: Record<string, string>; raw?: string };

export function httpClient(base: string): (method: string, path: string, o?: RequestOptions) => Promise<{ status: number; body: unknown }> {
  return async (method, path, o = {}) => {
    const headers: Record<string, string> = { ...o.headers };
    if (o.token) headers.authorization = `Bearer ${o.token}`;
    const body = o.raw ?? (o.body === undefined ? undefined : JSON.stringify(o.body));
    if (body !== undefined) headers['content-type'] ??= 'application/json';
    const res = await fetch(base + path, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* text */
    }
    return { status: res.status, body: parsed };
  };
}

/** A Grafana alerting notification for one firing alert on `service`, signed as Grafana signs it. */
export function signedGrafanaAlert(secret: string, o: { service: string; alertname: string; namespace: string; startsAt: string; labels?: Record<string, string> }) {
  const payload = grafanaPayload(
    [{ labels: { alertname: o.alertname, service: o.service, namespace: o.namespace, severity: 'critical', ...o.labels }, fingerprint: `fp-${o.alertname}-${o.service}`, startsAt: o.startsAt }],
    `{}:{alertname="${o.alertname}"}`,
  );
  const raw = JSON.stringify(payload);
  return { raw, headers: { 'x-grafana-alerting-signature': sign.grafana(secret, raw) } };
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number, everyMs = 250): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/** kubectl when installed (the check a person would run), else undefined. */
export async function kubectlJson(kubeconfig: string, args: string[]): Promise<unknown> {
  try {
    const { stdout } = await run('kubectl', ['--kubeconfig', kubeconfig, ...args, '-o', 'json'], { timeout: 20_000 });
    return JSON.parse(stdout);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
