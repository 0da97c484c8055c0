import type { Clock } from '../platform/clock.js';

/** A token bucket's shape: `ratePerSecond` refills it, `burst` is how many requests it holds when full. */
export interface RateLimitPolicy {
  ratePerSecond: number;
  burst: number;
}

/** `deniedInARow`: refusals of this key since it was last let through (1 for the first of a run). */
export type RateDecision = { ok: true } | { ok: false; retryAfterSeconds: number; deniedInARow: number };

export interface RateLimiter {
  /** Spends one request from `key`'s bucket, or says how long until one is available again. */
  take(key: string): RateDecision;
  /** Whether `key` could spend a request now (spends nothing). */
  available(key: string): boolean;
  /** Buckets held now (bounded by `maxKeys`). */
  size(): number;
}

interface Bucket {
  tokens: number;
  at: number;
  denied: number;
}

export interface RateLimiterOptions {
  policy: RateLimitPolicy;
  clock: Clock;
  /** Most buckets kept; past it, full (idle) buckets go first, then the least recently used. */
  maxKeys?: number;
  /** How often idle buckets are swept even below `maxKeys`. */
  sweepEveryMs?: number;
}

/**
 * Token buckets in memory, one per key (a token id, or a client address). A bucket that has refilled
 * completely is the same as no bucket, so idle ones are dropped and the state stays bounded.
 */
export function createRateLimiter(o: RateLimiterOptions): RateLimiter {
  const { ratePerSecond, burst } = o.policy;
  if (!(ratePerSecond > 0) || !(burst >= 1))
    throw new RangeError('a rate limit needs ratePerSecond > 0 and burst >= 1');
  const maxKeys = o.maxKeys ?? 10_000;
  const sweepEveryMs = o.sweepEveryMs ?? 60_000;
  const buckets = new Map<string, Bucket>();
  let lastSweep = o.clock.nowMs();

  const refilled = (b: Bucket, now: number) => Math.min(burst, b.tokens + ((now - b.at) / 1000) * ratePerSecond);

  const sweep = (now: number) => {
    lastSweep = now;
    for (const [key, b] of buckets) if (refilled(b, now) >= burst) buckets.delete(key);
    // Still too many busy clients: forget the least recently used tenth (Map order is last-use order).
    const excess = buckets.size - Math.floor(maxKeys * 0.9);
    if (excess <= 0) return;
    let dropped = 0;
    for (const key of buckets.keys()) {
      if (dropped++ >= excess) break;
      buckets.delete(key);
    }
  };

  return {
    take(key) {
      const now = o.clock.nowMs();
      if (buckets.size >= maxKeys || now - lastSweep >= sweepEveryMs) sweep(now);
      const found = buckets.get(key);
      const tokens = found ? refilled(found, now) : burst;
      buckets.delete(key); // re-inserted below: keeps the Map in last-use order
      if (tokens < 1) {
        const denied = (found?.denied ?? 0) + 1;
        buckets.set(key, { tokens, at: now, denied });
        const retryAfterSeconds = Math.max(1, Math.ceil((1 - tokens) / ratePerSecond));
        return { ok: false, retryAfterSeconds, deniedInARow: denied };
      }
      buckets.set(key, { tokens: tokens - 1, at: now, denied: 0 });
      return { ok: true };
    },
    available(key) {
      const found = buckets.get(key);
      return !found || refilled(found, o.clock.nowMs()) >= 1;
    },
    size: () => buckets.size,
  };
}

/** Request limits of the API: per token (per client address without one), and for webhook deliveries. */
export interface ApiRateLimits {
  /** Every authenticated request, keyed by token id; requests without a valid token, by client address. */
  perToken?: RateLimitPolicy;
  /** Webhook deliveries (the ingest role's routes); undefined: not limited here. */
  webhooks?: RateLimitPolicy;
  clock?: Clock;
  maxKeys?: number;
}

export const DEFAULT_RATE_LIMIT: RateLimitPolicy = { ratePerSecond: 50, burst: 200 };

/** The limits the AEGIS_RATE_LIMIT* keys describe; a rate of 0 turns that limit off. */
export function rateLimitsFromConfig(c: {
  AEGIS_RATE_LIMIT: number;
  AEGIS_RATE_LIMIT_BURST: number;
  AEGIS_INGEST_RATE_LIMIT: number;
}): ApiRateLimits {
  return {
    perToken:
      c.AEGIS_RATE_LIMIT > 0
        ? { ratePerSecond: c.AEGIS_RATE_LIMIT, burst: Math.max(1, c.AEGIS_RATE_LIMIT_BURST) }
        : undefined,
    webhooks:
      c.AEGIS_INGEST_RATE_LIMIT > 0
        ? { ratePerSecond: c.AEGIS_INGEST_RATE_LIMIT, burst: Math.max(1, c.AEGIS_INGEST_RATE_LIMIT * 4) }
        : undefined,
  };
}

/**
 * Picks the bucket of a request: its class (webhook or not) and its key (token id, and the Grafana user a
 * grafana token names; without a valid token, the client address).
 */
export function createApiLimiter(
  limits: ApiRateLimits,
  o: { clock: Clock; webhookPrefix?: string },
): (req: { path: string; ip?: string }, caller: { tokenId: string; grafanaUser?: string } | undefined) => RateDecision {
  const clock = limits.clock ?? o.clock;
  const make = (policy: RateLimitPolicy | undefined) =>
    policy ? createRateLimiter({ policy, clock, maxKeys: limits.maxKeys }) : undefined;
  const perToken = make(limits.perToken);
  const webhooks = make(limits.webhooks);
  return (req, caller) => {
    const webhook = o.webhookPrefix !== undefined && req.path.startsWith(o.webhookPrefix);
    const limiter = webhook ? webhooks : perToken;
    if (!limiter) return { ok: true };
    if (!caller) return limiter.take(`ip:${req.ip ?? 'unknown'}`);
    // One Grafana proxy token serves every Grafana user: each named user gets a bucket of their own.
    return limiter.take(`token:${caller.tokenId}${caller.grafanaUser ? `:${caller.grafanaUser}` : ''}`);
  };
}

/** A throttled flood must not become an audit-write flood: the first refusal of a run, then every 100th. */
export function auditsRefusal(deniedInARow: number): boolean {
  return deniedInARow === 1 || deniedInARow % 100 === 0;
}
