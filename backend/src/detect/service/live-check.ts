import { createInProcessBus } from '../../events/bus.js';
import { staticServiceGraph } from '../../graph/port.js';
import { createManualClock } from '../../platform/clock.js';
import { silentLogger } from '../../platform/logger.js';
import { createSimulator, type Simulator } from '../../sources/simulator/index.js';
import { builtinLookup } from '../builtins.js';
import type { PipelineConfigInput } from '../pipeline/index.js';
import type { DetectStore } from '../store.js';
import { ANOMALY_ALARM_THRESHOLD } from '../threshold.js';
import { createDetectionService } from './index.js';

const MIN = 60_000;

export interface LiveCheckOptions {
  store: DetectStore;
  /** Fault-free minutes to watch (live ticks after the history warm-up). */
  quietMinutes: number;
  scenarios: Array<{ scenario: string; service: string }>;
  /** Minutes a scenario has to push its service over the threshold. */
  withinMinutes?: number;
  /** Fault-free minutes between scenarios (faults are cleared first). */
  settleMinutes?: number;
  seed?: number;
  /** Loaded machine: the detection tick runs up to this many seconds late, while the simulator lags behind. */
  lateSeconds?: number;
  onProgress?: (line: string) => void;
  /** The pipeline the service runs (default: DEFAULT_PIPELINE). */
  pipeline?: PipelineConfigInput;
}

export interface LiveCheckResult {
  quiet: {
    minutes: number;
    opened: number;
    maxScore: number;
    maxAt: string;
    above05: number;
    /** Points at or over the alarm threshold (one alone opens nothing: an alarm needs several). */
    overThreshold: number;
    /**
     * Times the provisioned Grafana rule would have fired: a service's maximum score over the threshold at
     * three one-minute evaluations in a row (`for: 2m`).
     */
    ruleFirings: number;
    points: number;
  };
  /** What opened during the fault-free stretch (should be nothing). */
  falseAlarms: string[];
  scenarios: Array<{
    scenario: string;
    service: string;
    maxScore: number;
    minutesToThreshold: number | null;
    /** Minutes until the service had an anomaly opened (null: none within the time given). */
    minutesToAnomaly: number | null;
    opened: number;
  }>;
}

/**
 * Runs the detection service against the simulated cluster on a manual clock, the way `npm start` wires it:
 * a fault-free stretch (where nothing may open), then each scenario in turn (where the injected service's
 * score must reach the alarm threshold). Late ticks are modelled as they happen on a loaded machine: the
 * detection tick fires late and sometimes before the simulator has caught up with the clock.
 */
export async function runLiveCheck(o: LiveCheckOptions): Promise<LiveCheckResult> {
  const start = Date.UTC(2026, 0, 5, 9);
  const clock = createManualClock(start);
  const sim: Simulator = createSimulator({ clock, seed: o.seed ?? 1, historyMs: 3 * 86_400_000 });
  const bus = createInProcessBus({ logger: silentLogger, now: () => clock.now() });
  const latest = new Map<string, number>();
  const openedServices = new Set<string>();
  bus.subscribe('anomalies', (e) => {
    if (e.type === 'anomaly.opened') openedServices.add((e.data as { service: string }).service);
  });
  const service = createDetectionService({
    source: sim.metrics,
    store: o.store,
    bus,
    clock,
    logger: silentLogger,
    graph: staticServiceGraph(sim.graph()),
    lookup: builtinLookup,
    pipeline: o.pipeline,
    // The service's defaults (two days of history warm the baselines), as `npm start` runs it.
    storeHistoryMs: 60 * MIN,
    onScore: (k, s) => latest.set(`${k.service}/${String(k.metric)}`, s),
  });
  const late = o.lateSeconds ?? 0;
  let rnd = o.seed ?? 1;
  const random = () => {
    rnd = (rnd * 1103515245 + 12345) % 2147483648;
    return rnd / 2147483648;
  };
  /**
   * One minute of simulated time. On a loaded machine the detection tick fires up to `late` seconds after the
   * minute, and the simulator's own ticks lag up to as much behind the clock (they run when they can, and
   * then compute exactly the values they would have on time).
   */
  let due = clock.nowMs();
  const minute = async () => {
    due += MIN;
    const lateMs = Math.floor(random() * late * 1000);
    const lagMs = Math.floor(random() * lateMs);
    sim.advance(Math.max(0, due + lateMs - lagMs - clock.nowMs()));
    clock.advance(lagMs); // the clock moves on; the simulator has not run these seconds yet
    return service.tick();
  };
  await service.tick(); // history warm-up
  const quiet = { minutes: o.quietMinutes, opened: 0, maxScore: 0, maxAt: '', above05: 0, overThreshold: 0, ruleFirings: 0, points: 0 };
  const pending = new Map<string, number>();
  for (let m = 0; m < o.quietMinutes; m++) {
    const r = await minute();
    quiet.opened += r.opened;
    const serviceMax = new Map<string, number>();
    for (const [k, s] of latest) {
      const svc = k.slice(0, k.indexOf('/'));
      serviceMax.set(svc, Math.max(s, serviceMax.get(svc) ?? 0));
    }
    for (const [svc, s] of serviceMax) {
      const run = s > ANOMALY_ALARM_THRESHOLD ? (pending.get(svc) ?? 0) + 1 : 0;
      pending.set(svc, run);
      if (run === 3) quiet.ruleFirings++;
    }
    for (const [k, s] of latest) {
      quiet.points++;
      if (s > 0.5) quiet.above05++;
      if (s >= ANOMALY_ALARM_THRESHOLD) quiet.overThreshold++;
      if (s > quiet.maxScore) {
        quiet.maxScore = s;
        quiet.maxAt = `${k} at minute ${m + 1}`;
      }
    }
    latest.clear();
    if ((m + 1) % 15 === 0) o.onProgress?.(`quiet minute ${m + 1}: opened ${quiet.opened}, max score ${quiet.maxScore.toFixed(3)}`);
  }
  const falseAlarms = (await o.store.listAnomalies({ limit: 100 })).items.map(
    (a) => `${a.start} ${a.service}/${a.metric} ${a.score.toFixed(3)} (${a.detectors.join(', ')})`,
  );
  const scenarios: LiveCheckResult['scenarios'] = [];
  for (const sc of o.scenarios) {
    sim.inject({ scenario: sc.scenario, service: sc.service, seed: 7 });
    let maxScore = 0;
    let minutesToThreshold: number | null = null;
    let minutesToAnomaly: number | null = null;
    let opened = 0;
    openedServices.clear();
    for (let m = 1; m <= (o.withinMinutes ?? 5); m++) {
      opened += (await minute()).opened;
      await bus.drain();
      for (const [k, s] of latest) if (k.startsWith(`${sc.service}/`) && s > maxScore) maxScore = s;
      latest.clear();
      if (minutesToThreshold === null && maxScore >= ANOMALY_ALARM_THRESHOLD) minutesToThreshold = m;
      if (minutesToAnomaly === null && openedServices.has(sc.service)) minutesToAnomaly = m;
    }
    scenarios.push({ ...sc, maxScore, minutesToThreshold, minutesToAnomaly, opened });
    o.onProgress?.(
      `${sc.scenario} on ${sc.service}: max score ${maxScore.toFixed(3)}, over the threshold after ${minutesToThreshold ?? '—'} min, anomaly opened after ${minutesToAnomaly ?? '—'} min`,
    );
    sim.clearFaults();
    for (let m = 0; m < (o.settleMinutes ?? 30); m++) await minute();
  }
  await service.stop();
  return { quiet, falseAlarms, scenarios };
}
