import { startAegis } from '../../main.js';
import type { Command } from '../command.js';

export const startCommand: Command = {
  words: ['start'],
  usage: 'aegis start',
  summary: 'Run the Aegis server (embedded store and simulated cluster unless configured otherwise)',
  async run(_args, ctx) {
    const handle = await startAegis({ config: ctx.config(), print: ctx.out });
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
