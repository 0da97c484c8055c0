import type { Clock } from '../../platform/clock.js';
import { createManualClock } from '../../platform/clock.js';
import { ConflictError, InputError, NotFoundError } from '../../platform/errors.js';
import { silentLogger, type Logger } from '../../platform/logger.js';
import type { LogSource, MetricsSource, TraceSource } from '../types.js';
import { createCluster, REVISION, stableStringify, type Cluster, type PodRuntime } from './cluster.js';
import { affects, planFault, podEffects, SCENARIO_INFO, type Fault, type Scenario } from './faults.js';
import { formatLogLine, podLogLines, type SimLogLine } from './logs.js';
import { createSimMetricsSource, createSimLogSource } from './sources.js';
import { createSimTraceSource } from './spans.js';
import { computeFrame, seasonality, type Frame, type MetricValues, type PodInput } from './model.js';
import { createObjectStore, isoSeconds, type KubeObject, type ObjectStore, type ResourceName, type StoreSnapshot } from './objects.js';
import { createSeriesStore, type SeriesStore, type SeriesWriter } from './series.js';
import { boutiqueTopology, downstreamClosure, type CallEdge, type ServiceSpec, type Topology } from './topology.js';

export interface SimulatorOptions {
  clock: Clock;
  logger?: Logger;
  seed?: number;
  topology?: Topology;
  /** Metric resolution and controller period. */
  stepMs?: number;
  /** How long recorded samples are kept (older ones fall back to the generated history). */
  retentionMs?: number;
  /** How far back the generated history reaches. */
  historyMs?: number;
  /** Resume from a snapshot (`aegis sim serve` persists one). */
  state?: SimulatorState;
  /** Most log lines kept per pod. */
  logLinesPerPod?: number;
  /** Container start and readiness delays (tests shorten them). */
  podStartMs?: number;
  podReadyMs?: number;
  /** Requests per second at peak arriving from outside the modelled services (clones of a subset). */
  extraLoadPeak?: Map<string, number>;
}

export interface InjectRequest {
  scenario: string;
  service: string;
  seed?: number;
  /** How long an external cause lasts; defaults per scenario. */
  durationMs?: number;
}

export interface FaultInfo extends Fault {
  active: boolean;
  summary: string;
  fixedBy: string;
}

export interface SimulatorState {
  version: 1;
  seed: number;
  topology: Topology;
  stepMs: number;
  lastTick: number;
  store: StoreSnapshot;
  runtime: ReturnType<Cluster['snapshotRuntime']>;
  faults: Fault[];
  faultCounter: number;
  previousErrors: Array<[string, number]>;
  extraLoadPeak?: Array<[string, number]>;
}

/** Remediations as an operator would do them, through the same objects the API serves. */
export interface SimActions {
  restart(service: string): void;
  /** `toRevision` 0 or absent = the previous revision, as `kubectl rollout undo`. */
  rollback(service: string, toRevision?: number): void;
  scale(service: string, replicas: number): void;
  deletePod(pod: string): void;
}

export interface Simulator {
  readonly seed: number;
  readonly namespace: string;
  readonly topology: Topology;
  readonly stepMs: number;
  readonly clock: Clock;
  readonly store: ObjectStore;
  readonly cluster: Cluster;
  readonly series: SeriesStore;
  /** Samples before this time come from the generated history. */
  readonly recordedFrom: number;
  readonly historyMs: number;
  readonly metrics: MetricsSource;
  readonly logs: LogSource;
  /** Spans generated from the recorded latencies and errors (RCA's trace evidence). */
  readonly traces: TraceSource;
  readonly actions: SimActions;
  /** Runs every tick that is due by the clock; returns how many ran. */
  catchUp(): number;
  /** Moves a manual clock forward tick by tick (tests, benches, what-if clones). */
  advance(ms: number): void;
  /** Ticks in real time until stopped. */
  start(): void;
  stop(): void;
  now(): number;
  inject(req: InjectRequest): FaultInfo;
  faults(): FaultInfo[];
  clearFaults(): void;
  /** Writes an object as the API would: generation on spec change, status kept, controllers run. */
  write(resource: ResourceName, next: KubeObject, opts?: { expectedVersion?: string; dryRun?: boolean }): KubeObject;
  graph(): CallEdge[];
  latestFrame(): Frame | undefined;
  /** The healthy model at time `t` (the generated history). */
  baselineFrame(t: number): Frame;
  podLog(namespace: string, pod: string): SimLogLine[] | undefined;
  formatLog(line: SimLogLine, service: string): string;
  podCounters(): Iterable<PodRuntime>;
  onTick(listener: (t: number, frame: Frame) => void): () => void;
  /** An independent copy on a manual clock, optionally only `services` and what they call. */
  clone(opts?: { services?: string[] }): Simulator;
  snapshot(): SimulatorState;
}

