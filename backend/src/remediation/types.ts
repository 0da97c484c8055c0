import { z } from 'zod';

/** The annotation every Aegis write carries, so a restart can tell whether an action already landed. */
export const MARKER_ANNOTATION = 'aegis.io/remediation';
export const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';
export const REVISION = 'deployment.kubernetes.io/revision';

export interface PodState {
  name: string;
  uid: string;
  ready: boolean;
  phase: string;
  restarts: number;
  /** The ReplicaSet (template hash) the pod belongs to. */
  templateHash?: string;
}

/** What Aegis reads of a deployment before and after acting on it. */
export interface DeploymentState {
  namespace: string;
  name: string;
  uid: string;
  resourceVersion: string;
  generation: number;
  observedGeneration: number;
  replicas: number;
  readyReplicas: number;
  updatedReplicas: number;
  availableReplicas: number;
  revision: number;
  images: string[];
  annotations: Record<string, string>;
  templateAnnotations: Record<string, string>;
  selector: Record<string, string>;
  pods: PodState[];
}

export interface TemplateChange {
  changed: boolean;
  revision: number;
  at: string | null;
  cause: string | null;
}

/** A ReplicaSet as change detection needs it. */
export interface RevisionRecord {
  revision: number;
  createdAt: number;
  containers: unknown;
  cause: string | null;
  /** The `pod-template-hash` of its pods. */
  templateHash?: string;
}

/** The newest revision differs from the one before in its containers and was created after `sinceMs`. */
export function templateChange(revisions: RevisionRecord[], sinceMs: number): TemplateChange {
  const sorted = [...revisions].sort((a, b) => b.revision - a.revision);
  const [latest, previous] = sorted;
  if (!latest) return { changed: false, revision: 0, at: null, cause: null };
  const differs = previous !== undefined && JSON.stringify(latest.containers) !== JSON.stringify(previous.containers);
  return { changed: differs && latest.createdAt >= sinceMs, revision: latest.revision, at: new Date(latest.createdAt).toISOString(), cause: latest.cause };
}

export interface WriteOptions {
  dryRun: boolean;
  /** Remediation id written into the object, so a restarted backend recognises its own write. */
  marker: string;
  /** Make the write as this identity (Kubernetes impersonation), so the cluster's RBAC judges the approver, not Aegis. */
  as?: ActingIdentity;
}

/** A Kubernetes user (and optionally a group) that a write is made as: `Impersonate-User` / `Impersonate-Group`. */
export interface ActingIdentity {
  user: string;
  group?: string;
}

/**
 * The cluster as remediation needs it: reads, and the four writes of the built-in actions, each
 * through the Kubernetes API with explicit patch content types and optional server-side dry run.
 */
export interface ClusterPort {
  readDeployment(namespace: string, name: string): Promise<DeploymentState>;
  listDeployments(namespace: string): Promise<DeploymentState[]>;
  restart(namespace: string, name: string, at: Date, o: WriteOptions): Promise<unknown>;
  /** `toRevision` absent = the previous revision, as `kubectl rollout undo`. */
  rollback(namespace: string, name: string, toRevision: number | undefined, o: WriteOptions): Promise<{ toRevision: number }>;
  scale(namespace: string, name: string, replicas: number, o: WriteOptions): Promise<unknown>;
  deletePod(namespace: string, pod: string, o: { dryRun: boolean; as?: ActingIdentity }): Promise<unknown>;
  /** The rollout history (ReplicaSets owned by the deployment), newest first. */
  revisions(namespace: string, name: string): Promise<RevisionRecord[]>;
  /** Whether the pod template's containers (image, env) changed since `sinceMs`: a deploy, not a restart. */
  recentChange(namespace: string, name: string, sinceMs: number): Promise<TemplateChange>;
  /** Raw objects (for the security and compliance agents). */
  readObject(kind: 'deployment', namespace: string, name: string): Promise<Record<string, unknown>>;
}

export const actionParams = z.record(z.string(), z.unknown());
export type ActionParams = z.infer<typeof actionParams>;

/** The metric whose recovery proves a remediation worked. */
export const triggerSchema = z.object({
  service: z.string(),
  metric: z.string(),
  /** Normal level before the incident. */
  baseline: z.number(),
  /** Level when the remediation was planned. */
  observed: z.number(),
  /** `down`: the metric must fall back (memory, errors, latency). */
  direction: z.enum(['down', 'up']).default('down'),
});
export type Trigger = z.infer<typeof triggerSchema>;

export interface ActionContext {
  cluster: ClusterPort;
  now: () => Date;
}

export interface PlannedAction {
  /** What will change, for the person approving. */
  summary: string;
  /** Pods that will be replaced or removed (blast radius). */
  podsAffected: number;
  params: ActionParams;
}

/**
 * One remediation action. Built-ins and user modules register these in `registries.actions`.
 * `apply` must be idempotent given `isApplied`, so a restart never applies twice.
 */
export interface ActionDefinition {
  id: string;
  description: string;
  /** Works out the concrete parameters from the live state (replicas to scale to, revision to roll back to). */
  plan(state: DeploymentState, params: ActionParams): PlannedAction;
  apply(ctx: ActionContext, target: { namespace: string; name: string }, params: ActionParams, o: WriteOptions): Promise<unknown>;
  /** Whether the write of remediation `marker` is already in the live state. */
  isApplied(state: DeploymentState, marker: string, params: ActionParams, before: DeploymentState): boolean;
  /** Undo after failed verification; absent when there is nothing to undo (a restart). */
  revert?(ctx: ActionContext, before: DeploymentState, o: WriteOptions): Promise<unknown>;
}

export function isActionDefinition(v: unknown): v is ActionDefinition {
  const a = v as Partial<ActionDefinition> | undefined;
  return typeof a?.id === 'string' && typeof a.plan === 'function' && typeof a.apply === 'function' && typeof a.isApplied === 'function';
}

/** The cluster refused a verb (RBAC), for Aegis or the identity it acted as; distinct from our own API's 403. */
export class ClusterForbiddenError extends Error {
  override name = 'ClusterForbiddenError';
}
