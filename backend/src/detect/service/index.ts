import { randomUUID } from 'node:crypto';
import type { EventBus } from '../../events/bus.js';
import type { ServiceGraphPort } from '../../graph/port.js';
import type { Clock } from '../../platform/clock.js';
import { errorMessage } from '../../platform/errors.js';
import type { Logger } from '../../platform/logger.js';
import type { MetricsSource, SeriesKey } from '../../sources/types.js';
import { correlatedGroup, type EventRef, extendEvent, type OpenEvent } from '../correlation/index.js';
import {
  createSeriesScorer,
  DEFAULT_PIPELINE,
  type DetectorLookup,
  type PipelineConfigInput,
  type ExternalScores,
  type ScoredPoints,
  type ScorerState,
  type SeriesScorer,
} from '../pipeline/index.js';
import type { Anomaly, DetectStore, ScoreRow } from '../store.js';
import type { SeriesPoints } from '../types.js';
import { createLstmGroups, type LstmGroupOptions } from './lstm-groups.js';
import { backToNormal, holds, levelBefore, LEVEL_POINTS, type Level, widen } from './level.js';

export interface DetectionServiceOptions {
  source: MetricsSource;
  store: DetectStore;
  bus: EventBus;
  clock: Clock;
  logger: Logger;
  graph: ServiceGraphPort;
  lookup: DetectorLookup;
  pipeline?: PipelineConfigInput;
  /** Sensitivity in (0,1) per series group (the metric name); the pipeline's default elsewhere. */
  sensitivity?: Record<string, number>;
  stepMs?: number;
  /** History scored on first sight of a series, so baselines exist before the first live point. */
  historyMs?: number;
  /** Of that history, how much score history is stored for the datasource. */
  storeHistoryMs?: number;
  /** Quiet time after which an anomaly event closes, and the reach of temporal correlation. */
  gapMs?: number;
  /**
   * Points in a row back at the series' level before the event after which the event closes, whatever the
   * score does (detectors that adapted to a fault can keep scoring its end): a new rise is a new event.
   */
  recoveredPoints?: number;
  /** How often a series' scorer state is written to the models table (also on stop). */
  persistEveryMs?: number;
  /** The LSTM member: one model per metric group, trained in a worker (absent: no LSTM). */
  lstm?: Omit<LstmGroupOptions, 'store' | 'logger'>;
  /** Latest score per series, for the `aegis_anomaly_score` gauges. */
  onScore?: (key: SeriesKey, score: number) => void;
  /** With several replicas: whether this one scores the series (a stable hash of its id). Default: all. */
  owns?: (seriesId: string) => boolean;
}

export interface TickReport {
  series: number;
  points: number;
  skipped: number;
  opened: number;
  errors: string[];
}

export interface DetectionService {
  tick(): Promise<TickReport>;
  /** Runs `tick` every `intervalMs` (the first after `initialDelayMs`) until stopped; one tick at a time. */
  start(intervalMs: number, initialDelayMs?: number): void;
  stop(): Promise<void>;
  /** Downsampling and retention of score history. */
  compact(): Promise<{ rolledUp: number; deleted: number }>;
}

interface SeriesRuntime {
  key: SeriesKey;
  id: string;
  scorer: SeriesScorer;
  lastAt: number;
  persistedAt: number;
  /** Scored since its state was last written. */
  dirty: boolean;
  /** Latest values, for training the group's LSTM. */
  recent: number[];
  /** The LSTM group: one model per metric. */
  group: string;
  open?: OpenEvent & { anomaly?: Anomaly; dirty: boolean; level: Level };
  /** Recent points at or over the threshold ([time, score, value]): an alarm needs several; the event starts at the first. */
  hot: Array<[number, number, number]>;
  /** The last values ([time, value]): the level an event is judged back to. */
  values: Array<[number, number]>;
  /**
   * The scorer as it was at a quiet moment (no event open, no point over the threshold) and the live points
   * scored since: when an event recovers, the scorer is rebuilt from here with the event's span left out.
   */
  checkpoint?: { state: ScorerState; since: Replayed[] };
  /** Start of the first event since the checkpoint: the anomalous span the scorer must not learn as normal. */
  anomalousSince?: number;
  /** An event closed by quiet while its series was still away from its old level: followed back to it. */
  away?: Level;
}

