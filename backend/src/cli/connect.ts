import { httpBackend, localBackend, type CliBackend } from './backend.js';
import type { CliContext } from './command.js';

/** A running server is reached through AEGIS_URL; without it the CLI opens the configured store itself. */
export async function openCliBackend(ctx: CliContext): Promise<CliBackend> {
  const config = ctx.config();
  if (config.AEGIS_URL) return httpBackend(config.AEGIS_URL, config.AEGIS_TOKEN);
  return localBackend(config);
}
