// Writes (or, with --check, compares) the checked-in copy of the backend's OpenAPI document that the
// plugins generate their API types from. The document comes from the real composition root.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../backend/src/config/index.js';
import { startAegis } from '../../backend/src/main.js';
import { silentLogger } from '../../backend/src/platform/logger.js';

export const OPENAPI_COPY = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../api/openapi.json');

/** Boots the backend on a free port with a throwaway home and returns its OpenAPI document as text. */
export async function liveOpenApiText(): Promise<string> {
  const home = await mkdtemp(path.join(tmpdir(), 'aegis-openapi-'));
  const handle = await startAegis({
    config: loadConfig({ AEGIS_HOME: home, AEGIS_PORT: '0', AEGIS_SIMULATOR: 'false' }, { cwd: home }),
    logger: silentLogger,
  });
  try {
    const token = handle.bootstrapAdminToken ?? '';
    const res = await fetch(`${handle.url}/api/openapi.json`, { headers: { authorization: `Bearer ${token}` } });
    if (!res.ok) throw new Error(`GET /api/openapi.json answered ${res.status}`);
    return JSON.stringify(await res.json(), null, 2) + '\n';
  } finally {
    await handle.close();
    await rm(home, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const live = await liveOpenApiText();
  if (process.argv.includes('--check')) {
    const copy = await readFile(OPENAPI_COPY, 'utf8').catch(() => '');
    if (copy !== live) {
      console.error(`${OPENAPI_COPY} is stale: run npm run api:sync`);
      process.exit(1);
    }
    console.log('openapi copy is in sync');
  } else {
    await writeFile(OPENAPI_COPY, live);
    console.log(`wrote ${OPENAPI_COPY}`);
  }
  process.exit(0);
}
