import type { Registry } from '../platform/registry.js';
import { cadDetector } from './cad/index.js';
import { contextDetector } from './context/index.js';
import { ewmaDetector } from './ewma/index.js';
import { iforestDetector } from './iforest/index.js';
import { knnDetector } from './knn/index.js';
import { lstmDetector } from './lstm/detector.js';
import { madDetector } from './mad/index.js';
import { seasonalDetector } from './seasonal/index.js';
import { spatialDetector } from './spatial/index.js';
import type { DetectorDefinition } from './types.js';
import { zscoreDetector } from './zscore/index.js';
import { artimeDetector } from './artime/index.js';

/** Detectors that ship with Aegis (the LSTM member is group-level: the service feeds it, see lstm/). */
export const BUILTIN_DETECTORS: DetectorDefinition[] = [
  zscoreDetector,
  madDetector,
  ewmaDetector,
  seasonalDetector,
  iforestDetector,
  contextDetector,
  knnDetector,
  cadDetector,
  spatialDetector,
  artimeDetector,
  lstmDetector,
];

/** Registers the built-ins into the extension registry (user modules may add more, or replace one). */
export function registerBuiltinDetectors(registry: Pick<Registry<DetectorDefinition>, 'register' | 'has'>): void {
  for (const d of BUILTIN_DETECTORS) if (!registry.has(d.id)) registry.register(d);
}

/** A lookup over the built-ins only (CLI and benches run without the server). */
export function builtinLookup(id: string): DetectorDefinition {
  const found = BUILTIN_DETECTORS.find((d) => d.id === id);
  if (!found) throw new Error(`unknown detector "${id}"`);
  return found;
}

/** Resolves detectors from the extension registry, checking a user module's entry has the detector shape. */
export function registryLookup(registry: {
  get(id: string): { id: string; [k: string]: unknown };
}): (id: string) => DetectorDefinition {
  return (id) => {
    const entry = registry.get(id);
    if (typeof entry.create !== 'function' || typeof entry.restore !== 'function') {
      throw new Error(`detector "${id}" must provide create(params) and restore(state)`);
    }
    return entry as DetectorDefinition;
  };
}
