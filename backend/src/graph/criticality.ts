/**
 * Criticality: how much of the system depends on a service. PageRank with rank flowing from caller to
 * callee (a service many others call, directly or not, collects rank), combined with transitive
 * dependants and fan-in/fan-out, each normalised to [0, 1].
 */
export interface CriticalityInput {
  nodes: readonly string[];
  edges: ReadonlyArray<{ source: string; target: string }>;
}

export interface CriticalityScore {
  service: string;
  criticality: number;
  pageRank: number;
  fanIn: number;
  fanOut: number;
  /** Services that reach this one through calls. */
  transitiveDependants: number;
}

const WEIGHTS = { pageRank: 0.45, dependants: 0.35, fanIn: 0.1, fanOut: 0.1 };

export function computeCriticality(g: CriticalityInput, damping = 0.85): Map<string, CriticalityScore> {
  const index = new Map(g.nodes.map((n, i) => [n, i] as const));
  const n = g.nodes.length;
  const out: number[][] = g.nodes.map(() => []);
  const inc: number[][] = g.nodes.map(() => []);
  for (const e of g.edges) {
    const s = index.get(e.source);
    const t = index.get(e.target);
    if (s === undefined || t === undefined || s === t) continue;
    out[s]?.push(t);
    inc[t]?.push(s);
  }
  const pr = pageRank(out, n, damping);
  const dependants = g.nodes.map((_, i) => reachCount(inc, i));
  const max = (xs: number[]) => Math.max(1e-12, ...xs);
  const prMax = max(pr);
  const depMax = max(dependants);
  const fanIn = inc.map((x) => new Set(x).size);
  const fanOut = out.map((x) => new Set(x).size);
  const inMax = max(fanIn);
  const outMax = max(fanOut);
  const result = new Map<string, CriticalityScore>();
  g.nodes.forEach((service, i) => {
    const c =
      WEIGHTS.pageRank * ((pr[i] ?? 0) / prMax) +
      WEIGHTS.dependants * ((dependants[i] ?? 0) / depMax) +
      WEIGHTS.fanIn * ((fanIn[i] ?? 0) / inMax) +
      WEIGHTS.fanOut * ((fanOut[i] ?? 0) / outMax);
    result.set(service, {
      service,
      criticality: Math.round(c * 1e4) / 1e4,
      pageRank: pr[i] ?? 0,
      fanIn: fanIn[i] ?? 0,
      fanOut: fanOut[i] ?? 0,
      transitiveDependants: dependants[i] ?? 0,
    });
  });
  return result;
}

/** Power iteration; dangling nodes (no callees) spread their rank uniformly. */
export function pageRank(out: number[][], n: number, damping: number, tol = 1e-10, maxIter = 200): number[] {
  if (n === 0) return [];
  let rank = new Array<number>(n).fill(1 / n);
  for (let iter = 0; iter < maxIter; iter++) {
    const next = new Array<number>(n).fill((1 - damping) / n);
    let dangling = 0;
    for (let i = 0; i < n; i++) {
      const targets = out[i] ?? [];
      const r = rank[i] ?? 0;
      if (targets.length === 0) dangling += r;
      else for (const t of targets) next[t] = (next[t] ?? 0) + (damping * r) / targets.length;
    }
    let diff = 0;
    for (let i = 0; i < n; i++) {
      next[i] = (next[i] ?? 0) + (damping * dangling) / n;
      diff += Math.abs((next[i] ?? 0) - (rank[i] ?? 0));
    }
    rank = next;
    if (diff < tol) break;
  }
  return rank;
}

function reachCount(adj: number[][], start: number): number {
  const seen = new Set<number>([start]);
  const stack = [start];
  while (stack.length) {
    const cur = stack.pop() ?? start;
    for (const nxt of adj[cur] ?? []) {
      if (!seen.has(nxt)) {
        seen.add(nxt);
        stack.push(nxt);
      }
    }
  }
  return seen.size - 1;
}
