import { InputError } from '../../platform/errors.js';
import type { PodEffects } from './model.js';
import { mulberry32 } from './random.js';

export const SCENARIOS = [
  'memory-leak',
  'bad-deploy',
  'cpu-saturation',
  'dependency-latency',
  'crash-loop',
  'noisy-neighbour',
  'cascading-failure',
] as const;
export type Scenario = (typeof SCENARIOS)[number];

export function isScenario(s: string): s is Scenario {
  return (SCENARIOS as readonly string[]).includes(s);
}

/** What each scenario is, how it shows and what fixes it (shown by `aegis sim status` and the docs). */
export const SCENARIO_INFO: Record<Scenario, { summary: string; fixedBy: string }> = {
  'memory-leak': {
    summary: 'memory of every pod grows with container age until OOMKilled',
    fixedBy: 'restart clears it for a while (the leak is in the code)',
  },
  'bad-deploy': { summary: 'a new revision whose pods fail a share of requests', fixedBy: 'rollback' },
  'cpu-saturation': { summary: 'an expensive code path drives CPU demand past capacity', fixedBy: 'scale out' },
  'dependency-latency': {
    summary: 'the service becomes slow (its backing store); callers slow down and time out',
    fixedBy: 'nothing in the cluster; it passes when the dependency recovers',
  },
  'crash-loop': { summary: 'a config change in a new revision makes containers crash under traffic', fixedBy: 'rollback' },
  'noisy-neighbour': {
    summary: 'a neighbour on one node steals CPU from the pod scheduled there',
    fixedBy: 'restart (pods are rescheduled away from the node)',
  },
  'cascading-failure': {
    summary: 'the service hangs on exhausted connections; callers time out, so the loudest errors are upstream',
    fixedBy: 'restart of the root-cause service (not of the loud callers)',
  },
};

export interface Fault {
  id: string;
  scenario: Scenario;
  service: string;
  seed: number;
  startedAt: number;
  /** When the fault passes by itself (external causes); absent = until remediated. */
  endsAt?: number;
  resolvedAt?: number;
  params: FaultParams;
}

export type FaultParams = {
  leakBytesPerSec?: number;
  errorRate?: number;
  image?: string;
  env?: { name: string; value: string };
  extraCores?: number;
  latencyAddMs?: number;
  latencyMult?: number;
  crashAfterMs?: number;
  node?: string;
  capacityFactor?: number;
};

/** The parts of a pod a fault looks at. */
export interface PodView {
  service: string;
  image: string;
  env: Record<string, string>;
  node: string;
  containerStartedAt: number;
  memoryBytes: number;
  memoryLimitBytes: number;
}

const MIN = 60_000;

/** Draws a scenario's parameters from its seed; the simulator then applies its side effects (new revision…). */
export function planFault(input: {
  id: string;
  scenario: string;
  service: string;
  seed: number;
  now: number;
  durationMs?: number;
  memory: { baseBytes: number; limitBytes: number };
  capacityCores: number;
  version: string;
  image: string;
}): Fault {
  if (!isScenario(input.scenario)) {
    throw new InputError(`unknown scenario "${input.scenario}"; one of: ${SCENARIOS.join(', ')}`);
  }
  const rnd = mulberry32(input.seed);
  const between = (a: number, b: number) => a + (b - a) * rnd();
  const base = { id: input.id, scenario: input.scenario, service: input.service, seed: input.seed, startedAt: input.now };
  const ends = (defaultMs: number) => input.now + (input.durationMs ?? defaultMs);
  switch (input.scenario) {
    case 'memory-leak': {
      const minutesToOom = between(20, 40);
      const headroom = input.memory.limitBytes - input.memory.baseBytes * 1.1;
      return { ...base, params: { leakBytesPerSec: headroom / (minutesToOom * 60) } };
    }
    case 'bad-deploy': {
      const rc = 1 + Math.floor(rnd() * 9);
      return {
        ...base,
        params: { errorRate: between(0.25, 0.6), image: input.image.replace(/:[^:/]+$/, `:${bumpPatch(input.version)}-rc.${rc}`) },
      };
    }
    case 'cpu-saturation':
      return { ...base, endsAt: ends(60 * MIN), params: { extraCores: between(1.35, 1.65) * input.capacityCores } };
    case 'dependency-latency':
      return { ...base, endsAt: ends(20 * MIN), params: { latencyAddMs: between(250, 700) } };
    case 'crash-loop':
      return {
        ...base,
        params: {
          crashAfterMs: between(5_000, 15_000),
          env: { name: 'FEATURE_FLAGS', value: `cache-v2=on,rollout-${Math.floor(rnd() * 1e6).toString(36)}=true` },
        },
      };
    case 'noisy-neighbour':
      return { ...base, endsAt: ends(60 * MIN), params: { capacityFactor: between(0.08, 0.15), latencyMult: between(2.5, 4) } };
    case 'cascading-failure':
      return { ...base, params: { latencyMult: between(120, 220), errorRate: between(0.03, 0.08) } };
  }
}

