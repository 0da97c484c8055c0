import type { CliBackend } from './backend.js';
import type { CliContext } from './command.js';
import { readServerFile } from './discovery.js';

/**
 * Where commands go: AEGIS_URL (+ AEGIS_TOKEN) when set; else the server running on this $AEGIS_HOME,
 * found through the address and CLI token it wrote there; else the configured store, opened directly.
 */
export async function openCliBackend(ctx: CliContext): Promise<CliBackend> {
  const config = ctx.config();
  const { httpBackend, localBackend } = await import('./backend.js');
  if (config.AEGIS_URL) return httpBackend(config.AEGIS_URL, config.AEGIS_TOKEN);
  const running = await readServerFile(config.AEGIS_HOME);
  if (running) return httpBackend(running.url, running.token);
  return localBackend(config);
}
