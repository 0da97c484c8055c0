/**
 * Seeded RCA incidents on the simulated cluster's model, written as case folders plus a truth file.
 *
 *   npm run bench:rca:sim -- --out <cases-dir> [--seeds 3] [--minutes-before 30] [--minutes-after 8] [--metrics-only]
 *                            [--fault-hour 18] [--logs-before 4]
 *   npm run bench:rca -- <cases-dir> --baseline        # Aegis and NSigma on the same cases
 *
 * Each case also gets the simulator's logs (logs.csv: its log lines, error templates worded after the
 * cause on the faulty service, dependency errors on its callers) and spans (spans.csv: one request
 * every 10 s down the call graph, from the same frame's latencies and errors), unless --metrics-only.
 * `--fault-hour h` puts every fault in hour h (UTC) instead of a random hour (the shop's traffic follows
 * the time of day); `--logs-before m` keeps logs and spans from m minutes before the fault only, as the
 * live path sees them when the backend started shortly before.
 *
 * Every scenario × every service × each seed. The simulator's own model produces the metrics
 * (computeFrame: traffic flows down the call graph, latency and errors flow back up; planFault and
 * podEffects: what each fault does to a pod). Propagation strength is randomised per case: every
 * edge's calls per request is scaled log-uniformly in [1/3, 3], every service's timeout by U(0.25, 1.5), and the
 * fault's own intensity comes from its seed. The generator reports, per scenario, the share of cases
 * whose loudest symptom (the largest rise of a latency or error-rate series, in σ of its baseline)
 * is on another service than the root cause.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { leakedBytes, crashAfter, planFault, podEffects, SCENARIOS, type Fault, type PodView } from '../src/sources/simulator/faults.js';
import { computeFrame, type MetricValues, type PodInput } from '../src/sources/simulator/model.js';
import { hashInts, mulberry32 } from '../src/sources/simulator/random.js';
import { podLogLines } from '../src/sources/simulator/logs.js';
import { calleesOf, requestTrace } from '../src/sources/simulator/spans.js';
import { boutiqueTopology, type Topology } from '../src/sources/simulator/topology.js';
import { csvField } from '../src/rca/csv.js';

const MIN = 60_000;
const MIB = 1024 * 1024;
const METRICS: Array<keyof MetricValues> = [
  'request_rate',
  'error_rate',
  'latency_p50',
  'latency_p95',
  'latency_p99',
  'cpu',
  'memory',
  'restarts',
];

const SYMPTOMS: Array<keyof MetricValues> = ['error_rate', 'latency_p50', 'latency_p95', 'latency_p99'];

interface PodState {
  view: PodView;
  noiseId: number;
  cpuLimit: number;
  baseMemory: number;
  restarts: number;
  /** unix ms until which the container is down (crash back-off) */
  downUntil: number;
}

function randomisedTopology(seed: number): Topology {
  const rnd = mulberry32(hashInts(seed, 77));
  const t = boutiqueTopology('boutique');
  return {
    ...t,
    // Log-uniform in [1/3, 3]: some edges barely carry a fault upstream, others amplify it.
    edges: t.edges.map((e) => ({ ...e, callsPerRequest: e.callsPerRequest * Math.exp((2 * rnd() - 1) * Math.log(3)) })),
    services: t.services.map((s) => ({ ...s, timeoutMs: Math.round(s.timeoutMs * (0.25 + 1.25 * rnd())) })),
  };
}

function pods(topology: Topology, seed: number, start: number): Map<string, PodState[]> {
  const out = new Map<string, PodState[]>();
  let n = 0;
  for (const s of topology.services) {
    out.set(
      s.name,
      Array.from({ length: s.replicas }, (_, i) => ({
        view: {
          service: s.name,
          image: `example/${s.name}:${s.version}`,
          env: {},
          node: `node-${(n + i) % 3}`,
          containerStartedAt: start - 3 * 3_600_000,
          memoryBytes: s.memoryBaseMiB * MIB,
          memoryLimitBytes: s.memoryLimitMiB * MIB,
        },
        noiseId: hashInts(seed, ++n) % 1_000_000,
        cpuLimit: s.cpuLimit,
        baseMemory: s.memoryBaseMiB * MIB,
        restarts: 0,
        downUntil: 0,
      })),
    );
  }
  return out;
}

