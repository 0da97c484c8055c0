import { readFile } from 'node:fs/promises';
import type { AegisConfig, loadConfig as LoadConfig } from '../config/index.js';
import { parseCommandArgs, type CliContext, type Command } from './command.js';
import { commandHelp, commandList } from './help.js';
import type { catalogOf } from './registry.js';

type CatalogEntry = ReturnType<typeof catalogOf>[number];
interface Loaded extends CatalogEntry {
  load(): Promise<Command>;
}

/** The compiled CLI ships a catalog (dist/cli-catalog.json) so `--help` and dispatch load one command module, not all. */
async function commands(): Promise<Loaded[]> {
  try {
    const text = await readFile(new URL('../../cli-catalog.json', import.meta.url), 'utf8');
    const catalog = JSON.parse(text) as CatalogEntry[];
    return catalog.map((c) => ({ ...c, load: async () => (await import(new URL(c.module, import.meta.url).href))[c.exportName] as Command }));
  } catch {
    const { REGISTRY, catalogOf } = await import('./registry.js');
    const catalog = catalogOf(REGISTRY);
    return catalog.map((c, i) => ({ ...c, load: async () => (REGISTRY[i] as { command: Command }).command }));
  }
}

/** Finds the command whose words prefix argv most specifically. */
function resolve(all: Loaded[], argv: string[]): { command: Loaded; rest: string[] } | undefined {
  const matches = all.filter((c) => c.words.every((w, i) => argv[i] === w)).sort((a, b) => b.words.length - a.words.length);
  const command = matches[0];
  return command ? { command, rest: argv.slice(command.words.length) } : undefined;
}

const isHelp = (a: string | undefined) => a === '--help' || a === '-h' || a === 'help';

export async function main(argv: string[], ctxOverrides: Partial<CliContext> = {}): Promise<number> {
  const env = ctxOverrides.env ?? process.env;
  let config: AegisConfig | undefined;
  // Loaded once a command runs: `--help` needs no configuration.
  const loader: { loadConfig?: typeof LoadConfig } = {};
  const ctx: CliContext = {
    env,
    out: (t) => process.stdout.write(t + '\n'),
    err: (t) => process.stderr.write(t + '\n'),
    config: () => (config ??= (loader.loadConfig as typeof LoadConfig)(env, { cwd: process.cwd() })),
    ...ctxOverrides,
  };
  const all = await commands();
  if (argv.length === 0 || isHelp(argv[0])) {
    ctx.out(commandList(all));
    return 0;
  }
  const found = resolve(all, argv);
  if (!found) {
    // A group word alone (`aegis sim`, `aegis sim --help`) lists its commands.
    const group = all.filter((c) => c.words.length > 1 && c.words[0] === argv[0]);
    if (group.length && (argv.length === 1 || isHelp(argv[1]))) {
      ctx.out(commandList(group, `Usage: aegis ${argv[0]} <command> [options]`));
      return 0;
    }
    ctx.err(`aegis: unknown command "${argv.join(' ')}"\n\n${commandList(all)}`);
    return 2;
  }
  if (found.rest.some(isHelp)) {
    ctx.out(commandHelp(found.command));
    return 0;
  }
  loader.loadConfig = (await import('../config/index.js')).loadConfig;
  const command = await found.command.load();
  try {
    return await command.run(parseCommandArgs(command, found.rest), ctx);
  } catch (err) {
    const usage = (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    ctx.err(`aegis: ${err instanceof Error ? err.message : String(err)}${usage ? `\n${commandHelp(command)}` : ''}`);
    const { AegisError } = await import('../platform/errors.js');
    return err instanceof AegisError || usage ? 2 : 1;
  }
}
