/** Remediation: the action library, policy, approval gate and the persisted, exactly-once state machine. */
export * from './types.js';
export { BUILTIN_ACTIONS, registerBuiltinActions, lookupAction, restartDeployment, rollbackDeployment, scaleOut, deleteCrashLoopingPod } from './actions.js';
export { createKubeCluster, kubeConfigFrom, deploymentState } from './cluster.js';
export { DEFAULT_POLICY, remediationPolicySchema, policyViolations, autoApproves, loadRemediationPolicy, type RemediationPolicy } from './policy.js';
export { createRemediationService, type RemediationService, type RemediationServiceDeps, type ImpersonationSettings, type ProposeInput, type RemediationOutcome } from './service.js';
export { remediationRoutes } from './routes.js';
export { rolloutComplete, podsReady, type VerificationRecord, type VerificationCheck, type DisturbedPeriods, type Period } from './verify.js';
export { FINAL_STATUSES, ACTIVE_STATUSES } from './store.js';
