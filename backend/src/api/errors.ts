import type { ErrorRequestHandler, Request, Response } from 'express';
import { z } from 'zod';
import { AegisError, InputError, PayloadTooLargeError, RateLimitError } from '../platform/errors.js';
import type { Logger } from '../platform/logger.js';

/** Turns anything thrown into a typed error with a status; unknown errors become a bare 500. */
export function toAegisError(err: unknown): AegisError | undefined {
  if (err instanceof AegisError) return err;
  if (err instanceof z.ZodError) {
    const details = err.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
    return new InputError(details.map((d) => (d.path ? `${d.path}: ${d.message}` : d.message)).join('; '), details);
  }
  const e = err as { type?: string; status?: number; limit?: number };
  // body-parser's errors carry a `type`; their messages are safe to show.
  if (e?.type === 'entity.too.large')
    return new PayloadTooLargeError(`request body exceeds the limit of ${e.limit} bytes`);
  if (e?.type === 'entity.parse.failed') return new InputError(`malformed JSON body: ${(err as Error).message}`);
  if (e?.type === 'charset.unsupported' || e?.type === 'encoding.unsupported')
    return new InputError((err as Error).message);
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) return new InputError((err as Error).message);
  return undefined;
}

export function errorBody(err: AegisError) {
  return { error: { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) } };
}

/** The one place errors become HTTP responses: typed errors by status, everything else a 500 without internals. */
export function errorMiddleware({
  logger,
  onError,
}: {
  logger: Logger;
  onError: (req: Request, res: Response, status: number) => Promise<void>;
}): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const typed = toAegisError(err);
    const status = typed?.status ?? 500;
    if (!typed) logger.error('request failed', { method: req.method, path: req.path, err });
    const body = typed ? errorBody(typed) : { error: { code: 'internal', message: 'internal error' } };
    if (typed instanceof RateLimitError) res.setHeader('Retry-After', String(typed.retryAfterSeconds));
    void onError(req, res, status)
      .catch((auditErr: unknown) => logger.error('audit write failed', { err: auditErr }))
      .finally(() => {
        if (!res.headersSent) res.status(status).json(body);
      });
  };
}

/**
 * The last handler of the apps served in front of the API (MCP, the preview): express's default one
 * answers HTML with a stack trace outside production; this one answers JSON with a safe message.
 */
export function jsonErrorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const typed = toAegisError(err);
    const raw = (err as { status?: number; statusCode?: number } | null)?.status ?? (err as { statusCode?: number } | null)?.statusCode;
    // A 4xx from express itself (static's 404, body-parser's 400/413) keeps its status; its message is safe.
    const status = err instanceof AegisError ? err.status : typeof raw === 'number' && raw >= 400 && raw < 500 ? raw : (typed?.status ?? 500);
    if (status >= 500) logger.error('request failed', { method: req.method, path: req.path, err });
    const body =
      typed && typed.status === status
        ? errorBody(typed)
        : { error: { code: status === 404 ? 'not_found' : status >= 500 ? 'internal' : 'invalid_input', message: status >= 500 ? 'internal error' : status === 404 ? `no such file: ${req.path}` : 'bad request' } };
    if (!res.headersSent) res.status(status).json(body);
    else res.end();
  };
}
