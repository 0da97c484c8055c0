import { hasPermission } from '@grafana/runtime';
import { APPROVE_ACTION } from '../constants';

/** Whether the signed-in Grafana user holds the approve action; false when Grafana has no user context. */
export function canApprove(): boolean {
  try {
    return hasPermission(APPROVE_ACTION);
  } catch {
    return false;
  }
}

export const APPROVE_DENIED_REASON = `You need the Grafana permission ${APPROVE_ACTION} (granted to Editors by default) to approve or reject remediations.`;
