import type * as tfTypes from '@tensorflow/tfjs';

type Tf = typeof tfTypes;

/**
 * One LSTM forecaster per group of normalised series: trained on sequences to predict the next value at
 * every step, then run statefully (one cell step per new point, all series of the group as one batch).
 */
export interface LstmOptions {
  hidden: number;
  /** Training sequence length. */
  seqLen: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Cap on training sequences, so training time stays bounded on big groups. */
  maxSequences: number;
  seed: number;
}

export const DEFAULT_LSTM: LstmOptions = {
  hidden: 16,
  seqLen: 64,
  epochs: 3,
  batchSize: 64,
  learningRate: 0.01,
  maxSequences: 2048,
  seed: 7,
};

/** The trained weights in plain arrays: what is stored in the `models` table and what inference needs. */
export interface LstmWeights {
  hidden: number;
  kernel: number[]; // [1, 4H]  gate order i, f, c, o (Keras)
  recurrent: number[]; // [H, 4H]
  bias: number[]; // [4H]
  denseKernel: number[]; // [H, 1]
  denseBias: number[]; // [1]
}

export interface TrainResult {
  weights: LstmWeights;
  loss: number;
  sequences: number;
  seconds: number;
}

/** Normalisation per series (mean/sd of its training history), so one model fits the whole group. */
export interface SeriesNorm {
  mean: number;
  sd: number;
}

export function normOf(values: ArrayLike<number>): SeriesNorm {
  let n = 0;
  let sum = 0;
  let sq = 0;
  for (let i = 0; i < values.length; i++) {
    const x = values[i] ?? NaN;
    if (Number.isNaN(x)) continue;
    n++;
    sum += x;
    sq += x * x;
  }
  const mean = n ? sum / n : 0;
  const sd = n ? Math.sqrt(Math.max(0, sq / n - mean * mean)) : 0;
  return { mean, sd: sd > 1e-9 + 1e-3 * Math.abs(mean) ? sd : 1e-9 + 1e-3 * Math.abs(mean) || 1 };
}

/** Cuts normalised training sequences (NaN → carried forward) from every series of the group. */
export function trainingSequences(series: Float64Array[], opts: LstmOptions): { x: Float32Array; count: number } {
  const chunks: Float32Array[] = [];
  for (const values of series) {
    const norm = normOf(values);
    let last = 0;
    const z = Float32Array.from(values, (v) => (Number.isNaN(v) ? last : (last = (v - norm.mean) / norm.sd)));
    for (let start = 0; start + opts.seqLen + 1 <= z.length; start += opts.seqLen) {
      chunks.push(z.subarray(start, start + opts.seqLen + 1));
    }
  }
  // Evenly spaced subset when there are too many: bounded training time, still every part of the group.
  const stride = Math.max(1, Math.ceil(chunks.length / opts.maxSequences));
  const picked = chunks.filter((_c, i) => i % stride === 0);
  const x = new Float32Array(picked.length * (opts.seqLen + 1));
  picked.forEach((c, i) => x.set(c, i * (opts.seqLen + 1)));
  return { x, count: picked.length };
}

export async function trainForecaster(tf: Tf, series: Float64Array[], opts: LstmOptions): Promise<TrainResult> {
  const started = performance.now();
  const { x, count } = trainingSequences(series, opts);
  if (count === 0) throw new Error(`no series is long enough to train on (need ${opts.seqLen + 1} points)`);
  const L = opts.seqLen;
  const all = tf.tensor3d(x, [count, L + 1, 1]);
  const inputs = all.slice([0, 0, 0], [count, L, 1]);
  const targets = all.slice([0, 1, 0], [count, L, 1]);
  const model = tf.sequential();
  model.add(
    tf.layers.lstm({
      units: opts.hidden,
      inputShape: [L, 1],
      returnSequences: true,
      recurrentActivation: 'sigmoid', // the streaming step below uses the exact sigmoid
      kernelInitializer: tf.initializers.glorotUniform({ seed: opts.seed }),
      recurrentInitializer: tf.initializers.orthogonal({ seed: opts.seed + 1 }),
    }),
  );
  model.add(
    tf.layers.timeDistributed({
      layer: tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.glorotUniform({ seed: opts.seed + 2 }) }),
    }),
  );
  model.compile({ optimizer: tf.train.adam(opts.learningRate), loss: 'meanSquaredError' });
  const history = await model.fit(inputs, targets, {
    epochs: opts.epochs,
    batchSize: opts.batchSize,
    shuffle: false,
    verbose: 0,
  });
  const losses = history.history.loss ?? [];
  const weights = await extractWeights(model, opts.hidden);
  tf.dispose([all, inputs, targets]);
  model.dispose();
  return {
    weights,
    loss: Number(losses[losses.length - 1] ?? NaN),
    sequences: count,
    seconds: (performance.now() - started) / 1000,
  };
}

