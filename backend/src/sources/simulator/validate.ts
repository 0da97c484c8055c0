import { stableStringify } from './cluster.js';
import { validateLease } from './leases.js';
import type { KubeObject, ResourceName } from './objects.js';
import { parseQuantity } from './quantity.js';

export interface Cause {
  field: string;
  message: string;
}

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Server-side validation of a write, as the API server's registry strategies do (422 when any fails). */
export function validateWrite(resource: ResourceName, current: KubeObject, next: KubeObject): Cause[] {
  const causes: Cause[] = [];
  if (next.metadata !== undefined && (typeof next.metadata !== 'object' || next.metadata === null)) {
    return [{ field: 'metadata', message: 'Invalid value: must be an object' }];
  }
  const labels = next.metadata?.labels;
  if (labels !== undefined && (typeof labels !== 'object' || Object.values(labels).some((v) => typeof v !== 'string'))) {
    causes.push({ field: 'metadata.labels', message: 'Invalid value: label values must be strings' });
  }
  if (resource === 'deployments') causes.push(...validateDeployment(current as Any, next as Any));
  if (resource === 'leases') causes.push(...validateLease(next));
  if (resource === 'pods' && stableStringify((next as Any).spec) !== stableStringify((current as Any).spec)) {
    causes.push({ field: 'spec', message: 'Forbidden: pod updates may not change fields other than `spec.containers[*].image`, `spec.activeDeadlineSeconds` or `spec.tolerations`' });
  }
  if (resource === 'services' && (next as Any).spec?.clusterIP !== (current as Any).spec?.clusterIP) {
    causes.push({ field: 'spec.clusterIP', message: 'Invalid value: field is immutable' });
  }
  return causes;
}

function validateDeployment(current: Any, next: Any): Cause[] {
  const causes: Cause[] = [];
  const spec = next.spec;
  if (!spec || typeof spec !== 'object') return [{ field: 'spec', message: 'Required value' }];
  if (!Number.isInteger(spec.replicas) || spec.replicas < 0) {
    causes.push({ field: 'spec.replicas', message: `Invalid value: ${JSON.stringify(spec.replicas)}: must be greater than or equal to 0` });
  }
  if (stableStringify(spec.selector) !== stableStringify(current.spec?.selector)) {
    causes.push({ field: 'spec.selector', message: 'Invalid value: field is immutable' });
  }
  const tplLabels = spec.template?.metadata?.labels ?? {};
  for (const [k, v] of Object.entries(spec.selector?.matchLabels ?? {})) {
    if (tplLabels[k] !== v) causes.push({ field: 'spec.template.metadata.labels', message: `Invalid value: selector does not match template labels` });
  }
  const containers = spec.template?.spec?.containers;
  if (!Array.isArray(containers) || containers.length === 0) {
    causes.push({ field: 'spec.template.spec.containers', message: 'Required value' });
    return causes;
  }
  containers.forEach((c: Any, i: number) => {
    const at = `spec.template.spec.containers[${i}]`;
    if (!c || typeof c.name !== 'string' || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(c.name)) causes.push({ field: `${at}.name`, message: 'Invalid value: must be a DNS-1123 label' });
    if (!c || typeof c.image !== 'string' || !c.image.trim()) causes.push({ field: `${at}.image`, message: 'Required value' });
    for (const kind of ['limits', 'requests'] as const) {
      for (const [res, q] of Object.entries(c?.resources?.[kind] ?? {})) {
        if (parseQuantity(q) === undefined) causes.push({ field: `${at}.resources.${kind}[${res}]`, message: `Invalid value: "${String(q)}": quantities must match the regular expression` });
      }
    }
    if (c?.env !== undefined && (!Array.isArray(c.env) || c.env.some((e: Any) => typeof e?.name !== 'string'))) causes.push({ field: `${at}.env`, message: 'Invalid value: every env var needs a name' });
  });
  return causes;
}

/** Validation of a new object: there is no stored version, so immutability checks compare it with itself. */
export function validateCreate(resource: ResourceName, next: KubeObject): Cause[] {
  return validateWrite(resource, next, next);
}
