import { createHmac, timingSafeEqual } from 'node:crypto';

/** How far a signed timestamp may be from our clock (Slack's and Grafana's replay window). */
export const REPLAY_WINDOW_SECONDS = 300;

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

function hexEquals(expectedHex: string, givenHex: string): boolean {
  if (!/^[0-9a-f]+$/i.test(givenHex)) return false;
  const expected = Buffer.from(expectedHex, 'hex');
  const given = Buffer.from(givenHex, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function hmacHex(secret: string, ...parts: Array<string | Buffer>): string {
  const mac = createHmac('sha256', secret);
  for (const part of parts) mac.update(part);
  return mac.digest('hex');
}

function checkTimestamp(timestamp: string, nowMs: number): SignatureCheck {
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'signature timestamp is not unix seconds' };
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > REPLAY_WINDOW_SECONDS) {
    return { ok: false, reason: `signature timestamp is outside the ${REPLAY_WINDOW_SECONDS} s replay window` };
  }
  return { ok: true };
}

/** Grafana alerting: hex(HMAC-SHA256(secret, [timestamp + ":"] + body)); the timestamp header is optional. */
export function verifyGrafanaSignature(o: {
  secret: string;
  body: Buffer;
  signature: string;
  timestamp?: string;
  nowMs: number;
}): SignatureCheck {
  if (o.timestamp !== undefined) {
    const ts = checkTimestamp(o.timestamp, o.nowMs);
    if (!ts.ok) return ts;
  }
  const expected = o.timestamp !== undefined ? hmacHex(o.secret, `${o.timestamp}:`, o.body) : hmacHex(o.secret, o.body);
  return hexEquals(expected, o.signature.trim()) ? { ok: true } : { ok: false, reason: 'signature does not match' };
}

/** GitHub: `X-Hub-Signature-256: sha256=<hex HMAC of the body>`. */
export function verifyGithubSignature(o: { secret: string; body: Buffer; signature: string }): SignatureCheck {
  const match = /^sha256=([0-9a-f]{64})$/i.exec(o.signature.trim());
  if (!match?.[1]) return { ok: false, reason: 'X-Hub-Signature-256 must be "sha256=<hex>"' };
  return hexEquals(hmacHex(o.secret, o.body), match[1])
    ? { ok: true }
    : { ok: false, reason: 'signature does not match' };
}

/** Slack: `X-Slack-Signature: v0=<hex HMAC of "v0:<timestamp>:<body>">`, timestamp within five minutes. */
export function verifySlackSignature(o: {
  secret: string;
  body: Buffer;
  signature: string;
  timestamp: string | undefined;
  nowMs: number;
}): SignatureCheck {
  if (o.timestamp === undefined) return { ok: false, reason: 'X-Slack-Request-Timestamp is missing' };
  const ts = checkTimestamp(o.timestamp, o.nowMs);
  if (!ts.ok) return ts;
  const match = /^v0=([0-9a-f]{64})$/i.exec(o.signature.trim());
  if (!match?.[1]) return { ok: false, reason: 'X-Slack-Signature must be "v0=<hex>"' };
  const expected = hmacHex(o.secret, `v0:${o.timestamp}:`, o.body);
  return hexEquals(expected, match[1]) ? { ok: true } : { ok: false, reason: 'signature does not match' };
}

/** Signs like each sender does: for tests, the bench and the local stand-ins. */
export const sign = {
  grafana: (secret: string, body: string | Buffer, timestamp?: string) =>
    timestamp !== undefined ? hmacHex(secret, `${timestamp}:`, body) : hmacHex(secret, body),
  github: (secret: string, body: string | Buffer) => `sha256=${hmacHex(secret, body)}`,
  slack: (secret: string, body: string | Buffer, timestamp: string) =>
    `v0=${hmacHex(secret, `v0:${timestamp}:`, body)}`,
};
