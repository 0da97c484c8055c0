#!/usr/bin/env node
/* global console, process */
// Compiles backend/src to JavaScript in backend/dist (one file per module, same layout, assets copied)
// with esbuild, so the CLI and the server start without compiling TypeScript at every run.
// `node scripts/build-backend.mjs` builds; backend/bin/aegis.mjs calls `ensureBuilt()` and rebuilds
// only when a source file is newer than the last build.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const BACKEND = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../backend');
const SRC = path.join(BACKEND, 'src');
const DIST = path.join(BACKEND, 'dist');
const STAMP = path.join(DIST, '.build-stamp.json');

function walk(dir, out = []) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

const isSource = (f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('.d.ts');
const isAsset = (f) => !f.endsWith('.ts') && !f.endsWith('.md');

/** The newest modification time of anything the build reads (ms). */
export function sourceTime(files = walk(SRC)) {
  let newest = statSync(path.join(BACKEND, 'package.json')).mtimeMs;
  for (const f of files) if (isSource(f) || isAsset(f)) newest = Math.max(newest, statSync(f).mtimeMs);
  return newest;
}

/** True when backend/dist holds a build of the current sources. */
export function isFresh() {
  try {
    const stamp = JSON.parse(readFileSync(STAMP, 'utf8'));
    return stamp.sourceTime >= sourceTime();
  } catch {
    return false;
  }
}

export async function build({ log = () => {} } = {}) {
  const started = Date.now();
  const { build: esbuild } = await import('esbuild');
  const files = walk(SRC);
  const entryPoints = files.filter(isSource);
  const time = sourceTime(files);
  // Build beside the old output and swap, so a running process never sees a half-written tree.
  const tmp = path.join(BACKEND, `dist.tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  await esbuild({
    entryPoints,
    outdir: path.join(tmp, 'src'),
    outbase: SRC,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // Node >= 20.10 reads `with { type: 'json' }`; esbuild would drop it for a node20 target.
    supported: { 'import-attributes': true },
    sourcemap: 'linked',
    logLevel: 'error',
  });
  for (const f of files.filter(isAsset)) {
    const to = path.join(tmp, 'src', path.relative(SRC, f));
    mkdirSync(path.dirname(to), { recursive: true });
    // Hand-written .mjs entry points (worker threads) import TypeScript siblings: point them at the compiled ones.
    if (f.endsWith('.mjs')) writeFileSync(to, readFileSync(f, 'utf8').replace(/(import\(\s*['"]\.{1,2}\/[^'"]+)\.ts(['"])/g, '$1.js$2'));
    else cpSync(f, to);
  }
  // The CLI's catalog (words, usage, options, module of each command): `--help` and dispatch then load
  // only the module of the command that runs. Written by a child process so this one loads nothing.
  const registry = pathToFileURL(path.join(tmp, 'src/cli/registry.js')).href;
  const script = `const r = await import(${JSON.stringify(registry)}); process.stdout.write(JSON.stringify(r.catalogOf(r.REGISTRY)));`;
  writeFileSync(path.join(tmp, 'cli-catalog.json'), execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 }));
  // Modules that read ../package.json relative to themselves find the same file one level down.
  cpSync(path.join(BACKEND, 'package.json'), path.join(tmp, 'package.json'));
  writeFileSync(path.join(tmp, '.build-stamp.json'), JSON.stringify({ sourceTime: time, builtAt: new Date().toISOString(), modules: entryPoints.length }));
  const old = path.join(BACKEND, `dist.old-${process.pid}`);
  if (existsSync(DIST)) renameSync(DIST, old);
  renameSync(tmp, DIST);
  rmSync(old, { recursive: true, force: true });
  log(`[build] backend: ${entryPoints.length} modules compiled to backend/dist in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await build({ log: (m) => console.log(m) });
}
