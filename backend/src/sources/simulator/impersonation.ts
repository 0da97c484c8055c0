import type http from 'node:http';
import { KubeStatusError } from './apiserver.js';
import { allowed, type Rule, type SimUser } from './rbac.js';

/** Who is bound to which role, by subject: `user:<name>` or `group:<name>` (a ClusterRoleBinding's subjects). */
export type SimBindings = Record<string, string>;

/** As a real cluster: members of `system:masters` are administrators. */
export const DEFAULT_BINDINGS: SimBindings = { 'group:system:masters': 'cluster-admin' };

/**
 * Kubernetes user impersonation (`Impersonate-User` / `Impersonate-Group`, what `kubectl --as/--as-group`
 * and client libraries send): the caller needs the `impersonate` verb on `users` (and `groups`); the request
 * is then authorised as the impersonated identity through the cluster's bindings, never as the caller.
 */
export function impersonated(req: http.IncomingMessage, caller: SimUser, roles: Record<string, Rule[]>, bindings: SimBindings): SimUser {
  const user = req.headersDistinct['impersonate-user']?.[0];
  const groups = req.headersDistinct['impersonate-group'] ?? [];
  if (user === undefined && groups.length === 0) return caller;
  if (user === undefined) throw new KubeStatusError(500, 'InternalError', `Internal error occurred: requested [${groups.map((g) => `{Group  ${g}}`).join(' ')}] without impersonating a user`);
  mayImpersonate(caller, roles, 'users', user);
  for (const group of groups) mayImpersonate(caller, roles, 'groups', group);
  const subjects = [`user:${user}`, ...[...groups, 'system:authenticated'].map((g) => `group:${g}`)];
  const boundRoles = subjects.map((s) => bindings[s]).filter((r): r is string => r !== undefined);
  return { name: user, token: '', role: boundRoles[0] ?? '', rules: boundRoles.flatMap((r) => roles[r] ?? []), groups };
}

function mayImpersonate(caller: SimUser, roles: Record<string, Rule[]>, resource: 'users' | 'groups', name: string): void {
  if (allowed(rulesOf(caller, roles), 'impersonate', resource)) return;
  throw new KubeStatusError(
    403,
    'Forbidden',
    `${resource} "${name}" is forbidden: User "${caller.name}" cannot impersonate resource "${resource}" in API group "" at the cluster scope`,
    { name, kind: resource },
  );
}

/** The rules a user holds: its own (an impersonated identity's bindings) or its role's. */
export function rulesOf(user: SimUser, roles: Record<string, Rule[]>): Rule[] {
  return user.rules ?? roles[user.role] ?? [];
}
