/** A simple RBAC: each token in the kubeconfig belongs to a user whose role allows verbs on resources. */
export interface Rule {
  verbs: string[];
  /** Resource names, `resource/subresource`, or `*`. */
  resources: string[];
}

export interface SimUser {
  name: string;
  token: string;
  role: string;
  /** An impersonated identity's rules (from its bindings); absent: the role's. */
  rules?: Rule[];
  groups?: string[];
}

export const DEFAULT_ROLES: Record<string, Rule[]> = {
  'cluster-admin': [{ verbs: ['*'], resources: ['*'] }],
  // What Aegis itself needs: read everything, restart/rollback/scale deployments, delete pods, hold leases
  // (the same grants as deploy/base's Roles).
  aegis: [
    { verbs: ['get', 'list', 'watch'], resources: ['*'] },
    { verbs: ['patch', 'update'], resources: ['deployments', 'deployments/scale'] },
    { verbs: ['delete'], resources: ['pods'] },
    { verbs: ['create', 'update', 'patch'], resources: ['leases'] },
  ],
  view: [{ verbs: ['get', 'list', 'watch'], resources: ['*'] }],
};

export function allowed(rules: Rule[] | undefined, verb: string, resource: string): boolean {
  return (rules ?? []).some(
    (r) => (r.verbs.includes('*') || r.verbs.includes(verb)) && (r.resources.includes('*') || r.resources.includes(resource)),
  );
}
