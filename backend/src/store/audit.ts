import type { Clock } from '../platform/clock.js';
import type { Database, Queryable } from './db.js';
import { iso, type Page, SqlParams } from './paging.js';
import type { AuditEntry } from './types.js';

export type NewAuditEntry = Omit<AuditEntry, 'id' | 'at' | 'actor_role' | 'status' | 'request_id' | 'remote_addr'> &
  Partial<Pick<AuditEntry, 'actor_role' | 'status' | 'request_id' | 'remote_addr'>>;

export interface AuditFilter {
  actor?: string;
  action?: string;
  result?: AuditEntry['result'];
  limit: number;
  cursor?: string;
}

/** Append-only: the table's trigger refuses UPDATE and DELETE, and this port offers neither. */
export interface AuditLog {
  record(entry: NewAuditEntry, tx?: Queryable): Promise<void>;
  list(filter: AuditFilter): Promise<Page<AuditEntry>>;
}

export function createAuditLog({ db, clock }: { db: Database; clock: Clock }): AuditLog {
  return {
    async record(e, tx = db) {
      await tx.query(
        `INSERT INTO audit_log (at, actor, actor_role, action, target, result, status, request_id, remote_addr, details)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [
          clock.now(),
          e.actor,
          e.actor_role ?? null,
          e.action,
          e.target,
          e.result,
          e.status ?? null,
          e.request_id ?? null,
          e.remote_addr ?? null,
          JSON.stringify(e.details ?? {}),
        ],
      );
    },

    async list(f) {
      const p = new SqlParams();
      const where: string[] = [];
      if (f.actor) where.push(`actor = ${p.add(f.actor)}`);
      if (f.action) where.push(`action = ${p.add(f.action)}`);
      if (f.result) where.push(`result = ${p.add(f.result)}`);
      // The audit id is monotonic, so it is the cursor on its own.
      if (f.cursor) where.push(`id < ${p.add(Number(f.cursor) || 0)}`);
      const { rows } = await db.query<AuditEntry & { at: Date; id: string }>(
        `SELECT * FROM audit_log ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY id DESC LIMIT ${p.add(f.limit + 1)}`,
        p.values,
      );
      const items = rows.slice(0, f.limit).map((r) => ({ ...r, id: Number(r.id), at: iso(r.at) as string }));
      const last = items[items.length - 1];
      return { items, next: rows.length > f.limit && last ? String(last.id) : null };
    },
  };
}
