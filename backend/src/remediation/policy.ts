import { z } from 'zod';
import type { Severity } from '../store/types.js';

/** What remediation may do and when it may act without a person. */
export const remediationPolicySchema = z.object({
  /** Namespaces Aegis may change; empty = none. `*` = any. */
  allowedNamespaces: z.array(z.string()).default(['*']),
  allowedActions: z.array(z.string()).default(['restart-deployment', 'rollback-deployment', 'scale-out', 'delete-pod']),
  /** At most this many actions applied to one target per hour. */
  maxActionsPerTargetPerHour: z.number().int().min(1).default(3),
  /** Most pods one action may replace or remove. */
  maxPodsAffected: z.number().int().min(1).default(20),
  /** Combinations that execute without approval; empty by default (a person approves). */
  autoApprove: z
    .array(z.object({ action: z.string(), severities: z.array(z.string()), minConfidence: z.number().min(0).max(1) }))
    .default([]),
  /** How long verification waits for the rollout and the metric. */
  verifyDeadlineMs: z.number().int().positive().default(10 * 60_000),
  /** After the action, no check counts for this long (pods start, queues drain). */
  verifySettleMs: z.number().int().min(0).default(60_000),
  /** Every check must hold this long without a break for verification to pass. */
  verifyWindowMs: z.number().int().positive().default(120_000),
});
export type RemediationPolicy = z.infer<typeof remediationPolicySchema>;

export const DEFAULT_POLICY: RemediationPolicy = remediationPolicySchema.parse({});

export interface PolicyCheck {
  namespace: string;
  action: string;
  podsAffected: number;
  /** Other remediations on the target not yet final. */
  activeOnTarget: number;
  appliedLastHour: number;
}

/** Every rule the proposal breaks (empty = allowed). */
export function policyViolations(p: RemediationPolicy, c: PolicyCheck): string[] {
  const out: string[] = [];
  if (!p.allowedNamespaces.includes('*') && !p.allowedNamespaces.includes(c.namespace)) {
    out.push(`namespace ${c.namespace} is not in the allowed namespaces`);
  }
  if (!p.allowedActions.includes(c.action)) out.push(`action ${c.action} is not allowed`);
  if (c.activeOnTarget > 0) out.push('another remediation on this target is not finished');
  if (c.appliedLastHour >= p.maxActionsPerTargetPerHour) {
    out.push(`${c.appliedLastHour} actions on this target in the last hour (limit ${p.maxActionsPerTargetPerHour})`);
  }
  if (c.podsAffected > p.maxPodsAffected) out.push(`blast radius ${c.podsAffected} pods exceeds ${p.maxPodsAffected}`);
  return out;
}

/** Whether a policy lets this proposal run without a person approving it. */
export function autoApproves(p: RemediationPolicy, action: string, severity: Severity, confidence: number): boolean {
  return p.autoApprove.some((r) => r.action === action && r.severities.includes(severity) && confidence >= r.minConfidence);
}

/** `$AEGIS_HOME/remediation-policy.yaml` when present (camelCase keys as above), else the defaults. */
export async function loadRemediationPolicy(file: string): Promise<RemediationPolicy> {
  const { readFile } = await import('node:fs/promises');
  const { parse } = await import('yaml');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return DEFAULT_POLICY;
  }
  return remediationPolicySchema.parse(parse(text) ?? {});
}
