import type { Clock } from '../platform/clock.js';
import { ConflictError, NotFoundError } from '../platform/errors.js';
import { newTokenSecret, sha256Hex } from '../platform/ids.js';
import type { Database } from './db.js';
import { iso } from './paging.js';
import type { ApiToken, Role } from './types.js';

export interface TokenRepository {
  /** Creates a token; the secret is returned once and only its hash is stored. `secret` lets automation pick the value. */
  create(input: { name: string; role: Role; createdBy: string; secret?: string; expiresAt?: Date }): Promise<{
    token: ApiToken;
    secret: string;
  }>;
  /** Ensures a token with exactly this secret exists (AEGIS_*_TOKEN variables); returns whether it was created. */
  ensure(input: { name: string; role: Role; secret: string }): Promise<boolean>;
  findActiveBySecret(secret: string): Promise<ApiToken | undefined>;
  list(): Promise<ApiToken[]>;
  revoke(idOrPrefix: string): Promise<ApiToken>;
  countActive(role: Role): Promise<number>;
  touch(id: string): Promise<void>;
}

const COLUMNS = 'id, name, role, prefix, created_by, created_at, expires_at, last_used_at, revoked_at';

export function createTokenRepository({ db, clock }: { db: Database; clock: Clock }): TokenRepository {
  return {
    async create({ name, role, createdBy, secret = newTokenSecret(), expiresAt }) {
      const { rows } = await db.query<TokenRow>(
        `INSERT INTO api_tokens (name, role, token_hash, prefix, created_by, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (token_hash) DO NOTHING RETURNING ${COLUMNS}`,
        [name, role, sha256Hex(secret), secret.slice(0, 12), createdBy, clock.now(), expiresAt ?? null],
      );
      if (!rows[0]) throw new ConflictError('a token with that value already exists');
      return { token: toToken(rows[0]), secret };
    },

    async ensure({ name, role, secret }) {
      const { rows } = await db.query<{ role: Role; revoked_at: Date | null }>(
        'SELECT role, revoked_at FROM api_tokens WHERE token_hash = $1',
        [sha256Hex(secret)],
      );
      const existing = rows[0];
      if (existing && existing.role !== role) {
        throw new ConflictError(`the configured ${role} token already exists with role ${existing.role}`);
      }
      if (existing) return false;
      await this.create({ name, role, createdBy: 'config', secret });
      return true;
    },

    async findActiveBySecret(secret) {
      const { rows } = await db.query<TokenRow>(
        `SELECT ${COLUMNS} FROM api_tokens
         WHERE token_hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2)`,
        [sha256Hex(secret), clock.now()],
      );
      return rows[0] ? toToken(rows[0]) : undefined;
    },

    async list() {
      const { rows } = await db.query<TokenRow>(`SELECT ${COLUMNS} FROM api_tokens ORDER BY created_at, id`);
      return rows.map(toToken);
    },

    async revoke(idOrPrefix) {
      const byId = /^[0-9a-f-]{36}$/i.test(idOrPrefix);
      const { rows } = await db.query<TokenRow>(
        `UPDATE api_tokens SET revoked_at = $1
         WHERE ${byId ? 'id = $2::uuid' : 'prefix = $2'} AND revoked_at IS NULL RETURNING ${COLUMNS}`,
        [clock.now(), idOrPrefix],
      );
      if (rows.length > 1) throw new ConflictError(`"${idOrPrefix}" matches several tokens; use the id`);
      if (!rows[0]) throw new NotFoundError(`no active token ${idOrPrefix}`);
      return toToken(rows[0]);
    },

    async countActive(role) {
      const { rows } = await db.query<{ n: string }>(
        'SELECT count(*) AS n FROM api_tokens WHERE role = $1 AND revoked_at IS NULL',
        [role],
      );
      return Number(rows[0]?.n ?? 0);
    },

    async touch(id) {
      await db.query('UPDATE api_tokens SET last_used_at = $1 WHERE id = $2', [clock.now(), id]);
    },
  };
}

type TokenRow = Omit<ApiToken, 'created_at' | 'expires_at' | 'last_used_at' | 'revoked_at'> &
  Record<'created_at' | 'expires_at' | 'last_used_at' | 'revoked_at', Date | null>;

function toToken(r: TokenRow): ApiToken {
  return {
    ...r,
    created_at: iso(r.created_at) as string,
    expires_at: iso(r.expires_at),
    last_used_at: iso(r.last_used_at),
    revoked_at: iso(r.revoked_at),
  };
}
