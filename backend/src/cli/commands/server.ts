import { startAegis } from '../../main.js';
import { configureFailpoints } from '../../platform/failpoints.js';
import type { Command } from '../command.js';

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
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    handle.logger.info('shutting down');
    await handle.close();
    return 0;
  },
};
