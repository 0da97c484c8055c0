import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PipelineStore } from '../../store.js';
import { type Bandit, type BanditState, createBandit } from './bandit.js';
import { FEATURE_NAMES } from './features.js';
import { EPISODE_OPTIONS } from './train.js';

/** Trained by `npm run bench:pipeline -- --write-model` over simulator episodes; shipped so a fresh start has a policy. */
export const DEFAULT_MODEL_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'default-model.json');
const MODEL_NAME = 'fixer-bandit';

export interface FixerModel {
  bandit: Bandit;
  /** Outcomes the model has seen (simulator episodes + real remediations). */
  episodes: number;
  source: 'stored' | 'default' | 'untrained';
  /** Folds in one real outcome and persists the model. */
  learn(o: { features: number[]; action: string; success: boolean; recoveryMs: number | null }): Promise<void>;
}

export interface StoredModel {
  state: BanditState;
  episodes: number;
}

export async function loadFixerModel(store: PipelineStore, file = DEFAULT_MODEL_FILE): Promise<FixerModel> {
  let source: FixerModel['source'] = 'untrained';
  let stored: StoredModel | undefined;
  const row = await store.loadModel(MODEL_NAME);
  if (row) {
    stored = { state: row.model as BanditState, episodes: row.episodes };
    source = 'stored';
  } else {
    try {
      stored = JSON.parse(await readFile(file, 'utf8')) as StoredModel;
      source = 'default';
    } catch {
      stored = undefined;
    }
  }
  const valid = stored && stored.state.dim === FEATURE_NAMES.length ? stored : undefined;
  const bandit = createBandit({ dim: FEATURE_NAMES.length, horizonMs: EPISODE_OPTIONS.horizonMs, state: valid?.state });
  let episodes = valid?.episodes ?? 0;
  return {
    bandit,
    get episodes() {
      return episodes;
    },
    source: valid ? source : 'untrained',
    async learn(o) {
      bandit.update(o);
      episodes++;
      await store.saveModel(MODEL_NAME, bandit.state(), episodes);
    },
  };
}
