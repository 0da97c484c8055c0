import fc from 'fast-check';
import { NO_SIM, startTestServer, type TestServer } from '../../test/helpers/server.js';
import { queryKeys, queryRoutes, queryValue } from './api-query.js';
import { hostileString } from './arbitraries.js';
import { HANG_MS, InvariantError, type FuzzTarget } from './target.js';

/** Percent-encodes like a browser, but lets unpaired surrogates through as the invalid UTF-8 a raw client could send. */
function encode(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    out += c >= 0xd800 && c <= 0xdfff ? '%ED%A0%80' : encodeURIComponent(ch);
  }
  return out;
}

const pathId = fc.oneof({ weight: 6, arbitrary: fc.uuid() }, { weight: 1, arbitrary: hostileString.map(encode) });
const rawPiece = fc.constantFrom('%', '%zz', '%E0%A4%A', '%00', '%C0%AF', '&&', '==', '[', ']', 'a[b][c][d][e][f][g]=1', 'a[]=1&a[]=2', '+');

export interface HttpInput {
  route: number;
  id: string;
  pairs: Array<[string, string | string[]]>;
  raw: string[];
}

/**
 * The API over real HTTP: GET routes with fuzzed query strings (malformed percent-encoding, repeated and nested
 * keys, NUL bytes) against a real server. Every answer must be 2xx or a 4xx with a JSON `error`; never a 5xx
 * nor silence past the hang limit.
 */
export function httpQueryTarget(): FuzzTarget<HttpInput> {
  const routes = queryRoutes();
  let server: TestServer | undefined;
  const arbitrary = fc.integer({ min: 0, max: routes.length - 1 }).chain((route) =>
    fc.record({
      route: fc.constant(route),
      id: pathId,
      pairs: fc.array(fc.tuple(fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...queryKeys(routes[route]!)) }, { weight: 1, arbitrary: hostileString }), fc.oneof({ weight: 6, arbitrary: queryValue }, { weight: 1, arbitrary: fc.array(queryValue, { maxLength: 3 }) })), { maxLength: 6 }),
      raw: fc.array(rawPiece, { maxLength: 2 }),
    }),
  );
  return {
    name: 'api:http',
    weight: 0,
    async: true,
    arbitrary,
    async setup() {
      // No rate limit: every request should reach the route, not stop at a 429.
      server = await startTestServer({ env: { ...NO_SIM, AEGIS_RATE_LIMIT: '0' } });
    },
    async teardown() {
      await server?.stop();
      server = undefined;
    },
    async run(input) {
      if (!server) throw new Error('setup() first');
      const r = routes[input.route]!;
      const query = [
        ...input.pairs.flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((x) => `${encode(k)}=${encode(x)}`)),
        ...input.raw,
      ].join('&');
      const url = `${server.url}/api/v1${r.path.replace(/\{\w+\}/g, input.id)}${query ? `?${query}` : ''}`;
      const res = await fetch(url, { headers: { authorization: `Bearer ${server.adminToken}` }, signal: AbortSignal.timeout(HANG_MS + 1000) });
      const text = await res.text();
      // Node's HTTP parser refuses a request line past its 16 kB header limit before any of our code runs.
      if (res.status === 431 && text === '') return '431 from the HTTP parser (URL over 16 kB)';
      if (res.status >= 500) throw new InvariantError(`${r.operationId} answered ${res.status}: ${text.slice(0, 200)} (${url.slice(server.url.length, server.url.length + 300)})`);
      if (res.status >= 400) {
        let body: { error?: { code?: string; message?: string } } | undefined;
        try {
          body = JSON.parse(text) as typeof body;
        } catch {
          /* checked below */
        }
        if (!body?.error) throw new InvariantError(`${r.operationId} answered ${res.status} without a JSON error: ${text.slice(0, 200)}`);
        return `${res.status} ${body.error.code ?? '?'}`;
      }
      return undefined;
    },
  };
}
