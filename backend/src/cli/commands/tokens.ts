import { InputError } from '../../platform/errors.js';
import { ROLES, type Role } from '../../store/types.js';
import { openCliBackend } from '../connect.js';
import type { Command } from '../command.js';
import { ago, table } from '../format.js';

export const tokenCreate: Command = {
  words: ['token', 'create'],
  usage: 'aegis token create --role <viewer|operator|admin|ingest|grafana> [--name N] [--expires-days D] [--json]',
  summary: 'Create an API token; its secret is printed once',
  options: {
    role: { type: 'string' },
    name: { type: 'string' },
    'expires-days': { type: 'string' },
    json: { type: 'boolean' },
  },
  async run({ values }, ctx) {
    const role = values.role as string | undefined;
    if (!role || !(ROLES as readonly string[]).includes(role))
      throw new InputError(`--role must be one of ${ROLES.join(', ')}`);
    const days = values['expires-days'] === undefined ? undefined : Number(values['expires-days']);
    if (days !== undefined && (!Number.isInteger(days) || days < 1))
      throw new InputError('--expires-days must be a positive whole number');
    const backend = await openCliBackend(ctx);
    try {
      const name = (values.name as string | undefined) ?? `${role}-${new Date().toISOString().slice(0, 10)}`;
      const created = await backend.createToken({ name, role: role as Role, expiresInDays: days });
      if (values.json) ctx.out(JSON.stringify(created, null, 2));
      else
        ctx.out(
          `Created ${role} token "${created.token.name}" (${created.token.id}). Its secret, shown only now:\n${created.secret}`,
        );
      return 0;
    } finally {
      await backend.close();
    }
  },
};

export const tokenList: Command = {
  words: ['token', 'list'],
  usage: 'aegis token list [--json]',
  summary: 'List API tokens (never their secrets)',
  options: { json: { type: 'boolean' } },
  async run({ values }, ctx) {
    const backend = await openCliBackend(ctx);
    try {
      const tokens = await backend.listTokens();
      if (values.json) ctx.out(JSON.stringify({ items: tokens }, null, 2));
      else {
        const rows = tokens.map((t) => ({
          ...t,
          state: t.revoked_at ? 'revoked' : 'active',
          created: ago(t.created_at),
          used: ago(t.last_used_at),
        }));
        ctx.out(table(rows, ['id', 'name', 'role', 'prefix', 'state', 'created', 'used']));
      }
      return 0;
    } finally {
      await backend.close();
    }
  },
};

export const tokenRevoke: Command = {
  words: ['token', 'revoke'],
  usage: 'aegis token revoke <id|prefix>',
  summary: 'Revoke an API token',
  async run({ positionals }, ctx) {
    const id = positionals[0];
    if (!id) throw new InputError('give the token id (or its prefix) to revoke');
    const backend = await openCliBackend(ctx);
    try {
      const token = await backend.revokeToken(id);
      ctx.out(`Revoked ${token.role} token "${token.name}" (${token.id}).`);
      return 0;
    } finally {
      await backend.close();
    }
  },
};
