import type { Request } from 'express';
import { z } from 'zod';
import { assertStorable } from '../platform/storable.js';
import type { Permission, Principal } from './principal.js';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface RouteInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  principal: Principal;
  req: Request;
}

/** What a route answers: its body, and a status when it is not the route's default. */
export type RouteResult<R> = R | { status: number; body: R };

/**
 * One endpoint: its zod schemas validate the request and describe it in the OpenAPI document, so the
 * two cannot drift apart. Writes name the audit action they record.
 */
export interface RouteDef<
  P extends z.ZodType = z.ZodType,
  Q extends z.ZodType = z.ZodType,
  B extends z.ZodType = z.ZodType,
  R extends z.ZodType = z.ZodType,
> {
  method: HttpMethod;
  /** OpenAPI-style path under /api/v1, e.g. `/incidents/{id}`. */
  path: string;
  operationId: string;
  summary: string;
  tags: string[];
  permission: Permission;
  params?: P;
  query?: Q;
  body?: B;
  response: R;
  status?: number;
  /**
   * Required for every write: the audit action, and which input names the target. `recordedByHandler`:
   * the handler writes the success entry itself, inside its own transaction (webhooks batch them).
   */
  audit?: {
    action: string;
    target?: (input: RouteInput<z.output<P>, z.output<Q>, z.output<B>>) => string | undefined;
    recordedByHandler?: boolean;
  };
  /**
   * Webhooks: proves who sent the request (e.g. an HMAC signature over the raw body), given the bearer
   * principal if one was presented; returns the principal to act as, or throws AuthenticationError.
   */
  authenticate?: (req: Request, bearer: Principal | undefined) => Promise<Principal>;
  handler(input: RouteInput<z.output<P>, z.output<Q>, z.output<B>>): Promise<RouteResult<z.input<R>>>;
}

/**
 * Every route refuses parameters, query values and bodies holding text PostgreSQL cannot store (a NUL, an
 * unpaired surrogate) with a 400, before its handler runs: otherwise the first write or filter fails with a 500.
 */
export function defineRoute<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType, R extends z.ZodType>(
  def: RouteDef<P, Q, B, R>,
): RouteDef {
  const handler: typeof def.handler = async (input) => {
    assertStorable(input.params, 'path parameters');
    assertStorable(input.query, 'query');
    assertStorable(input.body, 'body');
    return def.handler(input);
  };
  return { ...def, handler } as unknown as RouteDef;
}

export const idParams = z.object({ id: z.uuid({ message: 'id must be a UUID' }) });

/** `{items, next}`: the shape of every list endpoint. */
export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), next: z.string().nullable() });
}

/** Accepts `a,b` and repeated `?x=a&x=b` alike. */
export function listParam<T extends z.ZodType>(item: T) {
  return z.preprocess(
    (v) =>
      // Only strings are split: anything else (a nested `x[a]=b` object) is left for the item schema to refuse.
      v === undefined ? undefined : (Array.isArray(v) ? v : [v]).flatMap((s: unknown) => (typeof s === 'string' ? s.split(',') : [s])).filter((s) => s !== ''),
    z.array(item).optional(),
  );
}

const MAX_DATE_MS = 8.64e15;

/** Accepts ISO 8601 or unix milliseconds, the two forms Grafana sends. */
export const timeParam = z
  .union([
    z
      .string()
      .regex(/^\d{1,16}$/)
      // Past year 275760 a Date is invalid and the first toISOString throws.
      .refine((s) => Number(s) <= MAX_DATE_MS, 'unix milliseconds beyond the latest representable date')
      .transform((s) => new Date(Number(s))),
    z.iso.datetime({ offset: true }).transform((s) => new Date(s)),
  ])
  .optional();

export const limitParam = z.coerce.number().int().min(1).max(500).default(50);
