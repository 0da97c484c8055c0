import { InputError } from '../platform/errors.js';

/** Keyset paging over (created_at DESC, id DESC): stable under inserts, no OFFSET scans. */
export interface PageCursor {
  at: string;
  id: string;
}

export function encodeCursor(c: PageCursor): string {
  return Buffer.from(`${c.at}|${c.id}`).toString('base64url');
}

// What encodeCursor writes: an ISO instant (as `iso` renders it) and a UUID. Anything else would reach SQL as a bad cast.
const CURSOR_AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;
const CURSOR_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function decodeCursor(cursor: string): PageCursor {
  const [at, id, ...rest] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (!at || !id || rest.length || !CURSOR_AT.test(at) || !CURSOR_ID.test(id) || Number.isNaN(Date.parse(at)))
    throw new InputError('invalid cursor');
  return { at, id };
}

export interface Page<T> {
  items: T[];
  next: string | null;
}

/** Takes `limit + 1` rows and turns the extra one into the next cursor. */
export function toPage<T>(rows: T[], limit: number, key: (row: T) => PageCursor): Page<T> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, next: rows.length > limit && last ? encodeCursor(key(last)) : null };
}

/** Builds `$n` placeholders as values are pushed, so WHERE clauses compose without counting by hand. */
export class SqlParams {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

export function iso(value: Date | string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return (value instanceof Date ? value : new Date(value)).toISOString();
}
