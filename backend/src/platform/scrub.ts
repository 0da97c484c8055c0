// The one secret scrubber: everything that leaves the process with cluster or incident text in it (MCP tool
// answers, LLM prompts and answers, Slack messages, Grafana annotations) passes through here. Redaction is
// one-way: a scrubbed value is never restored, whatever a model echoes back.

export const REDACTED = '[REDACTED]';

/** Words that make a key, a header or a nearby string secret. */
const SECRET_WORD = String.raw`(?:passw(?:or)?d|passphrase|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|client[_-]?secret|credentials?|auth(?:orization)?|session[_-]?key|signing[_-]?key|encryption[_-]?key|dsn|connection[_-]?string)`;
const SECRET_NAME = new RegExp(`^[\\w.-]*${SECRET_WORD}[\\w.-]*$`, 'i');

/** Known credential shapes, redacted wherever they appear. */
const TOKEN_SHAPES: RegExp[] = [
  /-----BEGIN [A-Z0-9 ]*(?:PRIVATE KEY|CERTIFICATE|PGP PRIVATE KEY BLOCK|OPENSSH PRIVATE KEY)-----[\s\S]*?(?:-----END [A-Z0-9 ]*-----|$)/g,
  /\bgithub_pat_[A-Za-z0-9_]{20,}/g,
  /\bgh[pousr]_[A-Za-z0-9]{20,}/g,
  /\bglpat-[A-Za-z0-9_-]{20,}/g,
  /\bxox[abeprs]-[A-Za-z0-9-]{10,}/g,
  /\bhttps:\/\/hooks\.slack\.com\/services\/[A-Za-z0-9/_-]+/g,
  /\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[0-9A-Z]{16}\b/g,
  /\bAIza[0-9A-Za-z_-]{35}\b/g,
  /\bsk-(?:proj-|live-|test-)?[A-Za-z0-9_-]{20,}/g,
  /\b[rs]k_(?:live|test)_[A-Za-z0-9]{16,}/g,
  /\bnpm_[A-Za-z0-9]{36}\b/g,
  /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g,
  // Aegis's own API tokens.
  /\baeg_[A-Za-z0-9_-]{16,}/g,
];

/** `Authorization: Bearer x`, `Basic x`, `Token x`. */
const AUTH_SCHEME = /\b(Bearer|Basic|Token|Digest)\s+[A-Za-z0-9._~+/=-]{6,}/g;
/** scheme://user:password@host → the password goes. */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@'"]*:)([^\s@/'"]+)(@)/gi;
/** "password": "x" (JSON) and password = x / password: x / PASSWORD=x (env, YAML, logs). */
const JSON_FIELD = new RegExp(`("[\\w.-]*${SECRET_WORD}[\\w.-]*"\\s*:\\s*)"(?:[^"\\\\]|\\\\.)*"`, 'gi');
const KEY_VALUE = new RegExp(`\\b([\\w.-]*${SECRET_WORD}[\\w.-]*)(\\s*[=:]\\s*)("[^"]*"|'[^']*'|[^\\s,;&"'}\\]]+)`, 'gi');
/** A long random-looking string within a few words after a secret-like word. */
const NEAR_SECRET_WORD = new RegExp(`(${SECRET_WORD}\\W{1,20}(?:\\w+\\W{1,3}){0,3}?)([A-Za-z0-9+/_=-]{20,})`, 'gi');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function entropyBitsPerChar(s: string): number {
  const counts = new Map<string, number>();
  for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) h -= (n / s.length) * Math.log2(n / s.length);
  return h;
}

const looksRandom = (s: string) => !UUID.test(s) && /\d/.test(s) && /[A-Za-z]/.test(s) && entropyBitsPerChar(s) >= 3.5;

/** Redacts every secret shape found in a text. */
export function scrubText(text: string): string {
  let out = text;
  for (const re of TOKEN_SHAPES) out = out.replace(re, REDACTED);
  out = out.replace(AUTH_SCHEME, (_m, scheme: string) => `${scheme} ${REDACTED}`);
  out = out.replace(URL_CREDENTIALS, (_m, head: string, _pw: string, at: string) => `${head}${REDACTED}${at}`);
  out = out.replace(JSON_FIELD, (_m, key: string) => `${key}"${REDACTED}"`);
  out = out.replace(KEY_VALUE, (m, key: string, sep: string, value: string) =>
    value === REDACTED || value === `"${REDACTED}"` || /^\$\{?\w+\}?$/.test(value) ? m : `${key}${sep}${REDACTED}`,
  );
  out = out.replace(NEAR_SECRET_WORD, (m, head: string, value: string) => (looksRandom(value) ? `${head}${REDACTED}` : m));
  return out;
}

/** Whether a key (an env var, a JSON field, a header) names a secret. */
export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/**
 * Redacts a JSON-like value: secret-named fields lose their value, Kubernetes env entries whose name is
 * secret-like lose theirs (Secret-sourced ones carry only a reference, which is kept), and every string is
 * scrubbed. A Kubernetes Secret object's data never passes.
 */
export function scrubValue<T>(value: T, depth = 0): T {
  if (depth > 64) return REDACTED as T;
  if (typeof value === 'string') return scrubText(value) as T;
  if (Array.isArray(value)) return value.map((v) => scrubValue(v, depth + 1)) as T;
  if (!value || typeof value !== 'object') return value;
  const obj = value as Record<string, unknown>;
  const isSecretObject = obj.kind === 'Secret';
  const envName = typeof obj.name === 'string' && ('value' in obj || 'valueFrom' in obj) ? obj.name : undefined;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    if ((isSecretObject && (k === 'data' || k === 'stringData')) || (isSecretName(k) && (typeof v === 'string' || typeof v === 'number'))) out[k] = REDACTED;
    else if (k === 'value' && envName !== undefined && (isSecretName(envName) || 'valueFrom' in obj)) out[k] = REDACTED;
    else out[k] = scrubValue(v, depth + 1);
  }
  return out as T;
}
