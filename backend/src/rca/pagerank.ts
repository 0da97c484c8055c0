/**
 * Personalised PageRank over the call graph weighted by anomaly (MicroCause/CloudRanger style): a
 * walker at a service steps to one of its callees in proportion to how anomalous the callee is (the
 * fault sits downstream of its symptoms), back to a caller with a small share, or stays in proportion
 * to its own anomaly; it restarts at services in proportion to their anomaly. The visit frequency is
 * how much of the incident a service accounts for.
 */
export function anomalyPageRank(
  anomaly: ReadonlyMap<string, number>,
  callees: ReadonlyMap<string, readonly string[]>,
  opts: { restart?: number; backward?: number; iterations?: number } = {},
): Map<string, number> {
  const restart = opts.restart ?? 0.15;
  const backward = opts.backward ?? 0.1;
  const nodes = [...new Set([...anomaly.keys(), ...callees.keys(), ...[...callees.values()].flat()])];
  const idx = new Map(nodes.map((n, i) => [n, i]));
  const a = nodes.map((n) => Math.max(0, anomaly.get(n) ?? 0) + 1e-6);
  const callers = new Map<string, string[]>();
  for (const [src, ts] of callees) for (const t of ts) callers.set(t, [...(callers.get(t) ?? []), src]);
  // Transition lists per node: [target index, probability].
  const moves = nodes.map((n, i) => {
    const out: Array<[number, number]> = [[i, a[i] ?? 0]];
    for (const c of callees.get(n) ?? []) out.push([idx.get(c) ?? i, a[idx.get(c) ?? i] ?? 0]);
    for (const c of callers.get(n) ?? []) out.push([idx.get(c) ?? i, backward * (a[idx.get(c) ?? i] ?? 0)]);
    const total = out.reduce((s, [, w]) => s + w, 0) || 1;
    return out.map(([j, w]) => [j, w / total] as [number, number]);
  });
  const sumA = a.reduce((s, x) => s + x, 0) || 1;
  const personal = a.map((x) => x / sumA);
  let p = [...personal];
  for (let it = 0; it < (opts.iterations ?? 30); it++) {
    const next = personal.map((x) => restart * x);
    moves.forEach((m, i) => {
      for (const [j, w] of m) next[j] = (next[j] ?? 0) + (1 - restart) * (p[i] ?? 0) * w;
    });
    p = next;
  }
  return new Map(nodes.map((n, i) => [n, p[i] ?? 0]));
}
