import fc from 'fast-check';
import type { RouteDef } from '../../src/api/route.js';
import { assertStorable as refuseUnstorable } from '../../src/platform/storable.js';
import { adminRoutes } from '../../src/api/routes/admin.js';
import { incidentRoutes } from '../../src/api/routes/incidents.js';
import { detectRoutes } from '../../src/detect/routes.js';
import { graphRoutes } from '../../src/graph/routes.js';
import { iacRoutes } from '../../src/iac/routes.js';
import { pipelineRoutes } from '../../src/pipeline/routes.js';
import { rcaRoutes } from '../../src/rca/routes.js';
import { hostileString } from './arbitraries.js';
import { assertStorable } from './storable.js';
import { InvariantError, type FuzzTarget } from './target.js';

/** The API's GET routes that take query parameters (their schemas do not touch the dependencies). */
export function queryRoutes(): RouteDef[] {
  const none = {} as never;
  const all = [
    ...incidentRoutes(none),
    ...adminRoutes(none),
    ...detectRoutes(none),
    ...graphRoutes(none),
    ...iacRoutes(none),
    ...pipelineRoutes(none),
    ...rcaRoutes(none),
  ];
  return all.filter((r) => r.method === 'get' && r.query);
}

/** The parameter names a route's query schema declares. */
export function queryKeys(route: RouteDef): string[] {
  const shape = (route.query as unknown as { shape?: Record<string, unknown> }).shape;
  return shape ? Object.keys(shape) : [];
}

/** Values the way people and scripts send them: ISO times, unix ms, durations, cursors, enum words, lists. */
export const queryValue: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: hostileString },
  { weight: 2, arbitrary: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()) },
  { weight: 2, arbitrary: fc.oneof(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String), fc.double().map(String), fc.integer({ min: -10, max: 1000 }).map(String)) },
  { weight: 2, arbitrary: fc.constantFrom('open', 'resolved', 'critical', 'high,low', 'open,,bogus', 'success', '1m', '30s', '0s', '1000d', '9'.repeat(40) + 'd', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00+25:00', '+275760-09-13T00:00:00Z', '8640000000000001', '00000000-0000-0000-0000-000000000000', 'true', 'false') },
  { weight: 2, arbitrary: fc.oneof(hostileString, fc.constantFrom('2026-01-01T00:00:00Z|x', '1|2', 'x|00000000-0000-0000-0000-000000000000', '2026|00000000-0000-0000-0000-000000000000', '|')).map((s) => Buffer.from(s).toString('base64url')) },
);

/** A query object as express's extended (qs) parser builds it: strings, repeated keys as arrays, `a[b]=c` as objects. */
export const queryObject = (keys: string[]) =>
  fc
    .array(
      fc.tuple(
        fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...keys, 'x') }, { weight: 1, arbitrary: hostileString }),
        fc.oneof({ weight: 8, arbitrary: queryValue }, { weight: 1, arbitrary: fc.array(queryValue, { maxLength: 3 }) }, { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 3 }), queryValue, { maxKeys: 2 }) }),
      ),
      { maxLength: 6 },
    )
    .map((entries) => {
      const out: Record<string, unknown> = {};
      for (const [k, v] of entries) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
      return out;
    });

/** Every value a parsed query hands to the store must be usable: finite numbers, valid dates, storable text. */
function checkParsed(parsed: unknown, route: RouteDef): void {
  assertStorable(parsed, route.operationId);
  for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
    if (typeof v === 'number' && !Number.isFinite(v)) throw new InvariantError(`${route.operationId}.${k} parsed to ${v}`);
  }
}

export function apiQueryTarget(): FuzzTarget<{ route: number; query: Record<string, unknown> }> {
  const routes = queryRoutes();
  const arbitrary = fc.integer({ min: 0, max: routes.length - 1 }).chain((i) => queryObject(queryKeys(routes[i]!)).map((query) => ({ route: i, query })));
  return {
    name: 'api:query',
    weight: 28.8,
    arbitrary,
    run({ route, query }) {
      const r = routes[route]!;
      const parsed = r.query!.parse(query);
      // What defineRoute's handler wrapper refuses before any handler runs.
      refuseUnstorable(parsed, 'query');
      checkParsed(parsed, r);
      return undefined;
    },
  };
}
