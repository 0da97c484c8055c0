import { constants } from 'node:fs';
import { open, readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { SourceFile } from './model.js';

const SKIP_DIRS = new Set(['node_modules', '.git', '.terraform', '.aegis', 'dist', '.venv', 'vendor']);
const IAC_FILE = /\.(tf|tfvars|ya?ml|json|template)$/i;
const MAX_BYTES = 5 * 1024 * 1024;

/** Candidate IaC files under `root` (paths relative to it, '/'-separated), skipping vendored and state directories. */
export async function listIacFiles(root: string): Promise<string[]> {
  const info = await stat(root);
  if (info.isFile()) return [path.basename(root)];
  const out: string[] = [];
  const walk = async (dir: string, rel: string) => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name)) await walk(path.join(dir, e.name), rel ? `${rel}/${e.name}` : e.name);
      } else if (e.isFile() && IAC_FILE.test(e.name) && !/^package(-lock)?\.json$|tsconfig.*\.json$/.test(e.name)) {
        out.push(rel ? `${rel}/${e.name}` : e.name);
      }
    }
  };
  await walk(root, '');
  return out.sort();
}

/** Reads the files (skipping oversized ones), reporting progress every `every` files. */
export async function readSources(root: string, rels: string[], onProgress?: (done: number, total: number) => void, every = 500): Promise<SourceFile[]> {
  const base = (await stat(root)).isFile() ? path.dirname(root) : root;
  const out: SourceFile[] = [];
  let done = 0;
  for (const rel of rels) {
    const full = path.join(base, rel);
    const s = await stat(full);
    if (s.size <= MAX_BYTES) out.push({ path: rel, content: await readFile(full, 'utf8') });
    if (++done % every === 0) onProgress?.(done, rels.length);
  }
  onProgress?.(done, rels.length);
  return out;
}

/**
 * Reads `rel` under `base` only if the file actually opened lies inside `base`: a file or folder swapped for a
 * symlink after the listing (to reach outside an allowed root) is refused, not read. Linux names the opened
 * file in /proc/self/fd; elsewhere O_NOFOLLOW still refuses a swapped final component.
 */
export async function readConfined(base: string, rel: string): Promise<{ content: string; size: number } | undefined> {
  const realBase = await realpath(base);
  const handle = await open(path.join(realBase, rel), constants.O_RDONLY | constants.O_NOFOLLOW).catch(() => undefined);
  if (!handle) return undefined;
  try {
    const opened = await realpath(`/proc/self/fd/${handle.fd}`).catch(() => undefined);
    if (opened !== undefined && !opened.startsWith(realBase + path.sep)) return undefined;
    const info = await handle.stat();
    if (!info.isFile()) return undefined;
    return { content: await handle.readFile('utf8'), size: info.size };
  } finally {
    await handle.close();
  }
}
