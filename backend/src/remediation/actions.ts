import type { Registry } from '../platform/registry.js';
import type { Extension } from '../extensions/index.js';
import { InputError, NotFoundError } from '../platform/errors.js';
import { type ActionDefinition, type ActionParams, type DeploymentState, isActionDefinition, MARKER_ANNOTATION } from './types.js';

const marked = (state: DeploymentState, marker: string) => state.annotations[MARKER_ANNOTATION] === marker;
const int = (v: unknown): number | undefined => (typeof v === 'number' && Number.isInteger(v) ? v : undefined);

export const restartDeployment: ActionDefinition = {
  id: 'restart-deployment',
  description: 'Rolling restart of a deployment (kubectl rollout restart): every pod is replaced, one at a time.',
  plan: (s) => ({ summary: `rolling restart of ${s.name} (${s.replicas} pods replaced)`, podsAffected: s.replicas, params: {} }),
  apply: ({ cluster, now }, t, _p, o) => cluster.restart(t.namespace, t.name, now(), o),
  isApplied: (s, marker) => marked(s, marker),
};

export const rollbackDeployment: ActionDefinition = {
  id: 'rollback-deployment',
  description: 'Roll a deployment back to its previous revision (kubectl rollout undo).',
  plan(s, p) {
    const toRevision = int(p.toRevision);
    if (s.revision <= 1 && toRevision === undefined) throw new InputError(`${s.name} has no previous revision to roll back to`);
    const target = toRevision === undefined ? 'the previous revision' : `revision ${toRevision}`;
    return {
      summary: `roll ${s.name} back from revision ${s.revision} to ${target}`,
      podsAffected: s.replicas,
      params: toRevision === undefined ? { fromRevision: s.revision } : { fromRevision: s.revision, toRevision },
    };
  },
  apply: ({ cluster }, t, p, o) => cluster.rollback(t.namespace, t.name, int(p.toRevision), o),
  isApplied: (s, marker) => marked(s, marker),
  // Rolling forward again to the revision we left restores what was there.
  revert: ({ cluster }, before, o) => cluster.rollback(before.namespace, before.name, before.revision, o),
};

/** Saturated services need well over double their capacity to drain a backlog: triple, at most +8, at most 20. */
export function scaleOutTarget(replicas: number): number {
  return Math.min(20, Math.max(replicas + 1, Math.min(replicas * 3, replicas + 8)));
}

export const scaleOut: ActionDefinition = {
  id: 'scale-out',
  description: 'Add replicas to a deployment (kubectl scale); by default triples it, at most +8 and at most 20.',
  plan(s, p) {
    const replicas = int(p.replicas) ?? scaleOutTarget(s.replicas);
    if (replicas <= s.replicas) throw new InputError(`scale-out needs more than the current ${s.replicas} replicas`);
    return { summary: `scale ${s.name} from ${s.replicas} to ${replicas} replicas`, podsAffected: 0, params: { replicas, fromReplicas: s.replicas } };
  },
  apply: ({ cluster }, t, p, o) => cluster.scale(t.namespace, t.name, int(p.replicas) ?? 1, o),
  isApplied: (s, marker) => marked(s, marker),
  revert: ({ cluster }, before, o) => cluster.scale(before.namespace, before.name, before.replicas, o),
};

export const deleteCrashLoopingPod: ActionDefinition = {
  id: 'delete-pod',
  description: 'Delete the pod of a deployment that restarts most (its ReplicaSet recreates it).',
  plan(s, p) {
    const named = typeof p.pod === 'string' ? s.pods.find((x) => x.name === p.pod) : undefined;
    const pod = named ?? [...s.pods].sort((a, b) => b.restarts - a.restarts || Number(a.ready) - Number(b.ready))[0];
    if (!pod) throw new NotFoundError(`${s.name} has no pods to delete`);
    return { summary: `delete pod ${pod.name} of ${s.name} (${pod.restarts} restarts)`, podsAffected: 1, params: { pod: pod.name, podUid: pod.uid } };
  },
  apply: ({ cluster }, t, p, o) => cluster.deletePod(t.namespace, String(p.pod), { dryRun: o.dryRun, as: o.as }),
  isApplied: (s, _m, p: ActionParams) => !s.pods.some((x) => x.uid === p.podUid),
};

export const BUILTIN_ACTIONS: ActionDefinition[] = [restartDeployment, rollbackDeployment, scaleOut, deleteCrashLoopingPod];

/** Registers the built-ins before user modules load, so a module may replace one. */
export function registerBuiltinActions(registry: Registry<Extension>): void {
  for (const a of BUILTIN_ACTIONS) registry.register({ ...a });
}

/** The action registered under `id`, if it looks like an action. */
export function lookupAction(registry: Registry<Extension>, id: string): ActionDefinition {
  const entry = registry.find(id);
  if (!isActionDefinition(entry)) throw new InputError(`unknown remediation action "${id}"`);
  return entry;
}
