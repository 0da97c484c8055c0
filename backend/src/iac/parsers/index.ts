import type { Framework } from '../model.js';

export { parseCloudFormation } from './cloudformation.js';
export { parseKubernetes, type ParsedFile } from './kubernetes.js';
export { createHclParser, type HclParser } from './terraform/hcl.js';
export { evaluateRoot, localModuleDirs, type TfDir } from './terraform/project.js';
export type { HclFile } from './terraform/ast.js';

export type FileKind = Framework | 'tfvars';

const YAML_EXT = /\.(ya?ml|json|template)$/i;

/** Which parser a file needs, from its name and (for YAML/JSON) a sniff of its content; undefined = not IaC. */
export function classifyFile(path: string, content: string): FileKind | undefined {
  const lower = path.toLowerCase();
  if (lower.endsWith('.tf')) return 'terraform';
  if (lower.endsWith('.tfvars')) return /(^|\/)terraform\.tfvars$|\.auto\.tfvars$/.test(lower) ? 'tfvars' : undefined;
  if (lower.endsWith('.tf.json') || lower.endsWith('.tfvars.json') || !YAML_EXT.test(lower)) return undefined;
  const head = content.length > 20_000 ? content.slice(0, 20_000) : content;
  if (head.includes('::') && /[A-Za-z0-9]+::[A-Za-z0-9]+::/.test(head) && /(^|\n)\s*"?Resources"?\s*:/.test(head)) return 'cloudformation';
  if (head.includes('AWSTemplateFormatVersion')) return 'cloudformation';
  if (/(^|\n)\s*"?apiVersion"?\s*:/.test(head) && /(^|\n)\s*"?kind"?\s*:/.test(head)) return 'kubernetes';
  return undefined;
}
