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
