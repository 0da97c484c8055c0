// Reads the plugins' plugin.json files (app, nested panels, datasource) the way Grafana discovers them.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface PluginJson {
  id: string;
  type: string;
  name: string;
  info?: { version?: string; logos?: { small?: string; large?: string } };
  includes?: Array<{ type: string; name: string; path?: string; action?: string; role?: string }>;
  routes?: Array<{ path: string; method?: string; url: string; reqAction?: string; reqRole?: string; headers?: Array<{ name: string; content: string }> }>;
  roles?: Array<{ role: { name: string; permissions: Array<{ action: string }> }; grants: string[] }>;
  dependencies: { grafanaDependency: string; plugins: unknown[] };
  extensions?: { addedLinks?: Array<{ targets: string[]; title: string }> };
  [key: string]: unknown;
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : name === 'plugin.json' ? [p] : [];
  });
}

/** Every plugin.json under a plugin's src/, keyed by path relative to src/. */
export function pluginJsons(workspace: 'plugin-app' | 'plugin-datasource'): Array<{ file: string; dir: string; json: PluginJson }> {
  const src = path.join(ROOT, workspace, 'src');
  return walk(src).map((file) => ({ file, dir: path.relative(src, path.dirname(file)), json: JSON.parse(readFileSync(file, 'utf8')) as PluginJson }));
}

export const allPluginIds = () => [...pluginJsons('plugin-app'), ...pluginJsons('plugin-datasource')].map((p) => p.json.id).sort();
