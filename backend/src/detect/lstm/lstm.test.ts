import { describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../../platform/logger.js';
import { type BackendLoaders, selectTfBackend, type TfRuntime } from './backend.js';
import { DEFAULT_LSTM, loadTensorflow, normOf, scoreGroup, trainForecaster, trainInWorker } from './index.js';

/** A TensorFlow.js stand-in whose backends succeed or fail as told. */
function fakeTf(works: Record<string, boolean>): TfRuntime & { tried: string[] } {
  let current = 'none';
  const tried: string[] = [];
  return {
    tried,
    async setBackend(name) {
      tried.push(name);
      if (!works[name]) return false;
      current = name;
      return true;
    },
    async ready() {},
    getBackend: () => current,
  };
}

const loaders = (nativeInstalled: boolean): BackendLoaders => ({
  async loadNative() {
    if (!nativeInstalled) throw new Error("Cannot find package '@tensorflow/tfjs-node'");
  },
  async loadWasm() {},
});

describe('TensorFlow.js backend selection', () => {
  it('prefers tfjs-node, and falls back to wasm when it is not installed (and logs which one runs)', async () => {
    const logger = createMemoryLogger();
    const tf = fakeTf({ tensorflow: true, wasm: true, cpu: true });
    expect(await selectTfBackend(tf, { logger, loaders: loaders(false) })).toBe('wasm');
    expect(logger.lines.some((l) => l.msg === 'tensorflow.js backend unavailable' && l.backend === 'tensorflow')).toBe(
      true,
    );
    expect(logger.lines.some((l) => l.msg === 'tensorflow.js backend selected' && l.backend === 'wasm')).toBe(true);
    expect(await selectTfBackend(fakeTf({ tensorflow: true }), { logger, loaders: loaders(true) })).toBe('tensorflow');
  });

  it('honours a forced backend (AEGIS_TF_BACKEND), and falls through when the forced one fails', async () => {
    const logger = createMemoryLogger();
    expect(
      await selectTfBackend(fakeTf({ wasm: true, cpu: true }), { prefer: 'cpu', logger, loaders: loaders(true) }),
    ).toBe('cpu');
    const tf = fakeTf({ cpu: true });
    expect(await selectTfBackend(tf, { prefer: 'wasm', logger, loaders: loaders(true) })).toBe('cpu');
    expect(tf.tried).toEqual(['wasm', 'cpu']);
    // A forced tensorflow that is missing falls back to wasm, never silently to nothing.
    expect(
      await selectTfBackend(fakeTf({ wasm: true }), { prefer: 'tensorflow', logger, loaders: loaders(false) }),
    ).toBe('wasm');
  });

  it('fails clearly when no backend starts', async () => {
    await expect(
      selectTfBackend(fakeTf({}), { logger: createMemoryLogger(), loaders: loaders(false) }),
    ).rejects.toThrow(/no TensorFlow.js backend/);
  });

  it('starts the real runtime on the forced cpu backend', async () => {
    const { tf, backend } = await loadTensorflow({ prefer: 'cpu', logger: createMemoryLogger() });
    expect(backend).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
  });
});

describe('LSTM group forecaster', () => {
  const options = { ...DEFAULT_LSTM, hidden: 6, seqLen: 24, epochs: 4, maxSequences: 200, learningRate: 0.02 };
  // A group of phase-shifted waves: one shared model fits them all once normalised.
  const group = Array.from({ length: 4 }, (_v, s) =>
    Float64Array.from({ length: 600 }, (_x, i) => (s + 1) * 10 + (s + 1) * Math.sin((i + s * 5) / 8)),
  );

  it('trains one model for the group, scores a spike far above normal points, and survives a JSON round trip', async () => {
    const { tf } = await loadTensorflow({ prefer: 'wasm', logger: createMemoryLogger() });
    const trained = await trainForecaster(tf, group, options);
    expect(trained.sequences).toBeGreaterThan(0);
    expect(Number.isFinite(trained.loss)).toBe(true);
    const live = group.map((s) => Float64Array.from(s));
    (live[2] as Float64Array)[500] = 1000;
    (live[1] as Float64Array)[300] = NaN;
    const norms = group.map(normOf);
    const scores = scoreGroup(tf, trained.weights, live, norms);
    const spiky = scores[2] as Float64Array;
    const normal = Math.max(...(scores[3] as Float64Array).subarray(50));
    expect(spiky[500]).toBeGreaterThan(5 * normal);
    expect(Number.isNaN((scores[1] as Float64Array)[300] ?? 0)).toBe(true);
    const again = scoreGroup(tf, JSON.parse(JSON.stringify(trained.weights)), live, norms);
    expect(Array.from(again[2] as Float64Array)).toEqual(Array.from(spiky));
  });

  it('trains in a worker thread, leaving this thread free', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    try {
      const result = await trainInWorker(group, { ...options, epochs: 2 }, 'wasm');
      expect(result.backend).toBe('wasm');
      expect(result.weights.kernel).toHaveLength(4 * options.hidden);
    } finally {
      clearInterval(timer);
    }
    expect(ticks).toBeGreaterThan(0);
  });
});
