import type { KubeObject } from './objects.js';
import type { Cause } from './validate.js';

/** A coordination.k8s.io/v1 Lease as the API server stores it (leader election, node heartbeats). */
export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
  strategy?: string;
  preferredHolder?: string;
}

/** A request body the API server cannot decode into a Lease (400, before any validation). */
export class LeaseDecodeError extends Error {}

const TIME_FIELDS = ['acquireTime', 'renewTime'] as const;
const STRING_FIELDS = ['holderIdentity', 'strategy', 'preferredHolder'] as const;
const INT32_FIELDS = ['leaseDurationSeconds', 'leaseTransitions'] as const;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * What the API server keeps of a Lease it is sent: typed spec fields only (unknown ones and nulls are
 * dropped, as Go's decoder does), MicroTime re-encoded with six fractional digits, kind/apiVersion set.
 */
export function normaliseLease(input: KubeObject): KubeObject {
  const raw = (input as { spec?: unknown }).spec;
  if (raw !== undefined && raw !== null && (typeof raw !== 'object' || Array.isArray(raw))) throw decodeError('spec', 'object', raw);
  const given = (raw ?? {}) as Record<string, unknown>;
  const spec: LeaseSpec = {};
  for (const f of STRING_FIELDS) {
    const v = given[f];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string') throw decodeError(`spec.${f}`, 'string', v);
    spec[f] = v;
  }
  for (const f of INT32_FIELDS) {
    const v = given[f];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'number' || !Number.isInteger(v) || Math.abs(v) > 2 ** 31) throw decodeError(`spec.${f}`, 'int32', v);
    spec[f] = v;
  }
  for (const f of TIME_FIELDS) {
    const v = given[f];
    if (v === undefined || v === null) continue;
    const t = typeof v === 'string' ? microTime(v) : undefined;
    if (t === undefined) throw new LeaseDecodeError(`Lease in version "v1" cannot be handled as a Lease: parsing time ${JSON.stringify(v)} as RFC3339 failed (spec.${f})`);
    spec[f] = t;
  }
  return { ...input, apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', spec };
}

/** The registry's ValidateLease: a DNS-subdomain name and the spec's numeric bounds. */
export function validateLease(next: KubeObject): Cause[] {
  const causes: Cause[] = [];
  const name = next.metadata?.name;
  // An update without a name takes the URL's; only a name that is there can be wrong.
  if (name !== undefined && (typeof name !== 'string' || name.length > 253 || !DNS_SUBDOMAIN.test(name))) {
    causes.push({
      field: 'metadata.name',
      message: `Invalid value: ${JSON.stringify(name)}: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`,
    });
  }
  const spec = (next.spec ?? {}) as LeaseSpec;
  if (spec.leaseDurationSeconds !== undefined && spec.leaseDurationSeconds <= 0) {
    causes.push({ field: 'spec.leaseDurationSeconds', message: `Invalid value: ${spec.leaseDurationSeconds}: must be greater than 0` });
  }
  if (spec.leaseTransitions !== undefined && spec.leaseTransitions < 0) {
    causes.push({ field: 'spec.leaseTransitions', message: `Invalid value: ${spec.leaseTransitions}: must be greater than or equal to 0` });
  }
  if (spec.strategy !== undefined && spec.strategy !== 'OldestEmulationVersion') {
    causes.push({ field: 'spec.strategy', message: `Unsupported value: ${JSON.stringify(spec.strategy)}: supported values: "OldestEmulationVersion"` });
  }
  if (spec.preferredHolder && !spec.strategy) {
    causes.push({ field: 'spec.preferredHolder', message: 'Forbidden: preferredHolder can only be set when strategy is set' });
  }
  return causes;
}

/** RFC 3339 in, Kubernetes MicroTime out (`2026-01-01T00:00:00.123000Z`); undefined when unparseable. */
export function microTime(text: string): string | undefined {
  const m = /^(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2}:\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.exec(text);
  if (!m || Number.isNaN(Date.parse(text))) return undefined;
  const fraction = (m[3] ?? '.').slice(1).padEnd(6, '0').slice(0, 6);
  if (m[4] === 'Z' || m[4] === 'z') return `${m[1]}T${m[2]}.${fraction}Z`;
  // Another offset: convert to UTC; a Date keeps milliseconds, the rest of the fraction is carried over.
  const utc = new Date(text).toISOString().slice(0, 19);
  return `${utc}.${fraction}Z`;
}

function decodeError(field: string, type: string, value: unknown): LeaseDecodeError {
  const got = Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;
  return new LeaseDecodeError(`Lease in version "v1" cannot be handled as a Lease: json: cannot unmarshal ${got} into Go struct field ${field} of type ${type}`);
}
