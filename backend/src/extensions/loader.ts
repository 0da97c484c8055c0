import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { errorMessage, InputError } from '../platform/errors.js';
import type { Logger } from '../platform/logger.js';
import type { ExtensionRegistries } from './registries.js';

/** A user module's default export: `export default function register(registries) { … }`. */
export type ExtensionModule = (registries: ExtensionRegistries, ctx: { logger: Logger }) => void | Promise<void>;

const MODULE_FILE = /\.(mjs|js|cjs)$/;

/** Loads every module in `dir` (sorted by name) and lets it register detectors, agents, actions, rules, notifiers. */
export async function loadExtensions(
  dir: string,
  registries: ExtensionRegistries,
  logger: Logger,
): Promise<{ loaded: string[] }> {
  let files: string[];
  try {
    files = (await readdir(dir)).filter((f) => MODULE_FILE.test(f)).sort();
  } catch (err) {
    throw new InputError(`AEGIS_EXTENSIONS_DIR ${dir} cannot be read: ${errorMessage(err)}`);
  }
  const loaded: string[] = [];
  for (const file of files) {
    const full = path.resolve(dir, file);
    const mod = (await import(pathToFileURL(full).href)) as { default?: unknown };
    if (typeof mod.default !== 'function') {
      throw new InputError(`extension ${file} must export a default register(registries) function`);
    }
    await (mod.default as ExtensionModule)(registries, { logger: logger.child({ extension: file }) });
    loaded.push(file);
    logger.info('extension loaded', { file });
  }
  return { loaded };
}
