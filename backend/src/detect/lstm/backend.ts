import { createRequire } from 'node:module';
import path from 'node:path';
import { errorMessage } from '../../platform/errors.js';
import type { Logger } from '../../platform/logger.js';

export type TfBackend = 'tensorflow' | 'wasm' | 'cpu';
export const TF_BACKENDS: readonly TfBackend[] = ['tensorflow', 'wasm', 'cpu'];

/** What backend selection needs from TensorFlow.js; tests pass a fake to force failures. */
export interface TfRuntime {
  setBackend(name: string): Promise<boolean>;
  ready(): Promise<void>;
  getBackend(): string;
}

export interface BackendLoaders {
  /** Loads the native binding (registers the 'tensorflow' backend); throws when it is not installed. */
  loadNative(): Promise<void>;
  /** Registers the wasm backend and points it at its .wasm files. */
  loadWasm(): Promise<void>;
}

export const defaultLoaders: BackendLoaders = {
  async loadNative() {
    const spec = '@tensorflow/tfjs-node'; // a variable, so the type checker does not require the optional package
    await import(spec);
  },
  async loadWasm() {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const require = createRequire(import.meta.url);
    const dir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
    wasm.setWasmPaths(dir + path.sep); // a prefix: the trailing separator matters
  },
};

/**
 * Picks the TensorFlow.js backend at start-up: the preferred one (AEGIS_TF_BACKEND) or tfjs-node, then wasm,
 * then cpu. `setBackend` resolves false rather than throwing on failure, so both paths fall through.
 */
export async function selectTfBackend(
  tf: TfRuntime,
  opts: { prefer?: TfBackend; logger: Logger; loaders?: BackendLoaders },
): Promise<TfBackend> {
  const loaders = opts.loaders ?? defaultLoaders;
  const order: TfBackend[] = opts.prefer
    ? [opts.prefer, ...TF_BACKENDS.filter((b) => b !== opts.prefer && b !== 'tensorflow')]
    : [...TF_BACKENDS];
  for (const backend of order) {
    try {
      if (backend === 'tensorflow') await loaders.loadNative();
      if (backend === 'wasm') await loaders.loadWasm();
      if (await tf.setBackend(backend)) {
        await tf.ready();
        opts.logger.info('tensorflow.js backend selected', { backend, preferred: opts.prefer ?? null });
        return backend;
      }
      opts.logger.warn('tensorflow.js backend refused to start', { backend });
    } catch (err) {
      opts.logger.warn('tensorflow.js backend unavailable', { backend, reason: errorMessage(err).split('\n')[0] });
    }
  }
  throw new Error('no TensorFlow.js backend could be initialised');
}