/** What the simulator does around a fault: roll out the bad revision, pick the node… */
function applySideEffects(fault: Fault, podsOf: PodState[]): void {
  if (fault.params.image) for (const p of podsOf) p.view.image = fault.params.image;
  if (fault.params.env) for (const p of podsOf) p.view.env = { ...p.view.env, [fault.params.env.name]: fault.params.env.value };
  if (fault.scenario === 'noisy-neighbour') fault.params.node = podsOf[0]?.view.node;
}

function simulateCase(scenario: string, service: string, seed: number, before: number, after: number, faultHour?: number) {
  const topology = randomisedTopology(seed);
  const rnd = mulberry32(hashInts(seed, 5));
  // Any hour of a weekday, so seasonality varies between cases; --fault-hour pins the fault's hour (UTC).
  const day = 2 + Math.floor(rnd() * 5);
  const hour = Math.floor(rnd() * 24);
  const minute = Math.floor(rnd() * 60);
  const start = faultHour === undefined ? Date.UTC(2026, 2, day, hour, minute) : Date.UTC(2026, 2, day, faultHour, minute) - before * MIN;
  const t0 = start + before * MIN;
  const state = pods(topology, seed, start);
  const spec = topology.services.find((s) => s.name === service);
  const podsOf = state.get(service) ?? [];
  if (!spec) throw new Error(`unknown service ${service}`);
  const fault = planFault({
    id: `f-${seed}`,
    scenario,
    service,
    seed: hashInts(seed, 99),
    now: t0,
    memory: { baseBytes: spec.memoryBaseMiB * MIB, limitBytes: spec.memoryLimitMiB * MIB },
    capacityCores: spec.cpuLimit * spec.replicas,
    version: spec.version,
    image: `example/${service}:${spec.version}`,
  });
  const rows: Array<{ t: number; values: Map<string, MetricValues> }> = [];
  let previousErrors: Map<string, number> | undefined;
  for (let t = start; t < t0 + after * MIN; t += MIN) {
    if (t === t0) applySideEffects(fault, podsOf);
    const faults = t >= t0 ? [fault] : [];
    const input = new Map<string, PodInput[]>();
    for (const [svc, list] of state) {
      const ready = list.filter((p) => p.downUntil <= t).length;
      input.set(
        svc,
        list.map((p) => {
          const leak = leakedBytes(faults, p.view, t);
          p.view.memoryBytes = p.baseMemory + leak;
          if (p.view.memoryBytes >= p.view.memoryLimitBytes) {
            // OOMKilled: the container restarts with a clean heap.
            p.restarts++;
            p.view.containerStartedAt = t;
            p.view.memoryBytes = p.baseMemory;
            p.downUntil = t + MIN;
          }
          const crash = crashAfter(faults, p.view, t);
          if (crash !== undefined && p.downUntil <= t) {
            // Crash loop: dies shortly after each start, back-off doubles up to 5 minutes.
            p.restarts++;
            p.downUntil = t + Math.min(5, 2 ** Math.min(p.restarts, 3)) * MIN * 0.5 + crash;
          }
          const e = podEffects(faults, p.view, t, Math.max(1, ready));
          return {
            name: `${svc}-${p.noiseId}`,
            noiseId: p.noiseId,
            ready: p.downUntil <= t,
            effects: e,
            memoryBytes: p.view.memoryBytes,
            restarts: p.restarts,
            extraCores: e.extraCores,
            cpuLimit: p.cpuLimit,
          };
        }),
      );
    }
    const frame = computeFrame({ topology, seed, t, stepMs: MIN, pods: input, previousErrors });
    previousErrors = new Map([...frame.services].map(([k, v]) => [k, v.error_rate]));
    rows.push({ t, values: frame.services });
  }
  return { topology, rows, t0 };
}

