import { KubeStatusError } from './apiserver.js';
import { rulesOf } from './impersonation.js';
import { allowed, type Rule, type SimUser } from './rbac.js';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * `SelfSubjectAccessReview` and `SelfSubjectRulesReview` (what `kubectl auth can-i` sends), answered from
 * the caller's role. The simulator's rules name resources without API groups, so any group matches.
 */
export function reviewAccess(kind: string, body: unknown, user: SimUser, roles: Record<string, Rule[]>): Record<string, unknown> {
  const review = (body ?? {}) as Any;
  if (typeof review !== 'object' || Array.isArray(review)) throw new KubeStatusError(400, 'BadRequest', 'the request body must be an object');
  const rules = rulesOf(user, roles);
  if (kind === 'selfsubjectaccessreviews') {
    const attrs = review.spec?.resourceAttributes as Any | undefined;
    const nonResource = review.spec?.nonResourceAttributes as Any | undefined;
    if (!attrs && !nonResource) {
      throw new KubeStatusError(422, 'Invalid', 'SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes: Invalid value: exactly one of nonResourceAttributes or resourceAttributes must be specified');
    }
    const resource = attrs ? `${attrs.resource ?? ''}${attrs.subresource ? `/${attrs.subresource}` : ''}` : '';
    const ok = attrs ? allowed(rules, String(attrs.verb ?? ''), resource) : rules.some((r) => r.verbs.includes('*') && r.resources.includes('*'));
    return {
      kind: 'SelfSubjectAccessReview',
      apiVersion: 'authorization.k8s.io/v1',
      metadata: { creationTimestamp: null },
      spec: review.spec,
      status: { allowed: ok, ...(ok ? { reason: `allowed by the simulated cluster's "${user.role}" role${user.rules ? ' (bound to the impersonated identity)' : ''}` } : {}) },
    };
  }
  return {
    kind: 'SelfSubjectRulesReview',
    apiVersion: 'authorization.k8s.io/v1',
    metadata: { creationTimestamp: null },
    spec: review.spec ?? {},
    status: {
      resourceRules: [
        { verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'] },
        ...rules.map((r) => ({ verbs: r.verbs, apiGroups: ['*'], resources: r.resources })),
      ],
      nonResourceURLs: [{ verbs: ['get'], nonResourceURLs: ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/'] }],
      incomplete: false,
    },
  };
}
