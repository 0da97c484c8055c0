import { apiQueryTarget } from './api-query.js';
import { csvTarget } from './csv.js';
import { httpQueryTarget } from './http.js';
import { iacTargets } from './iac.js';
import type { FuzzTarget } from './target.js';
import { webhookTargets } from './webhooks.js';

/** Every target of the bench, by name; `api:http` runs a fixed sample instead of a share of the budget. */
export function allTargets(): FuzzTarget<never>[] {
  return [...webhookTargets(), ...iacTargets(), csvTarget() as FuzzTarget<never>, apiQueryTarget() as FuzzTarget<never>, httpQueryTarget() as FuzzTarget<never>];
}
