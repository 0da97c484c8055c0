import { errorMessage } from '../../platform/errors.js';
import type { Logger } from '../../platform/logger.js';
import {
  createGroupRunner,
  DEFAULT_LSTM,
  type GroupModel,
  type GroupRunner,
  type LstmOptions,
  normOf,
  type TfBackend,
  type TfModule,
  type TrainResult,
} from '../lstm/index.js';
import type { DetectStore } from '../store.js';

export interface LstmGroupOptions {
  store: DetectStore;
  logger: Logger;
  loadTf: () => Promise<{ tf: TfModule; backend: TfBackend }>;
  /** Trains off the main thread (trainInWorker in production). */
  train: (
    series: Float64Array[],
    options: LstmOptions,
    signal: AbortSignal,
  ) => Promise<TrainResult & { backend: TfBackend }>;
  options?: Partial<LstmOptions>;
  /** Series a group needs before a model is worth training. */
  minSeries?: number;
  /** Values each of them needs. */
  minPoints?: number;
  retrainEveryMs?: number;
}

export interface SeriesForLstm {
  id: string;
  group: string;
  recent: number[];
}

export interface LstmGroups {
  /** Raw forecast errors for the new points of every series whose group has a model; history only warms the state. */
  forecastErrors<F extends { rt: SeriesForLstm; values: Float64Array }>(
    fetched: F[],
    isLive: (f: F) => boolean,
  ): Promise<Map<string, Float64Array>>;
  /** Starts (without waiting) training for groups that have enough data and no fresh model. */
  trainMissing(series: SeriesForLstm[], now: number): void;
  /** Aborts training in flight and frees the models. */
  stop(): Promise<void>;
}

const KIND = 'lstm';
const WARM_UP = 64;

/** One LSTM per group of normalised series (the group is the metric name), trained in a worker, stored in the DB. */
export function createLstmGroups(o: LstmGroupOptions): LstmGroups {
  const options = { ...DEFAULT_LSTM, ...o.options };
  const minSeries = o.minSeries ?? 2;
  const minPoints = o.minPoints ?? 720;
  const retrainEveryMs = o.retrainEveryMs ?? 86_400_000;
  const runners = new Map<string, { model: GroupModel; runner: GroupRunner }>();
  const checked = new Set<string>();
  const training = new Map<string, Promise<void>>();
  const abort = new AbortController();
  let tf: Promise<{ tf: TfModule; backend: TfBackend }> | undefined;
  const tfOnce = () => (tf ??= o.loadTf());

  const install = async (group: string, model: GroupModel, recent: Map<string, number[]>) => {
    const { tf: t } = await tfOnce();
    const runner = createGroupRunner(t, model);
    // Warm the recurrent state on the last points, so the first live errors are not start-up noise.
    runner.step(new Map(model.series.map((id) => [id, Float64Array.from((recent.get(id) ?? []).slice(-WARM_UP))])), {
      warmUp: true,
    });
    runners.get(group)?.runner.dispose();
    runners.set(group, { model, runner });
  };

  const loadStored = async (group: string, recent: Map<string, number[]>) => {
    if (checked.has(group)) return;
    checked.add(group);
    const stored = await o.store.loadModel(KIND, group);
    if (stored) await install(group, stored.state as GroupModel, recent);
  };

  return {
    async forecastErrors(fetched, isLive) {
      const out = new Map<string, Float64Array>();
      const byGroup = new Map<string, typeof fetched>();
      for (const f of fetched) byGroup.set(f.rt.group, [...(byGroup.get(f.rt.group) ?? []), f]);
      for (const [group, items] of byGroup) {
        try {
          await loadStored(group, new Map(items.map((f) => [f.rt.id, f.rt.recent])));
          const entry = runners.get(group);
          if (!entry) continue;
          const live = items.filter((f) => isLive(f) && entry.runner.has(f.rt.id));
          const history = items.filter((f) => !isLive(f) && entry.runner.has(f.rt.id));
          if (history.length) entry.runner.step(new Map(history.map((f) => [f.rt.id, f.values])), { warmUp: true });
          if (live.length)
            for (const [id, e] of entry.runner.step(new Map(live.map((f) => [f.rt.id, f.values])))) out.set(id, e);
        } catch (err) {
          o.logger.warn('LSTM inference failed; the group scores without it', { group, err: errorMessage(err) });
        }
      }
      return out;
    },
    trainMissing(series, now) {
      const byGroup = new Map<string, SeriesForLstm[]>();
      for (const s of series)
        if (s.recent.length >= minPoints) byGroup.set(s.group, [...(byGroup.get(s.group) ?? []), s]);
      for (const [group, members] of byGroup) {
        const current = runners.get(group)?.model;
        // One group at a time: each training worker loads its own TensorFlow.js and takes a core.
        if (training.size > 0) return;
        if (members.length < minSeries) continue;
        if (current && now - current.trainedAt < retrainEveryMs) continue;
        const values = members.map((m) => Float64Array.from(m.recent));
        const job = o
          .train(values, options, abort.signal)
          .then(async (result) => {
            if (abort.signal.aborted) return;
            const model: GroupModel = {
              weights: result.weights,
              series: members.map((m) => m.id),
              norms: values.map(normOf),
              backend: result.backend,
              loss: result.loss,
              trainedAt: now,
            };
            await o.store.saveModel({
              kind: KIND,
              key: group,
              state: model,
              metrics: { loss: result.loss, seconds: result.seconds, sequences: result.sequences },
            });
            await install(group, model, new Map(members.map((m) => [m.id, m.recent])));
            o.logger.info('LSTM group model trained', {
              group,
              series: members.length,
              seconds: result.seconds,
              loss: result.loss,
              backend: result.backend,
            });
          })
          .catch((err: unknown) => {
            if (!abort.signal.aborted) o.logger.warn('LSTM training failed', { group, err: errorMessage(err) });
          })
          .finally(() => training.delete(group));
        training.set(group, job);
      }
    },
    async stop() {
      abort.abort();
      await Promise.all(training.values());
      for (const { runner } of runners.values()) runner.dispose();
      runners.clear();
    },
  };
}
