import express, { type Request, type Response } from 'express';
import { randomUUID } from 'node:crypto';
import type { Registry as PromRegistry } from 'prom-client';
import { systemClock } from '../platform/clock.js';
import { AuthenticationError, ForbiddenError, NotFoundError, RateLimitError } from '../platform/errors.js';
import type { Logger } from '../platform/logger.js';
import type { AuditLog, NewAuditEntry } from '../store/audit.js';
import type { Authenticator } from './auth.js';
import { errorMiddleware } from './errors.js';
import { httpMetrics } from './metrics.js';
import { buildOpenApi } from './openapi.js';
import { can, credentialOf, type Principal } from './principal.js';
import { auditsRefusal, createApiLimiter, DEFAULT_RATE_LIMIT, type ApiRateLimits } from './rate-limit.js';
import type { RouteDef } from './route.js';

export interface AppDeps {
  routes: RouteDef[];
  authenticator: Authenticator;
  audit: AuditLog;
  logger: Logger;
  metrics: PromRegistry;
  version: string;
  bodyLimit: number;
  /** Readiness: resolves when the store answers. */
  ready: () => Promise<void>;
  /** Paths served without a token besides health (webhooks verify their own signatures). */
  signatureAuthPrefix?: string;
  /**
   * Per-token request limits (429 with Retry-After). Default: 50 requests/s with a burst of 200 per
   * token, webhook deliveries not limited here (see `rateLimitsFromConfig`).
   */
  rateLimit?: ApiRateLimits;
}

const WRITE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

interface Locals {
  principal?: Principal;
  requestId: string;
  auditAction?: string;
  auditTarget?: string;
  /** Set when the rate limiter refused the request: how many refusals in a row for its bucket. */
  deniedInARow?: number;
}
const locals = (res: Response) => res.locals as Locals;

export function createApp(deps: AppDeps): express.Express {
  const { logger, audit } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.set('query parser', 'extended');
  // Grafana matches proxy routes case-sensitively; so must we, or /REMEDIATIONS/… slips past reqAction.
  app.set('case sensitive routing', true);
  app.set('strict routing', true);

  const auditRequest = (req: Request, res: Response, status: number, extra: Partial<NewAuditEntry> = {}) => {
    const l = locals(res);
    const result =
      status === 401 || status === 403 || status === 429
        ? 'denied'
        : status >= 500
          ? 'failed'
          : status >= 400
            ? 'rejected'
            : 'success';
    return audit.record({
      actor: l.principal?.actor ?? 'anonymous',
      actor_role: l.principal?.role ?? null,
      action: l.auditAction ?? `${req.method} ${req.path}`,
      target: l.auditTarget ?? null,
      result,
      status,
      request_id: l.requestId,
      remote_addr: req.ip ?? null,
      ...extra,
      details: { ...(l.principal ? { credential: credentialOf(l.principal) } : {}), ...(extra.details as Record<string, unknown> | undefined) },
    });
  };

  app.use((req, res, next) => {
    const incoming = req.header('x-request-id');
    locals(res).requestId = incoming && /^[\w.-]{1,64}$/.test(incoming) ? incoming : randomUUID();
    res.setHeader('X-Request-Id', locals(res).requestId);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  app.use(httpMetrics(deps.metrics));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    try {
      await deps.ready();
      res.json({ status: 'ready' });
    } catch (err) {
      logger.warn('not ready', { err });
      res.status(503).json({ error: { code: 'unavailable', message: 'store is not reachable' } });
    }
  });

  const limitRequest = createApiLimiter(deps.rateLimit ?? { perToken: DEFAULT_RATE_LIMIT }, {
    clock: systemClock,
    webhookPrefix: deps.signatureAuthPrefix,
  });

  // Every other endpoint needs a token; webhooks may instead prove themselves with a signature.
  app.use(async (req, res, next) => {
    let failure: unknown;
    try {
      const principal = await deps.authenticator.authenticate(
        req.header('authorization'),
        req.header('x-grafana-user'),
      );
      if (principal) locals(res).principal = principal;
      else if (!(deps.signatureAuthPrefix && req.path.startsWith(deps.signatureAuthPrefix))) {
        failure = new AuthenticationError('a bearer token is required');
      }
    } catch (err) {
      failure = err;
    }
    // Failed authentications spend from the client address's bucket too, so guessing tokens is throttled.
    const decision = limitRequest(req, locals(res).principal);
    if (!decision.ok) {
      locals(res).deniedInARow = decision.deniedInARow;
      const wait = decision.retryAfterSeconds;
      return next(new RateLimitError(`too many requests: retry in ${wait} s`, wait));
    }
    next(failure);
  });

  app.use(
    express.json({
      limit: deps.bodyLimit,
      strict: true,
      type: ['application/json', 'application/*+json'],
      verify: (req, _res, buf) => {
        // Webhook signatures are computed over the exact bytes received.
        (req as Request & { rawBody?: Buffer }).rawBody = buf;
      },
    }),
  );
  app.use(
    express.urlencoded({
      limit: deps.bodyLimit,
      extended: false,
      verify: (req, _res, buf) => {
        (req as Request & { rawBody?: Buffer }).rawBody = buf;
      },
    }),
  );

  const openapi = buildOpenApi(deps.routes, { version: deps.version });
  app.get('/api/openapi.json', requirePermission('read'), (_req, res) => {
    res.json(openapi);
  });
  app.get('/metrics', requirePermission('read'), async (_req, res) => {
    res.setHeader('Content-Type', deps.metrics.contentType);
    res.send(await deps.metrics.metrics());
  });

  const v1 = express.Router({ caseSensitive: true, strict: true });
  for (const route of deps.routes) mountRoute(v1, route, auditRequest);
  app.use('/api/v1', v1);

  app.use((req, _res, next) => next(new NotFoundError(`no route for ${req.method} ${req.path}`)));
  app.use(
    errorMiddleware({
      logger,
      // Failed writes and every denial (401, 403, 429) are audited; failed reads only show in the logs.
      // A rate-limited client's refusals are audited as the first of a run and then every 100th.
      onError: async (req, res, status) => {
        const inARow = locals(res).deniedInARow;
        if (inARow !== undefined) {
          if (auditsRefusal(inARow)) await auditRequest(req, res, status, { details: { denied_in_a_row: inARow } });
        } else if (WRITE.has(req.method) || status === 401 || status === 403 || status === 429) {
          await auditRequest(req, res, status);
        }
      },
    }),
  );
  return app;
}

