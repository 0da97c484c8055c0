/* global console */
// Bundles the preview host (src/host.tsx + the shared libraries Grafana provides to plugins) into dist/.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const runtime = path.resolve(here, '../node_modules/@grafana/runtime/dist/esm');
const started = Date.now();
mkdirSync(path.join(here, 'dist'), { recursive: true });
await build({
  entryPoints: [path.join(here, 'src/host.tsx')],
  bundle: true,
  format: 'iife',
  outfile: path.join(here, 'dist/host.js'),
  platform: 'browser',
  target: 'es2020',
  minify: true,
  define: { 'process.env.NODE_ENV': '"production"', global: 'window' },
  loader: { '.svg': 'dataurl', '.woff': 'empty', '.woff2': 'empty', '.ttf': 'empty', '.png': 'dataurl' },
  logLevel: 'warning',
  // Setters Grafana core calls that @grafana/runtime does not export.
  alias: {
    'grafana-runtime-panel-renderer': path.join(runtime, 'components/PanelRenderer.mjs'),
    'grafana-runtime-plugin-page': path.join(runtime, 'components/PluginPage.mjs'),
  },
});
copyFileSync(path.join(here, 'index.html'), path.join(here, 'dist/index.html'));
console.log(`preview host built in ${Date.now() - started} ms`);
