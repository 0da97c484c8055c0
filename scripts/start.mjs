#!/usr/bin/env node
/* global console, process */
// `npm start`: builds what a fresh clone lacks — the Grafana plugins and the preview host (/preview),
// and the backend's JavaScript — printing each step with its elapsed time, then runs the server.
// AEGIS_SKIP_PREVIEW_BUILD=1 skips the plugin build (the server says how to build it when /preview is opened).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const say = (m) => console.log(`[start] ${m}`);

/** Runs a build step with a line every 10 s, so a slow machine never looks stuck; its output is kept for errors. */
function step(label, cmd, args) {
  const started = Date.now();
  const secs = () => Math.round((Date.now() - started) / 1000);
  say(`${label} …`);
  const ticker = setInterval(() => say(`${label}: ${secs()} s`), 10_000);
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c) => (output = (output + c).slice(-8000)));
    child.stderr.on('data', (c) => (output = (output + c).slice(-8000)));
    child.on('exit', (code) => {
      clearInterval(ticker);
      if (code === 0) say(`${label}: done in ${secs()} s`);
      else say(`${label}: failed after ${secs()} s (exit ${code}); last output:\n${output.trim().split('\n').slice(-15).join('\n')}`);
      resolve(code === 0);
    });
  });
}

const plugins = [
  ['plugin-app', 'plugin-app/dist/module.js', ['run', 'build', '-w', 'plugin-app']],
  ['plugin-datasource', 'plugin-datasource/dist/module.js', ['run', 'build', '-w', 'plugin-datasource']],
];
const missing = plugins.filter(([, out]) => !existsSync(path.join(root, out)));
const previewMissing = !existsSync(path.join(root, 'preview/dist/host.js'));
if ((missing.length || previewMissing) && process.env.AEGIS_SKIP_PREVIEW_BUILD !== '1') {
  say(`first start: building ${missing.length} Grafana plugin(s) and the preview page for /preview (about a minute each on 2 cores)`);
  let ok = true;
  for (const [name, , args] of missing) ok = (await step(`building ${name} (webpack)`, 'npm', args)) && ok;
  if (ok) await step('building the preview host page', process.execPath, ['preview/build.mjs']);
  else say('a plugin build failed; the server starts anyway and /preview says how to build it');
}

const { build, isFresh } = await import('./build-backend.mjs');
if (!isFresh()) {
  say('compiling the backend to JavaScript …');
  await build({ log: (m) => say(m.replace(/^\[build\] /, '')) });
}
say('starting the server …');
const server = spawn(process.execPath, [path.join(root, 'backend/bin/aegis.mjs'), 'start', ...process.argv.slice(2)], { stdio: 'inherit' });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => server.kill(sig));
server.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
