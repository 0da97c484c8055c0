/**
 * What detection and RCA need from the service graph. The graph engine (graph/) implements it; a
 * static adapter built from configured edges serves until then and in tests.
 */
export interface ServiceEdge {
  source: string;
  target: string;
}

export interface ServiceGraphPort {
  services(): string[];
  edges(): ServiceEdge[];
  /** Services this one calls. */
  downstream(service: string): string[];
  /** Services that call this one. */
  upstream(service: string): string[];
}

export function staticServiceGraph(edges: ServiceEdge[], extraServices: string[] = []): ServiceGraphPort {
  const down = new Map<string, Set<string>>();
  const up = new Map<string, Set<string>>();
  const all = new Set(extraServices);
  for (const { source, target } of edges) {
    all.add(source).add(target);
    addTo(down, source, target);
    addTo(up, target, source);
  }
  return {
    services: () => [...all].sort(),
    edges: () => edges.map((e) => ({ ...e })),
    downstream: (s) => [...(down.get(s) ?? [])].sort(),
    upstream: (s) => [...(up.get(s) ?? [])].sort(),
  };
}

function addTo(map: Map<string, Set<string>>, key: string, value: string): void {
  const set = map.get(key) ?? new Set<string>();
  set.add(value);
  map.set(key, set);
}
