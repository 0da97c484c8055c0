// Authentication for the endpoints served in front of the API app (POST /api/v1/mcp, the socket.io
// handshake): the same tokens and `read` permission, failed attempts throttled per client address and
// audited, as the REST API does for its own routes.
import type { Clock } from '../platform/clock.js';
import { AegisError, errorMessage } from '../platform/errors.js';
import type { Logger } from '../platform/logger.js';
import type { AuditLog } from '../store/audit.js';
import type { Authenticator } from './auth.js';
import { can, credentialOf, type Principal } from './principal.js';
import { auditsRefusal, createRateLimiter, type RateLimitPolicy } from './rate-limit.js';

export type GuardResult = { ok: true; principal: Principal } | { ok: false; status: 401 | 403 | 429; message: string; retryAfterSeconds?: number };

export interface AuthGuard {
  /** Authenticates a bearer header for `action` (e.g. `mcp`, `socket.io`) from `remoteAddr`. */
  check(o: { authorization: string | undefined; remoteAddr: string | undefined; action: string; requestId?: string }): Promise<GuardResult>;
}

/** Failed authentications per client address: a burst of 20, then one a second. */
export const AUTH_FAILURE_POLICY: RateLimitPolicy = { ratePerSecond: 1, burst: 20 };

export function createAuthGuard(o: { authenticator: Authenticator; audit?: AuditLog; clock: Clock; logger: Logger; policy?: RateLimitPolicy }): AuthGuard {
  const failures = createRateLimiter({ policy: o.policy ?? AUTH_FAILURE_POLICY, clock: o.clock });
  const record = (action: string, status: number, remoteAddr: string | undefined, principal: Principal | undefined, details: Record<string, unknown>, requestId?: string) =>
    o.audit
      ?.record({
        actor: principal?.actor ?? 'anonymous',
        actor_role: principal?.role ?? null,
        action,
        target: null,
        result: 'denied',
        status,
        request_id: requestId ?? null,
        remote_addr: remoteAddr ?? null,
        details: { ...(principal ? { credential: credentialOf(principal) } : {}), ...details },
      })
      .catch((err: unknown) => o.logger.error('audit write failed', { err: errorMessage(err) }));

  return {
    async check({ authorization, remoteAddr, action, requestId }) {
      const key = `ip:${remoteAddr ?? 'unknown'}`;
      // Past the failure budget, nothing is even tried: a right guess must not be told apart from a wrong one.
      if (!failures.available(key)) {
        const d = failures.take(key);
        const retryAfterSeconds = d.ok ? 1 : d.retryAfterSeconds;
        if (!d.ok && auditsRefusal(d.deniedInARow)) await record(action, 429, remoteAddr, undefined, { denied_in_a_row: d.deniedInARow }, requestId);
        return { ok: false, status: 429, message: `too many failed authentications: retry in ${retryAfterSeconds} s`, retryAfterSeconds };
      }
      let principal: Principal | undefined;
      let failure: { status: 401 | 403; message: string } | undefined;
      try {
        principal = await o.authenticator.authenticate(authorization, undefined);
        if (!principal) failure = { status: 401, message: 'a bearer token is required' };
        else if (!can(principal, 'read')) failure = { status: 403, message: `role ${principal.role} may not read` };
      } catch (err) {
        failure = { status: err instanceof AegisError && err.status === 403 ? 403 : 401, message: errorMessage(err) };
      }
      if (!failure && principal) return { ok: true, principal };
      failures.take(key);
      await record(action, failure?.status ?? 401, remoteAddr, principal, { reason: failure?.message }, requestId);
      return { ok: false, status: failure?.status ?? 401, message: failure?.message ?? 'unauthenticated' };
    },
  };
}