/** A live point scored since the checkpoint, with the group-level scores handed in for it. */
interface Replayed {
  at: number;
  value: number;
  external?: Record<string, number>;
}

const SCORER_KIND = 'scorer';
/** Values kept per series for (re)training its group's LSTM: two days of minutes. */
const LSTM_HISTORY = 2880;
/** Live points after which a quiet series' checkpoint is taken again. */
const CHECKPOINT_POINTS = 15;
/** Live points kept for a replay; an event longer than this is learned as the series' new normal. */
const REPLAY_POINTS = 720;

interface Fetched {
  key: SeriesKey;
  rt: SeriesRuntime;
  timestamps: Float64Array;
  values: Float64Array;
}

/** Points scored between yields to the event loop: a long history never stalls the API. */
const YIELD_EVERY = 500;

async function scoreYielding(
  scorer: SeriesScorer,
  points: SeriesPoints,
  history: boolean,
  external?: ExternalScores,
): Promise<ScoredPoints> {
  const n = points.values.length;
  const parts: ScoredPoints[] = [];
  for (let start = 0; start < n; start += YIELD_EVERY) {
    const end = Math.min(n, start + YIELD_EVERY);
    const part = { timestamps: points.timestamps.subarray(start, end), values: points.values.subarray(start, end) };
    // History only warms up: its last chunk resets the alarm state (train), so it never suppresses live alarms.
    const ext = external
      ? Object.fromEntries(Object.entries(external).map(([k, v]) => [k, v.subarray(start, end)]))
      : undefined;
    parts.push(history && end === n ? scorer.train(part, ext) : scorer.score(part, ext));
    if (end < n) await new Promise((resolve) => setImmediate(resolve));
  }
  const members = scorer.config.members.map((_m, j) => concat(parts.map((p) => p.members[j] ?? new Float64Array(0))));
  return {
    scores: concat(parts.map((p) => p.scores)),
    alarms: Uint8Array.from(parts.flatMap((p) => Array.from(p.alarms))),
    alarmScores: concat(parts.map((p) => p.alarmScores)),
    members,
    skipped: parts.reduce((a, p) => a + p.skipped, 0),
  };
}

function concat(arrays: Float64Array[]): Float64Array {
  const out = new Float64Array(arrays.reduce((a, x) => a + x.length, 0));
  let at = 0;
  for (const a of arrays) {
    out.set(a, at);
    at += a.length;
  }
  return out;
}

export const seriesId = (k: SeriesKey): string => `${k.namespace}/${k.service}/${k.metric}${k.pod ? `/${k.pod}` : ''}`;

