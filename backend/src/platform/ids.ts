import { createHash, randomBytes, randomUUID } from 'node:crypto';

export interface IdGenerator {
  uuid(): string;
}

export const randomIds: IdGenerator = { uuid: () => randomUUID() };

/** API tokens: a recognisable prefix and 32 random bytes; only the SHA-256 is ever stored. */
export function newTokenSecret(): string {
  return 'aeg_' + randomBytes(32).toString('base64url');
}

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}
