import { ConflictError, NotFoundError } from './errors.js';

/** One typed registry per extension point; built-ins and user modules register the same way. */
export interface Registry<T extends { id: string }> {
  readonly kind: string;
  register(entry: T, opts?: { replace?: boolean }): void;
  get(id: string): T;
  find(id: string): T | undefined;
  list(): T[];
  has(id: string): boolean;
}

export function createRegistry<T extends { id: string }>(kind: string): Registry<T> {
  const entries = new Map<string, T>();
  return {
    kind,
    register(entry, opts) {
      if (entries.has(entry.id) && !opts?.replace)
        throw new ConflictError(`${kind} "${entry.id}" is already registered`);
      entries.set(entry.id, entry);
    },
    get(id) {
      const entry = entries.get(id);
      if (!entry) throw new NotFoundError(`unknown ${kind} "${id}"`);
      return entry;
    },
    find: (id) => entries.get(id),
    list: () => [...entries.values()],
    has: (id) => entries.has(id),
  };
}
