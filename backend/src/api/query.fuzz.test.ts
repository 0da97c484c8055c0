import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { apiQueryTarget, queryRoutes } from '../../bench/fuzz/api-query.js';
import { assertNoCrash, outcomeOf } from '../../bench/fuzz/target.js';
import { InputError } from '../platform/errors.js';
import { decodeCursor, encodeCursor } from '../store/paging.js';
import type { Principal } from './principal.js';
import { defineRoute, listParam, timeParam } from './route.js';

// The bench's property (npm run bench:fuzz) at test size, on every GET route's query schema: a typed rejection, or
// values the store can use (valid dates, finite numbers, storable text). The bench also sends them over HTTP.
describe('API query parameters under fuzzing', () => {
  it('every GET route: typed rejection or usable values', async () => {
    await assertNoCrash(apiQueryTarget(), 500);
  });
});

const UUID = '00000000-0000-4000-8000-000000000000';

describe('API query regressions found by the fuzzer', () => {
  it('unix milliseconds past the last representable date are refused (was an Invalid Date and a 500)', () => {
    expect(timeParam.safeParse('99999999999999999').success).toBe(false);
    expect(timeParam.safeParse('8640000000000001').success).toBe(false);
    expect(timeParam.parse('8640000000000000')?.toISOString()).toBe('+275760-09-13T00:00:00.000Z');
  });

  it('a step of hundreds of digits is refused (it parsed to Infinity)', async () => {
    const target = apiQueryTarget();
    const scores = queryRoutes().findIndex((r) => r.operationId === 'getAnomalyScores');
    expect(await outcomeOf(target, { route: scores, query: { step: '1'.repeat(400) } })).toBe('zod invalid_format at step');
    expect(await outcomeOf(target, { route: scores, query: { step: '5m' } })).toBe('accepted');
  });

  it('a list parameter given as a nested object is a validation error, not a TypeError', async () => {
    const target = apiQueryTarget();
    const route = queryRoutes().findIndex((r) => r.operationId === 'listIncidents'); // by name: new routes shift the order
    expect(route).toBeGreaterThanOrEqual(0);
    expect(await outcomeOf(target, { route, query: { severity: Object.create(null) as Record<string, unknown> } })).toMatch(/^zod /);
    expect(listParam(z.string()).parse('a,,b')).toEqual(['a', 'b']);
  });

  it('cursors must be what encodeCursor writes: an ISO instant and a UUID', () => {
    const good = encodeCursor({ at: '2026-01-01T00:00:00.000Z', id: UUID });
    expect(decodeCursor(good)).toEqual({ at: '2026-01-01T00:00:00.000Z', id: UUID });
    for (const bad of ['1|x', `2026|${UUID}`, `2026-01-01T00:00:00.000Z|x`, `2026-01-01T00:00:00.000Z|${UUID}|x`])
      expect(() => decodeCursor(Buffer.from(bad).toString('base64url'))).toThrow(InputError);
  });

  it('every route refuses a NUL or an unpaired surrogate in its query or body before the handler runs', async () => {
    let ran = 0;
    const route = defineRoute({
      method: 'post',
      path: '/x',
      operationId: 'x',
      summary: 'x',
      tags: [],
      permission: 'read',
      response: z.object({}),
      handler: async () => {
        ran++;
        return {};
      },
    });
    const call = (query: unknown, body: unknown) => route.handler({ params: {}, query, body, principal: {} as Principal, req: {} as never });
    await expect(call({ q: 'a\u0000' }, undefined)).rejects.toThrow(/query: q holds a NUL/);
    await expect(call({}, { a: [{ b: 'x\ud800' }] })).rejects.toThrow(/body: a\[0\]\.b holds/);
    await expect(call({}, { ['k\u0000']: 1 })).rejects.toThrow(/body: \(root\) key holds/);
    await call({ q: 'fine \u{1F600}' }, { deep: JSON.parse('['.repeat(20_000) + ']'.repeat(20_000)) as unknown });
    expect(ran).toBe(1);
  });
});
