import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLokiLogSource } from './index.js';

/** A stand-in for Loki's query_range that records what it was asked. */
describe('Loki log source', () => {
  let server: http.Server;
  let url: string;
  const asked: URLSearchParams[] = [];
  let failNext = 0;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const u = new URL(req.url ?? '/', 'http://x');
      asked.push(u.searchParams);
      if (failNext > 0) {
        failNext--;
        res.writeHead(503).end('overloaded');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          status: 'success',
          data: {
            resultType: 'streams',
            result: [
              { stream: { namespace: 'shop', app: 'cart', pod: 'cart-1' }, values: [['1700000002000000000', 'level=error msg="redis timeout"'], ['1700000001000000000', 'GET /cart 200']] },
              { stream: { namespace: 'shop', app: 'cart', pod: 'cart-2', level: 'warn' }, values: [['1700000001500000000', 'slow request']] },
            ],
          },
        }),
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('queries by labels and window, and returns lines in time order with levels', async () => {
    const loki = createLokiLogSource({ baseUrl: url, retry: { retries: 2, backoffMs: 5 } });
    failNext = 1;
    const res = await loki.queryLogs({ namespace: 'shop', service: 'cart', from: 1_700_000_000_000, to: 1_700_000_003_000, limit: 50 });
    expect(res.errors).toEqual([]);
    expect(res.results.map((l) => [l.t, l.pod, l.level])).toEqual([
      [1_700_000_001_000, 'cart-1', 'info'],
      [1_700_000_001_500, 'cart-2', 'warn'],
      [1_700_000_002_000, 'cart-1', 'error'],
    ]);
    const q = asked.at(-1);
    expect(q?.get('query')).toBe('{namespace="shop",app="cart"}');
    expect(q?.get('start')).toBe('1700000000000000000');
    expect(q?.get('limit')).toBe('50');
  });

  it('reports a failing Loki as an error', async () => {
    const loki = createLokiLogSource({ baseUrl: url, retry: { retries: 0 } });
    failNext = 1;
    const res = await loki.queryLogs({ from: 0, to: 1 });
    expect(res.results).toEqual([]);
    expect(res.errors[0]?.message).toMatch(/HTTP 503/);
  });
});
