/**
 * Query values decoded the way the API server decodes ListOptions/GetOptions booleans: absent, `0` or
 * `false` (any case) is false; anything else — `true`, `True` (the Python client), `1`, even empty — is true.
 */
export function queryBool(url: URL, name: string): boolean {
  const v = url.searchParams.get(name);
  if (v === null) return false;
  return !(v === '0' || v.toLowerCase() === 'false');
}

/** An opaque `continue` token: the list's resourceVersion and the last key served (namespace/name). */
export function continueToken(rv: string, key: string): string {
  return Buffer.from(JSON.stringify({ v: 'sim/1', rv, key })).toString('base64url');
}

export function readContinue(token: string): { rv: string; key: string } | undefined {
  try {
    const t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { v?: string; rv?: unknown; key?: unknown };
    return t.v === 'sim/1' && typeof t.rv === 'string' && typeof t.key === 'string' ? { rv: t.rv, key: t.key } : undefined;
  } catch {
    return undefined;
  }
}