function toCsv(rows: Array<{ t: number; values: Map<string, MetricValues> }>, services: string[]): string {
  const columns = services.flatMap((s) => METRICS.map((m) => [s, m] as const));
  const lines = [['time', ...columns.map(([s, m]) => `${s}_${m}`)].join(',')];
  for (const r of rows) {
    lines.push([String(r.t / 1000), ...columns.map(([s, m]) => String(r.values.get(s)?.[m] ?? ''))].join(','));
  }
  return lines.join('\n') + '\n';
}

/** logs.csv: what each service logs per minute (podLogLines), the faulty one worded after its cause from t0. */
function logsCsv(topology: Topology, rows: Array<{ t: number; values: Map<string, MetricValues> }>, seed: number, fault: { scenario: string; service: string; t0: number }): string {
  const lines = ['time,service,pod,message'];
  rows.forEach((r, tick) => {
    for (const spec of topology.services) {
      const m = r.values.get(spec.name);
      if (!m) continue;
      const cause = r.t >= fault.t0 && spec.name === fault.service ? (fault.scenario as Parameters<typeof podLogLines>[0]['cause']) : undefined;
      const failing = topology.edges.filter((e) => e.source === spec.name).map((e) => e.target)[0];
      for (const l of podLogLines({ spec, seed, noiseId: hashInts(seed, spec.name.length, spec.port), tick, t: r.t, stepMs: MIN, requestRate: m.request_rate, errorRate: m.error_rate, latencyMs: m.latency_p99, memoryPct: 50, cause, failingDependency: failing })) {
        lines.push([(l.t / 1000).toFixed(3), spec.name, `${spec.name}-0`, csvField(l.message)].join(','));
      }
    }
  });
  return lines.join('\n') + '\n';
}

/** spans.csv: one request every 10 s down the call graph, from that minute's latencies and error rates. */
function spansCsv(topology: Topology, rows: Array<{ t: number; values: Map<string, MetricValues> }>, seed: number): string {
  const lines = ['trace_id,span_id,parent_id,service,pod,operation,start_ns,end_ns,status'];
  const callees = calleesOf(topology.edges);
  const ns = (ms: number) => (BigInt(Math.round(ms * 1000)) * 1000n).toString();
  for (const r of rows)
    for (let k = 0; k < 6; k++)
      for (const sp of requestTrace({ t: r.t + k * 10_000, seed, entry: topology.entry, callees, latencyMs: (s) => r.values.get(s)?.latency_p50 ?? NaN, errorRate: (s) => r.values.get(s)?.error_rate ?? 0 })) {
        lines.push([sp.traceId, sp.spanId, sp.parentId, sp.service, `${sp.service}-0`, csvField(sp.operation), ns(sp.start), ns(sp.end), sp.error ? 'error' : 'ok'].join(','));
      }
  return lines.join('\n') + '\n';
}

/**
 * The loudest symptom: the service whose latency or error rate rose the most, in σ of its own
 * 10-minute baseline. Symptoms in the SRE sense (what users and SLO alerts see); CPU, memory and
 * restarts are causes, and traffic moves with load both ways.
 */
function loudestService(rows: Array<{ t: number; values: Map<string, MetricValues> }>, t0: number, services: string[]): string {
  let best = { service: '', z: -Infinity };
  for (const s of services)
    for (const m of SYMPTOMS) {
      const base = rows.filter((r) => r.t < t0 && r.t >= t0 - 10 * MIN).map((r) => r.values.get(s)?.[m] ?? 0);
      const abn = rows.filter((r) => r.t >= t0 && r.t < t0 + 5 * MIN).map((r) => r.values.get(s)?.[m] ?? 0);
      const mean = base.reduce((a, b) => a + b, 0) / base.length;
      const sd = Math.sqrt(base.reduce((a, b) => a + (b - mean) ** 2, 0) / base.length) || 1e-9;
      const z = Math.max(...abn.map((x) => (x - mean) / sd));
      if (z > best.z) best = { service: s, z };
    }
  return best.service;
}

