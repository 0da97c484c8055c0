/**
 * RCA latency on a large synthetic system: a layered call graph of N services (default 1,000), 30
 * minutes of 1-minute data for 10 metrics per service, one injected root cause with propagation.
 *
 *   npm run bench:rca:latency -- [--services 1000] [--runs 30] [--seed 1] [--warmup 1]
 *   npm run bench:rca:latency -- --multimodal [--services 40] [--runs 10]
 *
 * Prints p50/p95/max wall time of rankRootCauses (parsing excluded; the input is already in memory).
 * `--warmup n` rankings run before the timed ones (default 1): V8 is still compiling the ranker's
 * functions during the next few, so a larger n measures the steady state of a running backend.
 * `--multimodal`: the same system over a 20-minute window with logs (30 lines per service-minute, an
 * error template on the root cause from the fault on) and spans (2 requests per second down one path of
 * the call graph each, the root cause slow), as the live path gathers them.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { rankRootCauses } from '../src/rca/index.js';
import { logsAndSpans, syntheticSystem } from '../src/rca/synthetic.js';
import type { RcaInput } from '../src/rca/types.js';

function percentile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] ?? NaN;
}

async function main() {
  const { values } = parseArgs({
    options: {
      services: { type: 'string' },
      runs: { type: 'string' },
      seed: { type: 'string' },
      warmup: { type: 'string' },
      explain: { type: 'boolean' },
      multimodal: { type: 'boolean' },
    },
  });
  const n = Number(values.services ?? (values.multimodal ? 40 : 1000));
  const runs = Number(values.runs ?? 30);
  const seed = Number(values.seed ?? 1);
  const built = performance.now();
  const sys = syntheticSystem(n, seed);
  console.log(
    `${n} services, ${sys.edges.length} call edges, ${sys.series.length} series × 30 points (built in ${Math.round(performance.now() - built)} ms)`,
  );
  let input: RcaInput = { anomalyTime: sys.t0, series: sys.series, edges: sys.edges };
  if (values.multimodal) {
    const { logs, spans } = logsAndSpans(sys);
    input = { ...input, logs, spans };
    console.log(`with ${logs.length} log lines and ${spans.length} spans over 20 minutes`);
  }
  const warmup = Number(values.warmup ?? 1);
  for (let i = 0; i < warmup; i++) rankRootCauses(input); // warm-up: JIT
  const times: number[] = [];
  const cpu: number[] = [];
  let top = '';
  for (let i = 0; i < runs; i++) {
    const s = performance.now();
    const c = process.cpuUsage();
    top = rankRootCauses(input).ranking[0]?.service ?? '';
    const used = process.cpuUsage(c);
    times.push(performance.now() - s);
    cpu.push((used.user + used.system) / 1000);
  }
  console.log(`rankRootCauses over ${runs} runs after ${warmup} warm-up: p50 ${percentile(times, 0.5).toFixed(1)} ms, p95 ${percentile(times, 0.95).toFixed(1)} ms, max ${Math.max(...times).toFixed(1)} ms (wall)`);
  // CPU time is what the ranking costs on a free core; wall time also counts waiting for one.
  console.log(`CPU time per ranking: p50 ${percentile(cpu, 0.5).toFixed(1)} ms, p95 ${percentile(cpu, 0.95).toFixed(1)} ms`);
  if (values.explain) for (const r of rankRootCauses(input).ranking.slice(0, 3)) console.log(`  ${r.explanation}`);
  console.log(`top candidate ${top} (injected root cause ${sys.root}); load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} on ${os.cpus().length} cores`);
}

await main();
