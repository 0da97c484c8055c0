import type { Finding, SourceFile, Value } from '../model.js';
import { fixYamlFinding } from './yaml-edit.js';

/**
 * Rules whose machine fix is opinionated hardening: it may change how a working system behaves beyond closing the
 * finding (a read-only root filesystem, no API token, forced image pulls, a different volume type…). `--fix` leaves
 * them alone; `--fix-all` applies them too.
 */
export const HARDENING_FIXES: ReadonlyMap<string, string> = new Map([
  ['k8s-container-root-filesystem-writable', 'applications that write to their filesystem stop working'],
  ['k8s-container-privilege-escalation-allowed', 'setuid programs (sudo, ping on old images) stop working'],
  ['k8s-container-os-directory-mount-writable', 'the workload can no longer write to the mount'],
  ['k8s-pod-service-account-token-automounted', 'pods that call the Kubernetes API lose their token'],
  ['k8s-container-image-pull-policy-not-always', 'every start pulls from the registry'],
  ['k8s-deployment-single-replica', 'doubles the pods and their cost'],
  ['k8s-job-no-ttl-after-finished', 'finished Jobs and their logs are deleted after a day'],
  ['aws-ebs-volume-gp2', 'changes the volume performance profile'],
  ['aws-db-instance-gp2-storage', 'changes the storage performance profile'],
  ['cfn-ebs-volume-gp2', 'changes the volume performance profile'],
  ['cfn-rds-instance-gp2-storage', 'changes the storage performance profile'],
  ['aws-apigw-method-no-api-key', 'clients without an API key are refused'],
  ['cfn-apigw-stage-cache-disabled', 'responses are served from a cache'],
  ['cfn-ecr-tags-mutable', 'pipelines that re-push a tag fail'],
]);

/** Whether `--fix` (without `--fix-all`) may apply this finding's fix. */
export const isNeutralFix = (f: Finding): boolean => Boolean(f.fix) && !HARDENING_FIXES.has(f.ruleId);

/** Applies the machine fixes of `findings` to the files they point at; returns the changed files and what was applied. */
export function applyFixes(files: SourceFile[], findings: Finding[]): { files: SourceFile[]; applied: Finding[] } {
  const byFile = new Map<string, Finding[]>();
  for (const f of findings) if (f.fix) byFile.set(f.file, [...(byFile.get(f.file) ?? []), f]);
  const applied: Finding[] = [];
  const out = files.map((file) => {
    const list = byFile.get(file.path);
    if (!list?.length) return file;
    let content = file.content;
    // Bottom-up so the lines of findings not yet applied stay valid.
    for (const f of [...list].sort((a, b) => b.resourceLine - a.resourceLine || b.line - a.line)) {
      const next = f.framework === 'terraform' ? fixTerraform(content, f) : fixYamlFinding(content, f);
      if (next === undefined) continue;
      content = next;
      applied.push(f);
    }
    return content === file.content ? file : { path: file.path, content };
  });
  return { files: out, applied };
}

const hclLiteral = (v: Value | undefined): string =>
  typeof v === 'string' ? JSON.stringify(v) : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v ?? null);

/** Finds `{`…`}` of a block whose header line is `start` (0-based); returns the line of the closing brace. */
function blockEnd(lines: string[], start: number): number {
  let depth = 0;
  for (let i = start; i < lines.length; i++) {
    const text = (lines[i] ?? '').replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/#.*$/, '');
    for (const ch of text) {
      if (ch === '{') depth++;
      else if (ch === '}' && --depth === 0) return i;
    }
  }
  return lines.length - 1;
}

/** Sets one attribute inside a Terraform resource block by editing text: replace the value, or insert the line (and its blocks). */
export function fixTerraform(content: string, f: Finding): string | undefined {
  if (!f.fix) return undefined;
  const lines = content.split('\n');
  const segments = f.fix.path.split('.').filter((s) => !/^\d+$/.test(s));
  let start = f.resourceLine - 1;
  let end = blockEnd(lines, start);
  const indentOf = (i: number) => /^\s*/.exec(lines[i] ?? '')?.[0] ?? '';
  for (let k = 0; k < segments.length; k++) {
    const name = segments[k] ?? '';
    const last = k === segments.length - 1;
    const inner = indentOf(start) + '  ';
    let found = -1;
    let depth = 0;
    for (let i = start + 1; i < end; i++) {
      const line = lines[i] ?? '';
      if (depth === 0 && new RegExp(`^\\s*${name}\\s*(=|\\{)`).test(line)) {
        found = i;
        break;
      }
      depth += (line.match(/\{/g) ?? []).length - (line.match(/\}/g) ?? []).length;
    }
    if (last) {
      const line = lines[found] ?? '';
      const single = found >= 0 && /=/.test(line) && !/[{[(]\s*(#.*)?$/.test(line);
      // Only the value changes: alignment and a trailing comment stay.
      if (single) lines[found] = line.replace(/^(\s*[\w-]+\s*=\s*)(.*?)(\s*(?:#.*|\/\/.*)?)$/, (_m, head: string, _v: string, tail: string) => `${head}${hclLiteral(f.fix?.value)}${tail}`);
      else lines.splice(end, 0, `${inner}${name} = ${hclLiteral(f.fix.value)}`);
      return lines.join('\n');
    }
    if (found >= 0 && /\{\s*$/.test(lines[found] ?? '')) {
      start = found;
      end = blockEnd(lines, found);
      continue;
    }
    // Build the missing nested blocks in one go.
    const rest = segments.slice(k);
    const block: string[] = [];
    rest.forEach((seg, j) => {
      const pad = inner + '  '.repeat(j);
      block.push(j === rest.length - 1 ? `${pad}${seg} = ${hclLiteral(f.fix?.value)}` : `${pad}${seg} {`);
    });
    for (let j = rest.length - 2; j >= 0; j--) block.push(`${inner}${'  '.repeat(j)}}`);
    lines.splice(end, 0, ...block);
    return lines.join('\n');
  }
  return undefined;
}
