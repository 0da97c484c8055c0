import { config, hasPermission } from '@grafana/runtime';
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

const WRITERS = ['Editor', 'Admin'];

/**
 * Whether the user may change an incident: the app's POST proxy route requires the Editor role
 * (plugin.json `reqRole`), so a Viewer's request would be refused by Grafana anyway.
 */
export function canOperate(): boolean {
  try {
    const user = config.bootData?.user as { orgRole?: string; isGrafanaAdmin?: boolean } | undefined;
    return Boolean(user && (WRITERS.includes(user.orgRole ?? '') || user.isGrafanaAdmin));
  } catch {
    return false;
  }
}

export const OPERATE_DENIED_REASON =
  'You need the Grafana Editor role (the Aegis proxy route for changes requires it) to acknowledge, resolve, assign, note, silence or give feedback.';
