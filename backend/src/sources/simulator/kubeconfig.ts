import { randomBytes } from 'node:crypto';
import { stringify } from 'yaml';
import type { SimUser } from './rbac.js';

/** The simulator's users: an admin for kubectl, Aegis's own least-privilege account, a read-only viewer. */
export function newSimUsers(): SimUser[] {
  const token = () => `sim_${randomBytes(24).toString('base64url')}`;
  return [
    { name: 'sim-admin', token: token(), role: 'cluster-admin' },
    { name: 'aegis', token: token(), role: 'aegis' },
    { name: 'sim-viewer', token: token(), role: 'view' },
  ];
}

export const SIM_CLUSTER = 'aegis-sim';

/** A kubeconfig for the simulated cluster: one context per user; the admin context is current. */
export function simKubeconfig(url: string, users: SimUser[], namespace: string, caPem?: string): string {
  const contextName = (u: SimUser) => (u.role === 'cluster-admin' ? SIM_CLUSTER : `${SIM_CLUSTER}-${u.name}`);
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    clusters: [{ name: SIM_CLUSTER, cluster: { server: url, ...(caPem ? { 'certificate-authority-data': Buffer.from(caPem).toString('base64') } : {}) } }],
    users: users.map((u) => ({ name: u.name, user: { token: u.token } })),
    contexts: users.map((u) => ({ name: contextName(u), context: { cluster: SIM_CLUSTER, user: u.name, namespace } })),
    'current-context': SIM_CLUSTER,
  });
}

export function contextFor(users: SimUser[], role: string): string {
  const u = users.find((x) => x.role === role);
  if (!u) return SIM_CLUSTER;
  return u.role === 'cluster-admin' ? SIM_CLUSTER : `${SIM_CLUSTER}-${u.name}`;
}