function bumpPatch(version: string): string {
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version);
  return m ? `v${m[1]}.${m[2]}.${Number(m[3]) + 1}` : `${version}-next`;
}

/** Whether this fault touches this pod now. */
export function affects(f: Fault, pod: PodView, now: number): boolean {
  if (f.resolvedAt !== undefined || (f.endsAt !== undefined && now >= f.endsAt)) return false;
  if (pod.service !== f.service) return false;
  switch (f.scenario) {
    case 'bad-deploy':
      return pod.image === f.params.image;
    case 'crash-loop':
      return f.params.env !== undefined && pod.env[f.params.env.name] === f.params.env.value;
    case 'noisy-neighbour':
      return pod.node === f.params.node;
    case 'cascading-failure':
      // Connections exhausted before the fault stay stuck; a fresh container starts clean.
      return pod.containerStartedAt <= f.startedAt;
    default:
      return true;
  }
}

/** Folds the faults touching a pod into one set of effects. */
export function podEffects(faults: Fault[], pod: PodView, now: number, readyPods: number): PodEffects & { extraCores: number } {
  const e = { capacityFactor: 1, extraCpuPerRequest: 0, latencyMult: 1, latencyAddMs: 0, errorRate: 0, extraCores: 0 };
  for (const f of faults) {
    if (!affects(f, pod, now)) continue;
    const p = f.params;
    switch (f.scenario) {
      case 'memory-leak':
        // Garbage-collector pressure grows as the heap fills.
        e.latencyMult *= 1 + 2 * (pod.memoryBytes / pod.memoryLimitBytes) ** 6;
        break;
      case 'bad-deploy':
        e.errorRate += p.errorRate ?? 0;
        e.latencyMult *= 1.15;
        break;
      case 'cpu-saturation':
        e.extraCores += (p.extraCores ?? 0) / Math.max(1, readyPods);
        break;
      case 'dependency-latency':
        e.latencyAddMs += p.latencyAddMs ?? 0;
        break;
      case 'noisy-neighbour':
        // CPU steal: less capacity, and every request waits for the CPU.
        e.capacityFactor *= p.capacityFactor ?? 1;
        e.latencyMult *= p.latencyMult ?? 1;
        break;
      case 'cascading-failure':
        e.latencyMult *= p.latencyMult ?? 1;
        e.errorRate += p.errorRate ?? 0;
        break;
      case 'crash-loop':
        break;
    }
  }
  return e;
}

/** Memory leaked by a container of this age (bytes). */
export function leakedBytes(faults: Fault[], pod: PodView, now: number): number {
  let bytes = 0;
  for (const f of faults) {
    if (f.scenario !== 'memory-leak' || !affects(f, pod, now)) continue;
    const since = Math.max(pod.containerStartedAt, f.startedAt);
    bytes += ((f.params.leakBytesPerSec ?? 0) * Math.max(0, now - since)) / 1000;
  }
  return bytes;
}

/** When a crash-looping container dies after starting (ms of running), or undefined when it doesn't. */
export function crashAfter(faults: Fault[], pod: PodView, now: number): number | undefined {
  for (const f of faults) if (f.scenario === 'crash-loop' && affects(f, pod, now)) return f.params.crashAfterMs;
  return undefined;
}
