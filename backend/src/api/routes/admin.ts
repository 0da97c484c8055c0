import { z } from 'zod';
import type { Store } from '../../store/index.js';
import { apiTokenSchema, auditEntrySchema, AUDIT_RESULTS, role } from '../../store/types.js';
import type { Authenticator } from '../auth.js';
import { defineRoute, limitParam, pageOf, type RouteDef } from '../route.js';

const createTokenBody = z.object({
  name: z.string().trim().min(1).max(100),
  role,
  expires_in_days: z.number().int().min(1).max(3650).optional(),
});

export function adminRoutes({
  store,
  authenticator,
  now,
}: {
  store: Store;
  authenticator: Authenticator;
  now: () => Date;
}): RouteDef[] {
  return [
    defineRoute({
      method: 'get',
      path: '/audit',
      operationId: 'listAudit',
      summary: 'The audit log, newest first',
      tags: ['admin'],
      permission: 'admin',
      query: z.object({
        actor: z.string().max(200).optional(),
        action: z.string().max(200).optional(),
        result: z.enum(AUDIT_RESULTS).optional(),
        limit: limitParam,
        // An audit id: bigint, so at most 15 digits keep it exact in JS and in range in SQL.
        cursor: z.string().regex(/^\d{1,15}$/).optional(),
      }),
      response: pageOf(auditEntrySchema),
      handler: ({ query }) => store.audit.list(query),
    }),
    defineRoute({
      method: 'get',
      path: '/tokens',
      operationId: 'listTokens',
      summary: 'API tokens (never their secrets)',
      tags: ['admin'],
      permission: 'admin',
      response: pageOf(apiTokenSchema),
      handler: async () => ({ items: await store.tokens.list(), next: null }),
    }),
    defineRoute({
      method: 'post',
      path: '/tokens',
      operationId: 'createToken',
      summary: 'Create an API token; the secret is in this response only',
      tags: ['admin'],
      permission: 'admin',
      body: createTokenBody,
      response: z.object({ token: apiTokenSchema, secret: z.string() }),
      status: 201,
      audit: { action: 'token.create', target: ({ body }) => `${body.role}:${body.name}` },
      handler: ({ body, principal }) =>
        store.tokens.create({
          name: body.name,
          role: body.role,
          createdBy: principal.actor,
          expiresAt: body.expires_in_days ? new Date(now().getTime() + body.expires_in_days * 86_400_000) : undefined,
        }),
    }),
    defineRoute({
      method: 'delete',
      path: '/tokens/{id}',
      operationId: 'revokeToken',
      summary: 'Revoke a token by id or prefix',
      tags: ['admin'],
      permission: 'admin',
      params: z.object({ id: z.string().min(6).max(64) }),
      response: apiTokenSchema,
      audit: { action: 'token.revoke' },
      async handler({ params }) {
        const token = await store.tokens.revoke(params.id);
        authenticator.forget(token.id);
        return token;
      },
    }),
  ];
}