export function createDetectionService(o: DetectionServiceOptions): DetectionService {
  const step = o.stepMs ?? 60_000;
  const historyMs = o.historyMs ?? 2 * 86_400_000;
  const storeHistoryMs = o.storeHistoryMs ?? 6 * 3_600_000;
  const gapMs = o.gapMs ?? 10 * step;
  const recoveredPoints = o.recoveredPoints ?? 5;
  const persistEveryMs = o.persistEveryMs ?? 15 * 60_000;
  const lstm = o.lstm
    ? createLstmGroups({ ...o.lstm, store: o.store, logger: o.logger.child({ component: 'detect' }) })
    : undefined;
  const logger = o.logger.child({ component: 'detect' });
  const runtimes = new Map<string, SeriesRuntime>();
  const recent: EventRef[] = [];
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = false;
  class Stopped extends Error {}

  const pipelineFor = (key: SeriesKey): PipelineConfigInput => {
    const sensitivity = o.sensitivity?.[String(key.metric)];
    const configured = o.pipeline ?? DEFAULT_PIPELINE;
    const members = configured.members ?? [];
    // With the LSTM on, its group-level forecast error joins every series' vote.
    const base =
      lstm && !members.some((m) => m.detector === 'lstm')
        ? { ...configured, members: [...members, { detector: 'lstm', params: {} }] }
        : configured;
    return sensitivity === undefined ? base : { ...base, sensitivity };
  };

  const runtimeFor = async (key: SeriesKey, now: number): Promise<{ rt: SeriesRuntime; from: number }> => {
    const id = seriesId(key);
    const known = runtimes.get(id);
    // Sources answer on the grid from, from + step, … (Prometheus query_range, the simulator): the next
    // point is one step on. `lastAt + 1` re-read the last point (a copy of it, 1 ms later) on every tick.
    if (known) return { rt: known, from: known.lastAt + step };
    const stored = await o.store.loadModel(SCORER_KIND, id);
    if (stored) {
      const state = stored.state as ScorerState & { lastAt: number };
      const rt: SeriesRuntime = {
        key,
        id,
        scorer: createSeriesScorer(undefined, o.lookup, state),
        lastAt: state.lastAt,
        persistedAt: now,
        dirty: false,
        recent: [],
        group: String(key.metric),
        hot: [],
        values: [],
      };
      runtimes.set(id, rt);
      return { rt, from: rt.lastAt + step };
    }
    const rt: SeriesRuntime = {
      key,
      id,
      scorer: createSeriesScorer(pipelineFor(key), o.lookup),
      lastAt: now - historyMs,
      persistedAt: -Infinity,
      dirty: false,
      recent: [],
      group: String(key.metric),
      hot: [],
      values: [],
    };
    runtimes.set(id, rt);
    return { rt, from: now - historyMs };
  };

  const memberNames = (scorer: SeriesScorer) =>
    scorer.config.members.map((m) => (m.input === 'diff' ? `${m.detector}:diff` : m.detector));

  const openEvent = async (
    rt: SeriesRuntime,
    { start, end: at, peakAt, score }: { start: number; end: number; peakAt: number; score: number },
    detectors: string[],
    level: Level,
  ) => {
    const group = correlatedGroup({ service: rt.key.service, start }, recent, o.graph, gapMs) ?? randomUUID();
    const anomaly = await o.store.insertAnomaly({
      series: rt.id,
      namespace: rt.key.namespace,
      service: rt.key.service,
      metric: String(rt.key.metric),
      start: new Date(start).toISOString(),
      end: new Date(at).toISOString(),
      peak: new Date(peakAt).toISOString(),
      score,
      detectors,
      group_id: group,
      open: true,
    });
    rt.open = { start, end: at, peak: peakAt, score, detectors: new Set(detectors), anomaly, dirty: false, level };
    rt.anomalousSince ??= start;
    rt.away = undefined;
    recent.push({ service: rt.key.service, start, end: at, group_id: group });
    o.bus.publish('anomalies', 'anomaly.opened', anomaly);
  };

  const flushEvent = async (rt: SeriesRuntime, close: boolean) => {
    const ev = rt.open;
    if (!ev?.anomaly || (!ev.dirty && !close)) return;
    const updated = await o.store.updateAnomaly(ev.anomaly.id, {
      end: new Date(ev.end).toISOString(),
      peak: new Date(ev.peak).toISOString(),
      score: ev.score,
      detectors: [...ev.detectors],
      open: !close,
    });
    const ref = recent.find(
      (r) => r.group_id === updated.group_id && r.service === updated.service && r.start === ev.start,
    );
    if (ref) ref.end = ev.end;
    o.bus.publish('anomalies', close ? 'anomaly.closed' : 'anomaly.updated', updated);
    ev.anomaly = updated;
    ev.dirty = false;
    if (close) rt.open = undefined;
  };

  /** New points of one series since it was last scored (or its history on first sight). */
  const fetchSeries = async (key: SeriesKey, now: number, report: TickReport): Promise<Fetched | undefined> => {
    const { rt, from } = await runtimeFor(key, now);
    if (from > now) return undefined;
    const res = await o.source.queryRange({
      namespace: key.namespace,
      service: key.service,
      metric: String(key.metric),
      perPod: Boolean(key.pod),
      from,
      to: now,
      stepMs: step,
    });
    report.errors.push(...res.errors.map((e) => `${e.source}: ${e.message}`));
    const series = res.results.find((s) => seriesId(s.key) === rt.id) ?? res.results[0];
    const points = (series?.points ?? []).filter(([t]) => t > rt.lastAt);
    if (points.length === 0) return undefined;
    const values = Float64Array.from(points, (p) => p[1]);
    rt.recent.push(...values);
    if (rt.recent.length > LSTM_HISTORY) rt.recent.splice(0, rt.recent.length - LSTM_HISTORY);
    return { key, rt, timestamps: Float64Array.from(points, (p) => p[0]), values };
  };

  const scoreSeries = async (
    f: Fetched,
    now: number,
    report: TickReport,
    scores: ScoreRow[],
    external?: ExternalScores,
  ) => {
    const { key, rt, timestamps, values } = f;
    const points = timestamps;
    const live = rt.lastAt >= now - historyMs + step; // only live points open events; history just warms up
    const scored = await scoreYielding(rt.scorer, { timestamps, values }, !live, external);
    const names = memberNames(rt.scorer);
    const voteLevel = rt.scorer.config.ensemble.voteLevel;
    const { window, minPoints } = rt.scorer.config.postRules;
    if (live && rt.checkpoint) {
      for (let i = 0; i < points.length; i++) {
        const ext = external && Object.fromEntries(Object.entries(external).map(([k, v]) => [k, v[i] ?? NaN]));
        rt.checkpoint.since.push({ at: timestamps[i] ?? 0, value: values[i] ?? NaN, external: ext });
      }
    }
    /** Set when an event recovered: the span (from, to) the scorer is rebuilt without. */
    let recovered: { from: number; to: number } | undefined;
    for (let i = 0; i < points.length; i++) {
      const at = timestamps[i] ?? 0;
      const s = scored.scores[i] ?? NaN;
      if (Number.isNaN(s)) continue;
      const v = values[i] ?? NaN;
      if (at >= now - storeHistoryMs)
        scores.push({ series: rt.id, service: key.service, metric: String(key.metric), at, score: s });
      if (!live) {
        if (i >= points.length - LEVEL_POINTS) remember(rt, at, v);
        continue;
      }
      const hot = s >= rt.scorer.threshold;
      const reach = at - window * step;
      if (hot) rt.hot.push([at, s, v]);
      while ((rt.hot[0]?.[0] ?? Infinity) <= reach) rt.hot.shift();
      if (!rt.open && rt.away) {
        // Closed by quiet (the detectors adapted), followed until back at the old level: then it was an anomaly.
        rt.away = widen(rt.away, v);
        rt.away.normalRun = !hot && backToNormal(rt.away, v) ? rt.away.normalRun + 1 : 0;
        if (rt.away.normalRun >= recoveredPoints) {
          recovered = { from: rt.anomalousSince ?? at, to: at - (rt.away.normalRun - 1) * step };
          rt.away = undefined;
        }
      }
      if (rt.open) {
        rt.open.level = widen(rt.open.level, v);
        // Back at the level it had before the event for a while: over, so the next rise is a new event.
        rt.open.level.normalRun = !hot && backToNormal(rt.open.level, v) ? rt.open.level.normalRun + 1 : 0;
        if (rt.open.level.normalRun >= recoveredPoints) {
          // The points before the run back at the level were the anomaly; the run itself is normal again.
          recovered = { from: rt.anomalousSince ?? rt.open.start, to: at - (rt.open.level.normalRun - 1) * step };
          await flushEvent(rt, true);
        }
      }
      const detectors = names.filter((_n, j) => (scored.members[j]?.[i] ?? 0) >= voteLevel);
      if (hot && rt.open && extendEvent(rt.open, at, s, detectors, gapMs) === 'extended') rt.open.dirty = true;
      else if ((hot || !rt.open) && onset(rt, hot, v, minPoints)) {
        // The alarm rule, held back only by an open event: the post-rules' fixed quiet after an alarm kept a
        // new fault on a recovered series silent for an hour.
        if (rt.open) await flushEvent(rt, true);
        const [peakAt, peak] = rt.hot.reduce((a, b) => (b[1] > a[1] ? b : a), [at, s, v]);
        const start = Math.min(at, ...rt.hot.map((h) => h[0]));
        await openEvent(rt, { start, end: at, peakAt, score: peak }, detectors, widen(levelBefore(rt.values, start), v));
        report.opened++;
      }
      remember(rt, at, v);
    }
    rt.lastAt = timestamps[timestamps.length - 1] ?? rt.lastAt;
    if (rt.open && rt.lastAt - rt.open.end > gapMs) {
      // Quiet for a while: the event is over, but the scorer forgets its span only once the series is back.
      const level = rt.open.level;
      await flushEvent(rt, true);
      if (level.normalRun < recoveredPoints) rt.away = { ...level };
    } else if (rt.open) await flushEvent(rt, false);
    if (recovered) await forget(rt, recovered, rt.open?.start);
    if (live) keepCheckpoint(rt);
    const last = scored.scores[scored.scores.length - 1] ?? NaN;
    if (!Number.isNaN(last)) o.onScore?.(key, last);
    report.points += points.length;
    report.skipped += scored.skipped;
    report.series++;
    rt.dirty = true;
    // Scorer state is hundreds of KB per series: written every few minutes, not every tick.
    if (now - rt.persistedAt >= persistEveryMs) await persist(rt, now);
  };

  /**
   * An alarm starts: `minPoints` points within the window over the threshold, as the post-rules say, or, after
   * one over it, a point whose value holds where that one jumped to. Detectors that have seen a level before (an
   * earlier fault on the same series) score its return lower at each point, but a step that holds is no noise.
   */
  const onset = (rt: SeriesRuntime, hot: boolean, v: number, minPoints: number): boolean => {
    const first = rt.hot[0];
    if (!first) return false;
    return rt.hot.length + (!hot && holds(levelBefore(rt.values, first[0]), first[2], v) ? 1 : 0) >= minPoints;
  };

  /**
   * The scorer rebuilt from its checkpoint, its anomalous span (and any event open since) replayed as missing
   * samples: a detector must not learn "normal" from an anomaly it flagged itself, or the same fault's return
   * an hour later scores as ordinary.
   */
  const forget = async (rt: SeriesRuntime, span: { from: number; to: number }, openFrom = Infinity) => {
    const cp = rt.checkpoint;
    rt.checkpoint = undefined;
    rt.anomalousSince = openFrom === Infinity ? undefined : openFrom;
    if (!cp) return;
    const masked = (at: number) => (at >= span.from && at < span.to) || at >= openFrom;
    const names = [...new Set(cp.since.flatMap((p) => Object.keys(p.external ?? {})))];
    const external = names.length
      ? Object.fromEntries(names.map((n) => [n, Float64Array.from(cp.since, (p) => p.external?.[n] ?? NaN)]))
      : undefined;
    const scorer = createSeriesScorer(undefined, o.lookup, cp.state);
    await scoreYielding(
      scorer,
      {
        timestamps: Float64Array.from(cp.since, (p) => p.at),
        values: Float64Array.from(cp.since, (p) => (masked(p.at) ? NaN : p.value)),
      },
      false,
      external,
    );
    rt.scorer = scorer;
    const kept = rt.values.filter(([t]) => !masked(t));
    if (kept.length >= recoveredPoints) rt.values = kept;
  };

  /** A quiet series' scorer state is the point a later event's span can be left out from. */
  const keepCheckpoint = (rt: SeriesRuntime) => {
    if (rt.checkpoint && rt.checkpoint.since.length > REPLAY_POINTS) {
      // An anomaly this long is the series' new normal: nothing to leave out any more.
      rt.checkpoint = undefined;
      rt.anomalousSince = undefined;
      rt.away = undefined;
    }
    if (rt.open || rt.hot.length || rt.anomalousSince !== undefined) return;
    if (rt.checkpoint && rt.checkpoint.since.length < CHECKPOINT_POINTS) return;
    rt.checkpoint = { state: structuredClone(rt.scorer.save()), since: [] };
  };

  const remember = (rt: SeriesRuntime, at: number, v: number) => {
    if (!Number.isFinite(v)) return;
    rt.values.push([at, v]);
    if (rt.values.length > LEVEL_POINTS) rt.values.shift();
  };

  const persist = async (rt: SeriesRuntime, now: number) => {
    await o.store.saveModel({ kind: SCORER_KIND, key: rt.id, state: { ...rt.scorer.save(), lastAt: rt.lastAt } });
    rt.persistedAt = now;
    rt.dirty = false;
  };

  /** Series now owned by another replica: their state is saved for it and their open event closed here. */
  const handOver = async (others: string[], now: number) => {
    for (const rt of others.map((id) => runtimes.get(id)).filter((r): r is SeriesRuntime => r !== undefined)) {
      try {
        if (rt.open) await flushEvent(rt, true);
        if (rt.dirty) await persist(rt, now);
        runtimes.delete(rt.id);
      } catch (err) {
        logger.warn('series not handed over', { series: rt.id, err: errorMessage(err) });
      }
    }
  };

  const tick = async (): Promise<TickReport> => {
    const now = o.clock.nowMs();
    const report: TickReport = { series: 0, points: 0, skipped: 0, opened: 0, errors: [] };
    const listed = await o.source.listSeries();
    report.errors.push(...listed.errors.map((e) => `${e.source}: ${e.message}`));
    const scores: ScoreRow[] = [];
    const fetched: Fetched[] = [];
    const owns = o.owns ?? (() => true);
    const mine = listed.results.filter((k) => owns(seriesId(k)));
    await handOver(listed.results.map(seriesId).filter((id) => !owns(id)), now);
    for (const key of mine) {
      if (stopped) throw new Stopped('detection stopped');
      try {
        const f = await fetchSeries(key, now, report);
        if (f) fetched.push(f);
      } catch (err) {
        // One broken series never stops the others.
        report.errors.push(`${seriesId(key)}: ${errorMessage(err)}`);
      }
    }
    const isLive = (rt: SeriesRuntime) => rt.lastAt >= now - historyMs + step;
    const external = lstm ? await lstm.forecastErrors(fetched, (f) => isLive(f.rt)) : undefined;
    for (const f of fetched) {
      if (stopped) throw new Stopped('detection stopped');
      try {
        const e = external?.get(f.rt.id);
        await scoreSeries(f, now, report, scores, e ? { lstm: e } : undefined);
      } catch (err) {
        report.errors.push(`${f.rt.id}: ${errorMessage(err)}`);
      }
    }
    await o.store.appendScores(scores);
    lstm?.trainMissing([...runtimes.values()], now);
    // Correlation only needs events that can still be within reach.
    while (recent.length && (recent[0]?.end ?? 0) < now - 6 * gapMs) recent.shift();
    logger.info('detection tick', {
      series: report.series,
      points: report.points,
      skipped: report.skipped,
      opened: report.opened,
      errors: report.errors.length,
    });
    return report;
  };

  return {
    tick,
    start(intervalMs, initialDelayMs = 0) {
      stopped = false;
      const loop = () => {
        if (stopped) return;
        running = tick()
          .catch((err: unknown) => {
            if (!(err instanceof Stopped)) logger.error('detection tick failed', { err });
          })
          .finally(() => {
            if (!stopped) timer = setTimeout(loop, intervalMs);
          });
      };
      timer = setTimeout(loop, initialDelayMs);
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
      await lstm?.stop();
      const now = o.clock.nowMs();
      for (const rt of runtimes.values()) {
        if (rt.dirty) {
          await persist(rt, now).catch((err: unknown) => logger.warn('scorer state not saved', { series: rt.id, err }));
        }
      }
    },
    compact: () => o.store.downsample(),
  };
}
