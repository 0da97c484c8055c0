import { loadConfig, type AegisConfig } from '../config/index.js';
import { AegisError } from '../platform/errors.js';
import { parseCommandArgs, type CliContext, type Command } from './command.js';
import { detectCommand } from './commands/detect.js';
import { iacRules, iacScan } from './commands/iac.js';
import { incidentsList, incidentsShow } from './commands/incidents.js';
import { rcaCommand } from './commands/rca.js';
import { startCommand } from './commands/server.js';
import { simInject, simServe, simStatusCommand } from './commands/sim.js';
import { tokenCreate, tokenList, tokenRevoke } from './commands/tokens.js';

export const COMMANDS: Command[] = [
  startCommand,
  tokenCreate,
  tokenList,
  tokenRevoke,
  incidentsList,
  incidentsShow,
  detectCommand,
  rcaCommand,
  iacScan,
  iacRules,
  simServe,
  simInject,
  simStatusCommand,
];

function help(commands: Command[]): string {
  const width = Math.max(...commands.map((c) => c.usage.length));
  return [
    'Usage: aegis <command> [options]',
    '',
    ...commands.map((c) => `  ${c.usage.padEnd(width)}  ${c.summary}`),
  ].join('\n');
}

/** Finds the command whose words prefix argv most specifically. */
function resolve(commands: Command[], argv: string[]): { command: Command; rest: string[] } | undefined {
  const matches = commands
    .filter((c) => c.words.every((w, i) => argv[i] === w))
    .sort((a, b) => b.words.length - a.words.length);
  const command = matches[0];
  return command ? { command, rest: argv.slice(command.words.length) } : undefined;
}

export async function main(argv: string[], ctxOverrides: Partial<CliContext> = {}): Promise<number> {
  const env = ctxOverrides.env ?? process.env;
  let config: AegisConfig | undefined;
  const ctx: CliContext = {
    env,
    out: (t) => process.stdout.write(t + '\n'),
    err: (t) => process.stderr.write(t + '\n'),
    config: () => (config ??= loadConfig(env, { cwd: process.cwd() })),
    ...ctxOverrides,
  };
  if (argv.length === 0 || argv[0] === 'help' || argv[0] === '--help' || argv[0] === '-h') {
    ctx.out(help(COMMANDS));
    return 0;
  }
  const found = resolve(COMMANDS, argv);
  if (!found) {
    ctx.err(`aegis: unknown command "${argv.join(' ')}"\n\n${help(COMMANDS)}`);
    return 2;
  }
  if (found.rest.includes('--help')) {
    ctx.out(`${found.command.usage}\n  ${found.command.summary}`);
    return 0;
  }
  try {
    return await found.command.run(parseCommandArgs(found.command, found.rest), ctx);
  } catch (err) {
    const usage = (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    ctx.err(
      `aegis: ${err instanceof Error ? err.message : String(err)}${usage ? `\nusage: ${found.command.usage}` : ''}`,
    );
    return err instanceof AegisError || usage ? 2 : 1;
  }
}
