import type { Command } from './command.js';
import * as detect from './commands/detect.js';
import * as iac from './commands/iac.js';
import * as incidents from './commands/incidents.js';
import * as rca from './commands/rca.js';
import * as server from './commands/server.js';
import * as sim from './commands/sim.js';
import * as tokens from './commands/tokens.js';

/** Every command, with the module that exports it: the compiled CLI loads only the module of the command it runs. */
export interface RegistryEntry {
  module: string;
  exportName: string;
  command: Command;
}

function entries(module: string, ns: Record<string, unknown>, names: string[]): RegistryEntry[] {
  return names.map((exportName) => ({ module, exportName, command: ns[exportName] as Command }));
}

export const REGISTRY: RegistryEntry[] = [
  ...entries('./commands/server.js', server, ['startCommand']),
  ...entries('./commands/tokens.js', tokens, ['tokenCreate', 'tokenList', 'tokenRevoke']),
  ...entries('./commands/incidents.js', incidents, ['incidentsList', 'incidentsShow', 'incidentsAck', 'incidentsResolve', 'incidentsNote']),
  ...entries('./commands/detect.js', detect, ['detectCommand']),
  ...entries('./commands/rca.js', rca, ['rcaCommand']),
  ...entries('./commands/iac.js', iac, ['iacScan', 'iacRules']),
  ...entries('./commands/sim.js', sim, ['simServe', 'simInject', 'simStatusCommand', 'simConformance']),
];

export const COMMANDS: Command[] = REGISTRY.map((e) => e.command);

/** What `--help` and dispatch need without loading any command module (written next to the compiled CLI). */
export function catalogOf(registry: RegistryEntry[]) {
  return registry.map(({ module, exportName, command: c }) => ({ module, exportName, words: c.words, usage: c.usage, summary: c.summary, options: c.options ?? {} }));
}
