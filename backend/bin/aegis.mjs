#!/usr/bin/env node
// Runs the compiled backend (backend/dist). A fresh clone or a changed source compiles once with
// esbuild (a few seconds, announced on stderr); without esbuild (a production install without dev
// dependencies and no build) it falls back to running the TypeScript sources through tsx.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const backend = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const compiled = path.join(backend, 'dist/src/cli/index.js');
const builder = path.resolve(backend, '../scripts/build-backend.mjs');

async function entry() {
  if (process.env.AEGIS_RUN_SOURCES === '1') return undefined;
  if (!existsSync(builder)) return existsSync(compiled) ? compiled : undefined;
  const { build, isFresh } = await import(pathToFileURL(builder).href);
  if (isFresh()) return compiled;
  try {
    process.stderr.write('aegis: compiling the backend to JavaScript (once per source change) …\n');
    await build({ log: (m) => process.stderr.write(`${m}\n`) });
    return compiled;
  } catch (err) {
    process.stderr.write(`aegis: build failed (${err instanceof Error ? err.message : String(err)}); running the sources with tsx\n`);
    return undefined;
  }
}

const file = await entry();
let main;
if (file) ({ main } = await import(pathToFileURL(file).href));
else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/index.ts'));
}
process.exitCode = await main(process.argv.slice(2));
