/**
 * Service graph engine at scale: a 1,000-service layered call graph fed by one discovery source.
 *
 *   npm run bench:rca:graph -- [--services 1000] [--updates 200]
 *
 * Prints the time of a full merge, of incremental re-merges where one edge's stats change (what a
 * discovery round usually brings), of a full rebuild for comparison, and of criticality, critical
 * paths and bottlenecks on the result.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { createServiceGraph, type DiscoverySnapshot } from '../src/graph/index.js';

function lcg(seed: number) {
  let s = seed >>> 0 || 1;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 0x100000000);
}

function snapshot(n: number, rand: () => number): DiscoverySnapshot {
  const ids = Array.from({ length: n }, (_, i) => `svc-${String(i).padStart(4, '0')}`);
  const layers = 8;
  const edges: DiscoverySnapshot['edges'] = [];
  ids.forEach((source, i) => {
    const layer = Math.floor((i * layers) / n);
    if (layer === layers - 1) return;
    const lo = Math.ceil(((layer + 1) * n) / layers);
    const hi = Math.ceil(((layer + 2) * n) / layers);
    for (let k = 0; k < 3; k++) {
      const target = ids[lo + Math.floor(rand() * (hi - lo))] ?? '';
      if (!edges.some((e) => e.source === source && e.target === target))
        edges.push({ source, target, requestRate: Math.round(rand() * 1000) / 10, p95Ms: Math.round(rand() * 500) / 10 });
    }
  });
  return { nodes: ids.map((id) => ({ id, namespace: `ns-${Number(id.slice(4)) % 10}` })), edges };
}

const ms = (f: () => void) => {
  const s = performance.now();
  f();
  return performance.now() - s;
};
const pct = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(q * xs.length) - 1)] ?? NaN;

function main() {
  const { values } = parseArgs({ options: { services: { type: 'string' }, updates: { type: 'string' } } });
  const n = Number(values.services ?? 1000);
  const updates = Number(values.updates ?? 200);
  const rand = lcg(7);
  const base = snapshot(n, rand);
  const graph = createServiceGraph();
  const full = ms(() => graph.mergeSnapshot('mesh:istio', base));
  console.log(`${n} services, ${base.edges.length} edges: first merge ${full.toFixed(1)} ms`);

  const incremental: number[] = [];
  const rebuild: number[] = [];
  let current = base;
  for (let i = 0; i < updates; i++) {
    const k = Math.floor(rand() * current.edges.length);
    current = { nodes: current.nodes, edges: current.edges.map((e, j) => (j === k ? { ...e, requestRate: (e.requestRate ?? 0) + 1 } : e)) };
    const snap = current;
    incremental.push(ms(() => graph.mergeSnapshot('mesh:istio', snap)));
    if (i < 20) rebuild.push(ms(() => createServiceGraph().mergeSnapshot('mesh:istio', snap)));
  }
  console.log(`incremental re-merge (one edge changed, diff computed and applied): p50 ${pct(incremental, 0.5).toFixed(2)} ms, p95 ${pct(incremental, 0.95).toFixed(2)} ms over ${updates}`);
  console.log(`full rebuild of the same snapshot: p50 ${pct(rebuild, 0.5).toFixed(2)} ms over ${rebuild.length}`);
  console.log(
    `criticality ${ms(() => graph.criticality()).toFixed(1)} ms, critical paths ${ms(() => graph.criticalPaths()).toFixed(1)} ms, bottlenecks ${ms(() => graph.bottlenecks()).toFixed(1)} ms; load average ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
}

main();