async function extractWeights(model: tfTypes.LayersModel, hidden: number): Promise<LstmWeights> {
  const [kernel, recurrent, bias, denseKernel, denseBias] = await Promise.all(model.getWeights().map((w) => w.data()));
  const list = (a: ArrayLike<number> | undefined) => Array.from(a ?? []);
  return {
    hidden,
    kernel: list(kernel),
    recurrent: list(recurrent),
    bias: list(bias),
    denseKernel: list(denseKernel),
    denseBias: list(denseBias),
  };
}

/**
 * Streaming, batched inference: one LSTM cell step for every series of the group at once. `step` takes the
 * newest normalised value of each series and returns each series' forecast for its next value.
 */
export interface BatchedForecaster {
  readonly batch: number;
  step(x: Float32Array): Float32Array;
  dispose(): void;
}

export function createBatchedForecaster(tf: Tf, w: LstmWeights, batch: number): BatchedForecaster {
  const H = w.hidden;
  const kernel = tf.tensor2d(w.kernel, [1, 4 * H]);
  const recurrent = tf.tensor2d(w.recurrent, [H, 4 * H]);
  const bias = tf.tensor1d(w.bias);
  const dense = tf.tensor2d(w.denseKernel, [H, 1]);
  const denseBias = tf.tensor1d(w.denseBias);
  let h = tf.zeros([batch, H]) as tfTypes.Tensor2D;
  let c = tf.zeros([batch, H]) as tfTypes.Tensor2D;
  return {
    batch,
    step(x) {
      const [nh, nc, y] = tf.tidy(() => {
        const xt = tf.tensor2d(x, [batch, 1]);
        const z = tf.add(tf.add(tf.matMul(xt, kernel), tf.matMul(h, recurrent)), bias);
        const [zi, zf, zc, zo] = tf.split(z, 4, 1) as [
          tfTypes.Tensor2D,
          tfTypes.Tensor2D,
          tfTypes.Tensor2D,
          tfTypes.Tensor2D,
        ];
        const cNext = tf.add(tf.mul(tf.sigmoid(zf), c), tf.mul(tf.sigmoid(zi), tf.tanh(zc))) as tfTypes.Tensor2D;
        const hNext = tf.mul(tf.sigmoid(zo), tf.tanh(cNext)) as tfTypes.Tensor2D;
        const out = tf.add(tf.matMul(hNext, dense), denseBias);
        return [hNext, cNext, out];
      });
      h.dispose();
      c.dispose();
      h = nh as tfTypes.Tensor2D;
      c = nc as tfTypes.Tensor2D;
      const forecast = y.dataSync() as Float32Array;
      y.dispose();
      return Float32Array.from(forecast);
    },
    dispose() {
      tf.dispose([kernel, recurrent, bias, dense, denseBias, h, c]);
    },
  };
}

/**
 * Scores a group of series (same length) with one shared model: raw score = |value − forecast| in the
 * series' own sd, each forecast made before its value was seen. Missing points are fed the forecast.
 */
export function scoreGroup(tf: Tf, w: LstmWeights, series: Float64Array[], norms: SeriesNorm[]): Float64Array[] {
  const B = series.length;
  const T = Math.max(0, ...series.map((s) => s.length));
  const out = series.map((s) => new Float64Array(s.length));
  const forecaster = createBatchedForecaster(tf, w, B);
  const input = new Float32Array(B);
  let forecast: Float32Array = new Float32Array(B);
  try {
    for (let t = 0; t < T; t++) {
      for (let b = 0; b < B; b++) {
        const x = series[b]?.[t] ?? NaN;
        const norm = norms[b] ?? { mean: 0, sd: 1 };
        const score = out[b];
        if (Number.isNaN(x)) {
          if (score && t < score.length) score[t] = NaN;
          input[b] = forecast[b] ?? 0;
          continue;
        }
        const z = (x - norm.mean) / norm.sd;
        if (score) score[t] = t === 0 ? 0 : Math.abs(z - (forecast[b] ?? 0));
        input[b] = z;
      }
      forecast = forecaster.step(input);
    }
  } finally {
    forecaster.dispose();
  }
  return out;
}
