import type { Role } from '../store/types.js';

/** What a caller may do. Routes name one permission; roles grant sets of them. */
export type Permission = 'read' | 'operate' | 'admin' | 'ingest';

export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  viewer: ['read'],
  operator: ['read', 'operate'],
  admin: ['read', 'operate', 'admin', 'ingest'],
  ingest: ['ingest'],
  // Grafana's proxy token reads and operates, but writes only on behalf of a named Grafana user.
  grafana: ['read', 'operate'],
};

export interface Principal {
  tokenId: string;
  tokenName: string;
  role: Role;
  /** Who is recorded as acting: the Grafana login for a grafana token naming one, else the token. */
  actor: string;
  grafanaUser?: string;
}

export function can(principal: Principal, permission: Permission): boolean {
  return ROLE_PERMISSIONS[principal.role].includes(permission);
}

/** The credential a request used, as audit rows name it next to the actor it claims to be. */
export function credentialOf(principal: Principal): string {
  return principal.tokenId.startsWith('signature:') ? principal.tokenName : `token:${principal.tokenName}`;
}
