/** Typed errors: domain code throws these; one HTTP middleware maps them to a status and a JSON body. */
export abstract class AegisError extends Error {
  abstract readonly status: number;
  abstract readonly code: string;
  constructor(
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class InputError extends AegisError {
  readonly status = 400;
  readonly code = 'invalid_input';
}
export class AuthenticationError extends AegisError {
  readonly status = 401;
  readonly code = 'unauthenticated';
}
export class ForbiddenError extends AegisError {
  readonly status = 403;
  readonly code = 'forbidden';
}
export class NotFoundError extends AegisError {
  readonly status = 404;
  readonly code = 'not_found';
}
export class ConflictError extends AegisError {
  readonly status = 409;
  readonly code = 'conflict';
}
export class PayloadTooLargeError extends AegisError {
  readonly status = 413;
  readonly code = 'payload_too_large';
}
export class RateLimitError extends AegisError {
  readonly status = 429;
  readonly code = 'rate_limited';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}
export class UnavailableError extends AegisError {
  readonly status = 503;
  readonly code = 'unavailable';
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