const DEFAULT_STEP_MS = 5_000;
const METRIC_KEYS: Array<keyof MetricValues> = ['request_rate', 'error_rate', 'latency_p50', 'latency_p95', 'latency_p99', 'cpu', 'memory', 'restarts'];
const MAX_CATCH_UP_TICKS = 2_000;

export function createSimulator(opts: SimulatorOptions): Simulator {
  const state = opts.state;
  const clock = opts.clock;
  const logger = opts.logger ?? silentLogger;
  const seed = state?.seed ?? opts.seed ?? 1;
  const topology = state?.topology ?? opts.topology ?? boutiqueTopology();
  const stepMs = state?.stepMs ?? opts.stepMs ?? DEFAULT_STEP_MS;
  const historyMs = opts.historyMs ?? 7 * 86_400_000;
  const retentionMs = opts.retentionMs ?? 6 * 3_600_000;
  const specs = new Map(topology.services.map((s) => [s.name, s]));
  const maxLogLines = opts.logLinesPerPod ?? 1_000;
  const extraLoadPeak = opts.extraLoadPeak ?? new Map(state?.extraLoadPeak ?? []);

  let inTickAt: number | undefined;
  const now = () => inTickAt ?? clock.nowMs();
  const store = createObjectStore({ seed, now: () => new Date(now()), from: state?.store });
  const faults: Fault[] = state?.faults.map((f) => ({ ...f, params: { ...f.params } })) ?? [];
  let faultCounter = state?.faultCounter ?? 0;
  const cluster = createCluster({ store, topology, seed, now, faults: () => faults, podStartMs: opts.podStartMs, podReadyMs: opts.podReadyMs });
  const series = createSeriesStore({ stepMs, retentionMs });
  const podLogs = new Map<string, SimLogLine[]>();
  const listeners = new Set<(t: number, frame: Frame) => void>();
  let previousErrors = new Map(state?.previousErrors ?? []);
  let lastTick = state?.lastTick ?? Math.floor(clock.nowMs() / stepMs);
  let latest: Frame | undefined;
  let timer: NodeJS.Timeout | undefined;
  const recordedFrom = (lastTick + 1) * stepMs;
  if (state) cluster.restoreRuntime(state.runtime);
  else cluster.bootstrap();

  const baselineCache = new Map<number, Frame>();
  /** The healthy shop at `t`, services only; big services are modelled by three weighted pods. */
  function baselineFrame(t: number): Frame {
    const tick = Math.floor(t / stepMs);
    const cached = baselineCache.get(tick);
    if (cached) return cached;
    const pods = new Map<string, PodInput[]>();
    for (const s of topology.services) {
      const k = Math.min(3, s.replicas);
      pods.set(
        s.name,
        Array.from({ length: k }, (_, i) => ({
          name: `${s.name}-history-${i}`,
          noiseId: i * 7919 + s.name.length,
          weight: s.replicas / k,
          ready: true,
          effects: { capacityFactor: 1, extraCpuPerRequest: 0, latencyMult: 1, latencyAddMs: 0, errorRate: 0 },
          memoryBytes: s.memoryBaseMiB * 2 ** 20 * (1 + 0.12 * seasonality(tick * stepMs)),
          restarts: 0,
          cpuLimit: s.cpuLimit,
        })),
      );
    }
    const frame = computeFrame({ topology, seed, t: tick * stepMs, stepMs, pods, extraLoad: extraLoadAt(tick * stepMs) });
    if (baselineCache.size >= 20_000) baselineCache.clear();
    baselineCache.set(tick, frame);
    return frame;
  }

  function extraLoadAt(t: number): Map<string, number> | undefined {
    if (!extraLoadPeak.size) return undefined;
    const s = seasonality(t);
    return new Map([...extraLoadPeak].map(([k, v]) => [k, v * s]));
  }

  function faultStatus() {
    const t = now();
    for (const f of faults) {
      if (f.resolvedAt !== undefined) continue;
      if (f.endsAt !== undefined && t >= f.endsAt) {
        f.resolvedAt = f.endsAt;
        continue;
      }
      if (['bad-deploy', 'crash-loop', 'cascading-failure', 'noisy-neighbour'].includes(f.scenario) && t - f.startedAt > stepMs) {
        const touched = [...cluster.pods.values()].some((p) => affects(f, p, t));
        const inTemplate = f.scenario === 'bad-deploy' || f.scenario === 'crash-loop' ? templateHasMarker(f) : false;
        if (!touched && !inTemplate) f.resolvedAt = t;
      }
    }
  }

  function templateHasMarker(f: Fault): boolean {
    const dep = store.get('deployments', topology.namespace, f.service);
    const text = JSON.stringify((dep?.spec as { template?: unknown } | undefined)?.template ?? {});
    return f.params.image ? text.includes(f.params.image) : f.params.env ? text.includes(f.params.env.value) : false;
  }

  function runTick(tick: number) {
    const t = tick * stepMs;
    inTickAt = t;
    try {
      cluster.step();
      faultStatus();
      const pods = new Map<string, PodInput[]>();
      const readyCount = new Map<string, number>();
      for (const rt of cluster.pods.values()) if (rt.ready) readyCount.set(rt.service, (readyCount.get(rt.service) ?? 0) + 1);
      for (const rt of cluster.pods.values()) {
        if (!specs.has(rt.service)) continue;
        const e = podEffects(faults, rt, t, readyCount.get(rt.service) ?? 1);
        const list = pods.get(rt.service) ?? [];
        list.push({ name: rt.name, noiseId: rt.noiseId, ready: rt.ready, effects: e, extraCores: e.extraCores, memoryBytes: rt.memoryBytes, restarts: rt.restartCount, cpuLimit: rt.cpuLimit });
        pods.set(rt.service, list);
      }
      const frame = computeFrame({ topology, seed, t, stepMs, pods, previousErrors, extraLoad: extraLoadAt(t) });
      previousErrors = new Map([...frame.services].map(([k, v]) => [k, v.error_rate]));
      record(tick, frame);
      latest = frame;
      if (tick % 60 === 0) prune(tick);
      for (const l of listeners) l(t, frame);
    } finally {
      inTickAt = undefined;
    }
  }

  const writers = new Map<string, Array<[keyof MetricValues, SeriesWriter]>>();
  const writersFor = (prefix: string) => {
    let w = writers.get(prefix);
    if (!w) {
      w = METRIC_KEYS.map((metric) => [metric, series.writer(`${prefix}|${metric}`)]);
      writers.set(prefix, w);
    }
    return w;
  };

  function record(tick: number, frame: Frame) {
    const secs = stepMs / 1000;
    for (const [svc, m] of frame.services) for (const [metric, w] of writersFor(`s|${svc}`)) w.record(tick, m[metric]);
    for (const [pod, m] of frame.pods) {
      for (const [metric, w] of writersFor(`p|${m.service}|${pod}`)) w.record(tick, m[metric]);
      const rt = cluster.pods.get(pod);
      const spec = specs.get(m.service);
      if (!rt || !spec) continue;
      const requests = m.request_rate * secs;
      rt.counters.ok += requests * (1 - m.error_rate);
      rt.counters.err += requests * m.error_rate;
      rt.counters.cpuSeconds += m.cpu * secs;
      rt.counters.latencySumSec += (requests * m.latency_p50) / 1000;
      appendLogs(rt, spec, tick, frame.t, m);
    }
  }

  function appendLogs(rt: PodRuntime, spec: ServiceSpec, tick: number, t: number, m: MetricValues) {
    if (rt.state !== 'running') return;
    const cause = faults.find((f) => affects(f, rt, t))?.scenario as Scenario | undefined;
    const failingDependency = topology.edges
      .filter((e) => e.source === rt.service)
      .map((e) => e.target)
      .sort((a, b) => (previousErrors.get(b) ?? 0) - (previousErrors.get(a) ?? 0))[0];
    const lines = podLogLines({
      spec,
      seed,
      noiseId: rt.noiseId,
      tick,
      t,
      stepMs,
      requestRate: m.request_rate,
      errorRate: m.error_rate,
      latencyMs: m.latency_p99,
      memoryPct: (100 * rt.memoryBytes) / rt.memoryLimitBytes,
      cause,
      failingDependency,
    });
    if (!lines.length) return;
    const buf = podLogs.get(rt.name) ?? [];
    buf.push(...lines);
    if (buf.length > maxLogLines) buf.splice(0, buf.length - maxLogLines);
    podLogs.set(rt.name, buf);
  }

  function prune(tick: number) {
    series.prune(tick);
    for (const key of writers.keys()) if (key.startsWith('p|') && !cluster.pods.has(key.slice(key.lastIndexOf('|') + 1))) writers.delete(key);
    const cutoff = tick * stepMs - retentionMs;
    for (const [pod, lines] of podLogs) {
      if (!cluster.pods.has(pod) && (lines[lines.length - 1]?.t ?? 0) < cutoff) podLogs.delete(pod);
    }
  }

  function catchUp(): number {
    const target = Math.floor(clock.nowMs() / stepMs);
    if (target - lastTick > MAX_CATCH_UP_TICKS) {
      logger.warn('simulator fell far behind; skipping ticks', { skipped: target - lastTick - MAX_CATCH_UP_TICKS });
      lastTick = target - MAX_CATCH_UP_TICKS;
    }
    let ran = 0;
    while (lastTick < target) {
      lastTick++;
      runTick(lastTick);
      ran++;
    }
    return ran;
  }

  function deployment(service: string): KubeObject {
    const dep = store.get('deployments', topology.namespace, service);
    if (!dep) throw new NotFoundError(`deployments.apps "${service}" not found`);
    return dep;
  }

  function write(resource: ResourceName, next: KubeObject, o: { expectedVersion?: string; dryRun?: boolean } = {}): KubeObject {
    const current = store.get(resource, next.metadata.namespace, next.metadata.name);
    if (!current) throw new NotFoundError(`${resource} "${next.metadata.name}" not found`);
    if (o.expectedVersion !== undefined && o.expectedVersion !== current.metadata.resourceVersion) {
      throw new ConflictError(`Operation cannot be fulfilled on ${resource} "${next.metadata.name}": the object has been modified; please apply your changes to the latest version and try again`);
    }
    const specChanged = stableStringify(next.spec) !== stableStringify(current.spec);
    const merged: KubeObject = {
      ...next,
      metadata: {
        ...next.metadata,
        uid: current.metadata.uid,
        creationTimestamp: current.metadata.creationTimestamp,
        resourceVersion: current.metadata.resourceVersion,
        ...(current.metadata.generation !== undefined ? { generation: (current.metadata.generation ?? 1) + (specChanged ? 1 : 0) } : {}),
      },
      ...(current.status !== undefined ? { status: current.status } : {}),
    };
    if (o.dryRun) return merged;
    const saved = store.update(resource, merged);
    if (resource === 'deployments' && specChanged) cluster.reconcileDeployment(saved.metadata.namespace ?? topology.namespace, saved.metadata.name);
    return store.get(resource, saved.metadata.namespace, saved.metadata.name) ?? saved;
  }

  const actions: SimActions = {
    restart(service) {
      const dep = deployment(service);
      const spec = dep.spec as { template: { metadata?: { annotations?: Record<string, string> } } };
      const tpl = structuredClone(spec.template);
      tpl.metadata = { ...tpl.metadata, annotations: { ...tpl.metadata?.annotations, 'kubectl.kubernetes.io/restartedAt': new Date(now()).toISOString() } };
      write('deployments', { ...dep, spec: { ...(dep.spec as object), template: tpl } });
    },
    rollback(service, toRevision = 0) {
      const dep = deployment(service);
      const rss = store
        .list('replicasets', topology.namespace)
        .filter((rs) => rs.metadata.ownerReferences?.some((o) => o.uid === dep.metadata.uid))
        .sort((a, b) => Number(b.metadata.annotations?.[REVISION] ?? 0) - Number(a.metadata.annotations?.[REVISION] ?? 0));
      const target = toRevision ? rss.find((rs) => Number(rs.metadata.annotations?.[REVISION]) === toRevision) : rss[1];
      if (!target) throw new NotFoundError(`no rollout history found for ${service}${toRevision ? ` revision ${toRevision}` : ''}`);
      const tpl = structuredClone((target.spec as { template: { metadata?: { labels?: Record<string, string> } } }).template);
      if (tpl.metadata?.labels) delete tpl.metadata.labels['pod-template-hash'];
      write('deployments', { ...dep, spec: { ...(dep.spec as object), template: tpl } });
    },
    scale(service, replicas) {
      if (!Number.isInteger(replicas) || replicas < 0) throw new InputError('replicas must be a non-negative integer');
      const dep = deployment(service);
      write('deployments', { ...dep, spec: { ...(dep.spec as object), replicas } });
    },
    deletePod(pod) {
      if (!cluster.deletePod(topology.namespace, pod)) throw new NotFoundError(`pods "${pod}" not found`);
    },
  };

  function describeFault(f: Fault): FaultInfo {
    const t = now();
    return { ...f, active: f.resolvedAt === undefined && (f.endsAt === undefined || t < f.endsAt), ...SCENARIO_INFO[f.scenario] };
  }

  function inject(req: InjectRequest): FaultInfo {
    const spec = specs.get(req.service);
    if (!spec) throw new InputError(`unknown service "${req.service}"; one of: ${[...specs.keys()].join(', ')}`);
    const dep = deployment(req.service);
    const container = (dep.spec as { template: { spec: { containers: Array<{ image: string; env?: Array<{ name: string; value?: string }> }> } } }).template.spec.containers[0];
    const ready = [...cluster.pods.values()].filter((p) => p.service === req.service && p.ready);
    faultCounter++;
    const f = planFault({
      id: `fault-${faultCounter}`,
      scenario: req.scenario,
      service: req.service,
      seed: req.seed ?? seed + faultCounter,
      now: now(),
      durationMs: req.durationMs,
      memory: { baseBytes: spec.memoryBaseMiB * 2 ** 20, limitBytes: ready[0]?.memoryLimitBytes ?? spec.memoryLimitMiB * 2 ** 20 },
      capacityCores: Math.max(1, ready.length) * (ready[0]?.cpuLimit ?? spec.cpuLimit),
      version: /:([^:/]+)$/.exec(container?.image ?? '')?.[1] ?? spec.version,
      image: container?.image ?? '',
    });
    if (f.scenario === 'noisy-neighbour') f.params.node = ready[Math.floor((f.seed % 997) % Math.max(1, ready.length))]?.node ?? cluster.nodes()[0];
    faults.push(f);
    applyRevision(f, dep, container);
    logger.info('fault injected', { scenario: f.scenario, service: f.service, seed: f.seed, id: f.id });
    return describeFault(f);
  }

  /** bad-deploy and crash-loop arrive as a new revision, the way such incidents do. */
  function applyRevision(f: Fault, dep: KubeObject, container: { image: string; env?: Array<{ name: string; value?: string }> } | undefined) {
    if (!container || (f.scenario !== 'bad-deploy' && f.scenario !== 'crash-loop')) return;
    const spec = structuredClone(dep.spec) as { template: { spec: { containers: Array<{ image: string; env?: Array<{ name: string; value?: string }> }> } } };
    const c = spec.template.spec.containers[0] as (typeof spec.template.spec.containers)[number];
    let cause: string;
    if (f.params.image) {
      c.image = f.params.image;
      cause = `deploy ${f.params.image.split('/').pop()}`;
    } else {
      const env = (c.env ?? []).filter((e) => e.name !== f.params.env?.name);
      if (f.params.env) env.push({ ...f.params.env });
      c.env = env;
      cause = `enable feature flags (${f.params.env?.value})`;
    }
    write('deployments', {
      ...dep,
      metadata: { ...dep.metadata, annotations: { ...dep.metadata.annotations, 'kubernetes.io/change-cause': cause } },
      spec,
    });
  }

  const core: Omit<Simulator, 'metrics' | 'logs' | 'traces'> = {
    seed,
    namespace: topology.namespace,
    topology,
    stepMs,
    clock,
    store,
    cluster,
    series,
    recordedFrom,
    historyMs,
    actions,
    catchUp,
    advance(ms) {
      const manual = clock as Clock & { advance?: (ms: number) => void };
      if (typeof manual.advance !== 'function') throw new InputError('advance() needs a manual clock (createManualClock)');
      const end = clock.nowMs() + ms;
      while (clock.nowMs() < end) {
        manual.advance(Math.min(stepMs, end - clock.nowMs()));
        catchUp();
      }
    },
    start() {
      if (timer) return;
      catchUp();
      // Wake at each tick boundary (not on a coarse interval) so a tick runs as soon as it is due.
      const schedule = () => {
        const next = (Math.floor(clock.nowMs() / stepMs) + 1) * stepMs;
        timer = setTimeout(() => {
          try {
            catchUp();
          } catch (err) {
            logger.error('simulator tick failed', { err });
          }
          if (timer) schedule();
        }, Math.max(1, Math.min(next - clock.nowMs() + 1, 1000)));
        timer.unref?.();
      };
      schedule();
    },
    stop() {
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
    now,
    inject,
    faults: () => faults.map(describeFault),
    clearFaults() {
      for (const f of faults) f.resolvedAt ??= now();
    },
    write,
    graph: () => topology.edges.map((e) => ({ ...e })),
    latestFrame: () => latest,
    baselineFrame,
    podLog: (namespace, pod) => {
      const rt = cluster.pods.get(pod);
      if (rt && rt.namespace !== namespace) return undefined;
      return podLogs.get(pod) ?? (rt ? [] : undefined);
    },
    formatLog(line, service) {
      const spec = specs.get(service);
      return spec ? formatLogLine(spec, line) : `${isoSeconds(new Date(line.t))} ${line.message}`;
    },
    podCounters: () => cluster.pods.values(),
    onTick(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    clone(o = {}) {
      const keep = o.services ? downstreamClosure(topology, o.services) : undefined;
      const snap = core.snapshot();
      const cloneClock = createManualClock(clock.nowMs());
      if (!keep) return createSimulator({ clock: cloneClock, state: snap, retentionMs, historyMs, logger });
      const frame = latest ?? baselineFrame(now());
      const extra = new Map<string, number>();
      const season = Math.max(0.05, seasonality(now()));
      for (const e of topology.edges) {
        if (keep.has(e.source) || !keep.has(e.target)) continue;
        const callerRate = frame.services.get(e.source)?.request_rate ?? 0;
        extra.set(e.target, (extra.get(e.target) ?? 0) + (callerRate * e.callsPerRequest) / season);
      }
      const sub: Topology = {
        ...topology,
        services: topology.services.filter((s) => keep.has(s.name)),
        edges: topology.edges.filter((e) => keep.has(e.source) && keep.has(e.target)),
        peakRps: keep.has(topology.entry) ? topology.peakRps : 0,
      };
      return createSimulator({ clock: cloneClock, state: { ...snap, topology: sub }, retentionMs, historyMs, logger, extraLoadPeak: extra });
    },
    snapshot: () => ({
      version: 1,
      seed,
      topology,
      stepMs,
      lastTick,
      store: structuredClone(store.snapshot()),
      runtime: cluster.snapshotRuntime(),
      faults: faults.map((f) => ({ ...f, params: { ...f.params } })),
      faultCounter,
      previousErrors: [...previousErrors],
      ...(extraLoadPeak.size ? { extraLoadPeak: [...extraLoadPeak] } : {}),
    }),
  };
  const metrics = createSimMetricsSource(core);
  return { ...core, metrics, logs: createSimLogSource(core), traces: createSimTraceSource({ namespace: core.namespace, topology, metrics, seed }) };
}
