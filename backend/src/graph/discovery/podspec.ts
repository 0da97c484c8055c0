import type { DiscoverySnapshot } from '../model.js';

/** What reference discovery needs from a workload: where it runs and the text of its configuration. */
export interface WorkloadSpec {
  /** The service this workload backs (the Service selecting its pods, or the workload name). */
  service: string;
  namespace: string;
  kind?: string;
  /** env var name → value */
  env?: Record<string, string>;
  args?: string[];
  command?: string[];
  /** Values of ConfigMaps the workload mounts or reads. */
  config?: Record<string, string>;
}

export interface KnownService {
  name: string;
  namespace: string;
}

/**
 * Finds calls implied by configuration: an env var, argument or config value that names another
 * service by DNS (`cartservice:7070`, `http://cartservice.shop.svc.cluster.local`, or exactly
 * `cartservice`). A bare name only resolves inside the workload's own namespace, as DNS search does.
 */
export function discoverFromPodSpecs(workloads: readonly WorkloadSpec[], services: readonly KnownService[]): DiscoverySnapshot {
  const byName = new Map<string, KnownService[]>();
  for (const s of services) byName.set(s.name, [...(byName.get(s.name) ?? []), s]);
  const edges = new Map<string, { source: string; target: string }>();
  const nodes = new Map<string, DiscoverySnapshot['nodes'][number]>();
  for (const s of services) nodes.set(s.name, { id: s.name, namespace: s.namespace, kind: 'Service' });
  for (const w of workloads) {
    nodes.set(w.service, { id: w.service, namespace: w.namespace, kind: w.kind ?? nodes.get(w.service)?.kind });
    const texts = [...Object.values(w.env ?? {}), ...(w.args ?? []), ...(w.command ?? []), ...Object.values(w.config ?? {})];
    for (const text of texts) {
      for (const target of referencedServices(text, w.namespace, byName)) {
        if (target !== w.service) edges.set(`${w.service}→${target}`, { source: w.service, target });
      }
    }
  }
  return { nodes: [...nodes.values()], edges: [...edges.values()] };
}

// host: a DNS name, optionally with scheme before and :port after.
const HOST = /(?:[a-z][a-z0-9+.-]*:\/\/)?(?:[^\s@/]+@)?([a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*)(:\d{1,5})?/gi;

export function referencedServices(text: string, namespace: string, byName: Map<string, KnownService[]>): string[] {
  const found = new Set<string>();
  for (const m of text.matchAll(HOST)) {
    const whole = m[0];
    const host = (m[1] ?? '').toLowerCase();
    const labels = host.split('.');
    const name = labels[0] ?? '';
    const candidates = byName.get(name);
    if (!candidates) continue;
    const before = m.index === 0 ? '' : text[m.index - 1] ?? '';
    if (/[a-z0-9_-]/i.test(before)) continue;
    const hasScheme = whole.includes('://');
    const hasPort = m[2] !== undefined;
    if (labels.length === 1) {
      // A bare word is only an address with a scheme, a port, or as the whole value.
      if (!hasScheme && !hasPort && text.trim().toLowerCase() !== name) continue;
      if (candidates.some((c) => c.namespace === namespace)) found.add(name);
      continue;
    }
    const ns = labels[1];
    const rest = labels.slice(2).join('.');
    const clusterSuffix = rest === '' || rest === 'svc' || /^svc\.[a-z0-9.-]+$/.test(rest);
    if (clusterSuffix && candidates.some((c) => c.namespace === ns)) found.add(name);
  }
  return [...found];
}
