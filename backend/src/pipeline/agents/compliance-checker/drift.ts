/** Differences between a live object and its `kubectl.kubernetes.io/last-applied-configuration`. */
export interface Drift {
  path: string;
  applied: unknown;
  live: unknown;
}

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

type Container = { name?: string; image?: string; env?: unknown; resources?: unknown };
type Obj = { metadata?: { annotations?: Record<string, string> }; spec?: { replicas?: number; template?: { spec?: { containers?: Container[] } } } };

/** Compares the fields people change by hand: replicas, and per container image, env and resources. */
export function driftFromLastApplied(live: Record<string, unknown>): { drift: Drift[]; hasLastApplied: boolean } {
  const obj = live as Obj;
  const text = obj.metadata?.annotations?.[LAST_APPLIED];
  if (!text) return { drift: [], hasLastApplied: false };
  let applied: Obj;
  try {
    applied = JSON.parse(text) as Obj;
  } catch {
    return { drift: [{ path: `metadata.annotations.${LAST_APPLIED}`, applied: 'unparseable', live: null }], hasLastApplied: true };
  }
  const drift: Drift[] = [];
  const cmp = (path: string, a: unknown, l: unknown) => {
    if (a !== undefined && JSON.stringify(a) !== JSON.stringify(l)) drift.push({ path, applied: a, live: l ?? null });
  };
  cmp('spec.replicas', applied.spec?.replicas, obj.spec?.replicas);
  const liveContainers = new Map((obj.spec?.template?.spec?.containers ?? []).map((c) => [c.name, c]));
  for (const c of applied.spec?.template?.spec?.containers ?? []) {
    const l = liveContainers.get(c.name);
    if (!l) {
      drift.push({ path: `containers.${c.name ?? '?'}`, applied: 'present', live: 'missing' });
      continue;
    }
    cmp(`containers.${c.name}.image`, c.image, l.image);
    cmp(`containers.${c.name}.env`, c.env, l.env);
    cmp(`containers.${c.name}.resources`, c.resources, l.resources);
  }
  return { drift, hasLastApplied: true };
}