function requirePermission(permission: Parameters<typeof can>[1]) {
  return (_req: Request, res: Response, next: (err?: unknown) => void) => {
    const principal = locals(res).principal;
    if (!principal) return next(new AuthenticationError('a bearer token is required'));
    if (!can(principal, permission)) return next(new ForbiddenError(`role ${principal.role} may not ${permission}`));
    next();
  };
}

function mountRoute(
  router: express.Router,
  route: RouteDef,
  auditRequest: (req: Request, res: Response, status: number) => Promise<void>,
) {
  const expressPath = route.path.replace(/\{(\w+)\}/g, ':$1');
  router[route.method](expressPath, async (req, res, next) => {
    const l = locals(res);
    l.auditAction = route.audit?.action ?? route.operationId;
    // Known before any check, so that a denied request is audited against what it tried to touch.
    l.auditTarget = typeof req.params.id === 'string' ? req.params.id.slice(0, 200) : undefined;
    try {
      if (route.authenticate) l.principal = await route.authenticate(req, l.principal);
      const principal = l.principal;
      if (!principal) throw new AuthenticationError('a bearer token is required');
      if (!can(principal, route.permission)) {
        throw new ForbiddenError(`role ${principal.role} may not ${route.permission} (${route.operationId})`);
      }
      if (principal.role === 'grafana' && route.permission !== 'read' && !principal.grafanaUser) {
        throw new ForbiddenError('a grafana token may write only on behalf of a user named in X-Grafana-User');
      }
      const input = {
        params: route.params ? route.params.parse(req.params) : {},
        query: route.query ? route.query.parse(req.query) : {},
        body: route.body ? route.body.parse(req.body ?? {}) : undefined,
        principal,
        req,
      };
      l.auditTarget = route.audit?.target?.(input) ?? l.auditTarget;
      const result = await route.handler(input);
      const { status, body } =
        result &&
        typeof result === 'object' &&
        'status' in result &&
        'body' in result &&
        Object.keys(result).length === 2
          ? (result as { status: number; body: unknown })
          : { status: route.status ?? 200, body: result };
      // A create names its target only once it exists.
      l.auditTarget ??= (body as { id?: unknown } | null)?.id?.toString();
      if (WRITE.has(req.method) && !route.audit?.recordedByHandler) await auditRequest(req, res, status);
      res.status(status).json(body);
    } catch (err) {
      next(err);
    }
  });
}