async function main() {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      seeds: { type: 'string' },
      'minutes-before': { type: 'string' },
      'minutes-after': { type: 'string' },
      'metrics-only': { type: 'boolean' },
      'fault-hour': { type: 'string' },
      'logs-before': { type: 'string' },
    },
  });
  if (!values.out) {
    console.error('usage: npm run bench:rca:sim -- --out <cases-dir> [--seeds 3] [--minutes-before 30] [--minutes-after 8] [--metrics-only] [--fault-hour h] [--logs-before m]');
    process.exit(2);
  }
  const seeds = Number(values.seeds ?? 3);
  const before = Number(values['minutes-before'] ?? 30);
  const after = Number(values['minutes-after'] ?? 8);
  const faultHour = values['fault-hour'] === undefined ? undefined : Number(values['fault-hour']);
  const logsBefore = values['logs-before'] === undefined ? before : Number(values['logs-before']);
  const services = boutiqueTopology().services.map((s) => s.name).sort();
  const truth: Record<string, { service: string; fault: string; seed: number; loudest: string }> = {};
  const started = performance.now();
  let quietRoot = 0;
  const perScenario = new Map<string, number>();
  for (const scenario of SCENARIOS)
    for (const service of services)
      for (let s = 1; s <= seeds; s++) {
        const seed = hashInts(s, services.indexOf(service), SCENARIOS.indexOf(scenario));
        const { topology, rows, t0 } = simulateCase(scenario, service, seed, before, after, faultHour);
        // Logs and spans only since the backend started (the live path has no older ones), metrics from Prometheus' history.
        const recent = rows.filter((r) => r.t >= t0 - logsBefore * MIN);
        const id = `${scenario}_${service}_${s}`;
        const dir = path.join(values.out, id);
        await mkdir(dir, { recursive: true });
        await writeFile(path.join(dir, 'metrics.csv'), toCsv(rows, services));
        await writeFile(
          path.join(dir, 'graph.csv'),
          ['source,target', ...topology.edges.map((e) => `${e.source},${e.target}`)].join('\n') + '\n',
        );
        await writeFile(path.join(dir, 'case.json'), JSON.stringify({ anomaly_time: t0 / 1000 }) + '\n');
        if (!values['metrics-only']) {
          await writeFile(path.join(dir, 'logs.csv'), logsCsv(topology, recent, seed, { scenario, service, t0 }));
          await writeFile(path.join(dir, 'spans.csv'), spansCsv(topology, recent, seed));
        }
        const loudest = loudestService(rows, t0, services);
        if (loudest !== service) {
          quietRoot++;
          perScenario.set(scenario, (perScenario.get(scenario) ?? 0) + 1);
        }
        truth[id] = { service, fault: scenario, seed, loudest };
      }
  await writeFile(path.join(values.out, 'truth.json'), JSON.stringify(truth, null, 1) + '\n');
  const n = Object.keys(truth).length;
  console.log(`wrote ${n} cases (${SCENARIOS.length} scenarios × ${services.length} services × ${seeds} seeds) to ${values.out} in ${Math.round(performance.now() - started)} ms`);
  console.log(`loudest symptom is not the root cause in ${quietRoot}/${n} cases (${((100 * quietRoot) / n).toFixed(1)}%)`);
  console.log(`  per scenario: ${SCENARIOS.map((sc) => `${sc} ${perScenario.get(sc) ?? 0}/${services.length * seeds}`).join(', ')}`);
}

await main();
