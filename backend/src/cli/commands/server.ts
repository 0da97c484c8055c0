import { startAegis } from '../../main.js';
import { configureFailpoints } from '../../platform/failpoints.js';
import type { Command } from '../command.js';
import { removeServerFile, writeServerFile } from '../discovery.js';

const CLI_TOKEN_NAME = 'cli (local server file)';

export const startCommand: Command = {
  words: ['start'],
  usage: 'aegis start',
  summary: 'Run the Aegis server (embedded store and simulated cluster unless configured otherwise)',
  async run(_args, ctx) {
    const config = ctx.config();
    // Testing only: crash points armed by AEGIS_FAILPOINTS; the line names the point, the crash leaves no other trace.
    const armed = configureFailpoints(config.AEGIS_FAILPOINTS, { onFire: (name) => ctx.err(`failpoint ${name}: killing the process (SIGKILL)`) });
    if (armed.length) ctx.err(`failpoints armed (testing only): ${armed.join(', ')}`);
    const handle = await startAegis({ config, print: ctx.out });
    const announced = await announce(handle, config.AEGIS_HOME);
    ctx.out(`CLI: \`npm run aegis -- incidents list\` (or backend/bin/aegis.mjs) finds this server through ${announced}`);
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    handle.logger.info('shutting down');
    await removeServerFile(config.AEGIS_HOME);
    await revokeCliTokens(handle).catch(() => undefined);
    await handle.close();
    return 0;
  },
};

/** A fresh CLI token in $AEGIS_HOME/server.json; the previous run's (if it died without cleaning up) is revoked. */
async function announce(handle: Awaited<ReturnType<typeof startAegis>>, home: string): Promise<string> {
  await revokeCliTokens(handle);
  const { secret } = await handle.store.tokens.create({ name: CLI_TOKEN_NAME, role: 'admin', createdBy: 'aegis start' });
  return writeServerFile(home, { url: handle.url, token: secret, pid: process.pid });
}

async function revokeCliTokens(handle: Awaited<ReturnType<typeof startAegis>>) {
  for (const t of await handle.store.tokens.list()) if (t.name === CLI_TOKEN_NAME && !t.revoked_at) await handle.store.tokens.revoke(t.id);
}
