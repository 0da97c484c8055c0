// `npm start` runs this first: on a fresh clone the plugins and the preview host are not built yet, so
// /preview would have nothing to show. Builds them once (about a minute); never blocks the start.
/* global console, process */
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const needed = ['plugin-app/dist/module.js', 'plugin-datasource/dist/module.js', 'preview/dist/host.js'];
const missing = needed.filter((f) => !existsSync(path.join(root, f)));
if (missing.length && process.env.AEGIS_SKIP_PREVIEW_BUILD !== '1') {
  console.log(`[preview] building the Grafana plugins and the preview page (missing: ${missing.join(', ')}) …`);
  try {
    execSync('npm run build', { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
    console.log('[preview] built: open /preview once the server is up');
  } catch {
    console.warn('[preview] build failed; the server starts anyway and /preview says how to build it');
  }
}
