import type { z } from 'zod';
import { InputError } from '../platform/errors.js';
import type { DetectorState } from './types.js';

/** Parses detector params at construction, so a bad config fails loudly with the field that is wrong. */
export function parseParams<S extends z.ZodType>(kind: string, schema: S, params: unknown): z.output<S> {
  const parsed = schema.safeParse(params ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InputError(
      `detector ${kind}: ${issue ? `${issue.path.join('.') || 'params'}: ${issue.message}` : 'bad params'}`,
    );
  }
  return parsed.data;
}

/** Checks that a stored state belongs to this detector and version before restoring it. */
export function checkState(kind: string, version: number, state: DetectorState): void {
  if (state.kind !== kind) throw new InputError(`state of "${state.kind}" cannot restore detector "${kind}"`);
  if (state.version !== version)
    throw new InputError(`detector ${kind}: state version ${state.version}, expected ${version}`);
}

export function parseData<S extends z.ZodType>(kind: string, schema: S, data: unknown): z.output<S> {
  const parsed = schema.safeParse(data);
  if (!parsed.success) throw new InputError(`detector ${kind}: stored state is malformed`);
  return parsed.data;
}
