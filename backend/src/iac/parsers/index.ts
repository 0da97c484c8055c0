import type { Framework } from '../model.js';

export { parseCloudFormation } from './cloudformation.js';
export { parseKubernetes, type ParsedFile } from './kubernetes.js';
export { createHclParser, type HclParser } from './terraform/hcl.js';
export { evaluateRoot, isLocalSource, localModuleDir, localModuleDirs, type TfDir } from './terraform/project.js';
export type { HclFile } from './terraform/ast.js';

export type FileKind = Framework | 'tfvars';

const YAML_EXT = /\.(ya?ml|json|template)$/i;

// Each starts only where it can match (after a non-word character, at a line start): `\s*` or `[A-Za-z0-9]+` free to
// start anywhere backtracks quadratically over a long run of spaces or letters (seconds for one 20 kB line).
const CFN_TYPE = /(?<![A-Za-z0-9])[A-Za-z0-9]+::[A-Za-z0-9]+::/;
const RESOURCES_KEY = /^[ \t]*"?Resources"?[ \t]*:/m;
const API_VERSION_KEY = /^[ \t]*"?apiVersion"?[ \t]*:/m;
const KIND_KEY = /^[ \t]*"?kind"?[ \t]*:/m;

/** Which parser a file needs, from its name and (for YAML/JSON) a sniff of its content; undefined = not IaC. */
export function classifyFile(path: string, content: string): FileKind | undefined {
  const lower = path.toLowerCase();
  if (lower.endsWith('.tf')) return 'terraform';
  if (lower.endsWith('.tfvars')) return /(^|\/)terraform\.tfvars$|\.auto\.tfvars$/.test(lower) ? 'tfvars' : undefined;
  if (lower.endsWith('.tf.json') || lower.endsWith('.tfvars.json') || !YAML_EXT.test(lower)) return undefined;
  const head = content.length > 20_000 ? content.slice(0, 20_000) : content;
  if (head.includes('::') && CFN_TYPE.test(head) && RESOURCES_KEY.test(head)) return 'cloudformation';
  if (head.includes('AWSTemplateFormatVersion')) return 'cloudformation';
  if (API_VERSION_KEY.test(head) && KIND_KEY.test(head)) return 'kubernetes';
  return undefined;
}
