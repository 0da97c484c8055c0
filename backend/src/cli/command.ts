import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { AegisConfig } from '../config/index.js';

export interface CliContext {
  config: () => AegisConfig;
  out: (text: string) => void;
  err: (text: string) => void;
  env: NodeJS.ProcessEnv;
}

/** One CLI command, addressed by words (`token create`); capabilities add their own files under commands/. */
export interface Command {
  words: string[];
  usage: string;
  summary: string;
  options?: ParseArgsConfig['options'];
  /** Resolves to the exit code. */
  run(
    args: { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] },
    ctx: CliContext,
  ): Promise<number>;
}

export function parseCommandArgs(command: Command, argv: string[]) {
  const parsed = parseArgs({ args: argv, options: command.options ?? {}, allowPositionals: true, strict: true });
  return {
    values: parsed.values as Record<string, string | boolean | string[] | undefined>,
    positionals: parsed.positionals,
  };
}
