import type { Clock } from '../platform/clock.js';
import { AuthenticationError, ForbiddenError } from '../platform/errors.js';
import { sha256Hex } from '../platform/ids.js';
import type { TokenRepository } from '../store/tokens.js';
import type { ApiToken } from '../store/types.js';
import type { Principal } from './principal.js';

export interface Authenticator {
  /** Resolves a bearer token (and an optional X-Grafana-User) to a principal, or throws 401/403. */
  authenticate(authorization: string | undefined, grafanaUser: string | undefined): Promise<Principal | undefined>;
  /** Drops a cached token at once (after revoke). */
  forget(tokenId: string): void;
  /** Tells `listener` about every forgotten (revoked) token: open WebSockets of it are closed. */
  onForget?(listener: (tokenId: string) => void): () => void;
}

const CACHE_MS = 10_000;
const TOUCH_EVERY_MS = 60_000;
const GRAFANA_LOGIN = /^[\w.@+-]{1,190}$/;

/** Token lookups are cached for a few seconds so a busy dashboard does not cost a query per request. */
export function createAuthenticator({ tokens, clock }: { tokens: TokenRepository; clock: Clock }): Authenticator {
  const cache = new Map<string, { token: ApiToken; until: number }>();
  const touched = new Map<string, number>();
  const forgetListeners = new Set<(tokenId: string) => void>();

  const lookup = async (secret: string) => {
    const key = sha256Hex(secret);
    const hit = cache.get(key);
    const now = clock.nowMs();
    if (hit && hit.until > now) return hit.token;
    const token = await tokens.findActiveBySecret(secret);
    if (token) cache.set(key, { token, until: now + CACHE_MS });
    else cache.delete(key);
    return token;
  };

  return {
    async authenticate(authorization, grafanaUser) {
      if (!authorization) return undefined;
      const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
      if (!match?.[1]) throw new AuthenticationError('Authorization header must be "Bearer <token>"');
      const token = await lookup(match[1]);
      if (!token) throw new AuthenticationError('invalid, expired or revoked token');
      if ((touched.get(token.id) ?? 0) + TOUCH_EVERY_MS < clock.nowMs()) {
        touched.set(token.id, clock.nowMs());
        void tokens.touch(token.id).catch(() => {});
      }
      const base = { tokenId: token.id, tokenName: token.name, role: token.role, actor: `token:${token.name}` };
      if (grafanaUser === undefined || grafanaUser === '') return base;
      if (token.role !== 'grafana') throw new ForbiddenError('only a grafana token may name the acting Grafana user');
      if (!GRAFANA_LOGIN.test(grafanaUser)) throw new ForbiddenError('X-Grafana-User is not a valid Grafana login');
      return { ...base, actor: `grafana:${grafanaUser}`, grafanaUser };
    },
    forget(tokenId) {
      for (const [key, entry] of cache) if (entry.token.id === tokenId) cache.delete(key);
      for (const listener of forgetListeners) listener(tokenId);
    },
    onForget(listener) {
      forgetListeners.add(listener);
      return () => forgetListeners.delete(listener);
    },
  };
}
