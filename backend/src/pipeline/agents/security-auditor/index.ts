import { z } from 'zod';
import { defineAgent } from '../../agent.js';
import { liveManifests, scanLive, type ScannerProvider } from '../live-objects.js';
import { findSecrets } from './secrets.js';

export { findSecrets, shannonEntropy, type SecretFinding } from './secrets.js';

const finding = z.object({ kind: z.enum(['secret', 'iac', 'image']), severity: z.string(), rule: z.string(), target: z.string(), message: z.string() });
export const securityAuditorOutput = z.object({ findings: z.array(finding), scanned: z.object({ files: z.number(), objects: z.number() }), errors: z.array(z.string()), cve_lookup: z.string() });
export type SecurityAuditorOutput = z.infer<typeof securityAuditorOutput>;

/** Mutable tags and missing digests: the running code may not be what was reviewed. */
export function imageHygiene(image: string): string | undefined {
  const ref = image.split('@')[0] ?? image;
  const tag = /:([^:/]+)$/.exec(ref)?.[1];
  if (!tag) return 'no tag: resolves to :latest';
  if (tag === 'latest') return 'mutable :latest tag';
  if (/-(?:rc|alpha|beta|dev|snapshot)\b/i.test(tag)) return `pre-release tag ${tag}`;
  return undefined;
}

/**
 * Secrets in the changed files of the triggering push/deploy, the IaC engine's security rules on the
 * live deployments, and image tag hygiene. CVE lookup (OSV) is an optional integration, off here.
 */
export function createSecurityAuditorAgent(getScanner?: ScannerProvider) {
  return defineAgent({
    id: 'security-auditor',
    description: 'Secrets in changed files, IaC security rules on live objects, image tag hygiene.',
    input: z.object({ services: z.array(z.string()), namespace: z.string(), changed_files: z.array(z.object({ path: z.string(), content: z.string() })) }),
    output: securityAuditorOutput,
    timeoutMs: 30_000,
    async run({ services, namespace, changed_files }, ctx) {
      const findings: Array<z.infer<typeof finding>> = findSecrets(changed_files).map((s) => ({
        kind: 'secret' as const,
        severity: 'critical',
        rule: s.rule,
        target: `${s.file}:${s.line}`,
        message: `possible secret (${s.rule}): ${s.match}`,
      }));
      const live = await liveManifests(ctx.tools, services, namespace);
      const scan = await scanLive(getScanner, live.files);
      for (const f of scan?.findings ?? []) {
        if (f.category !== 'security') continue;
        findings.push({ kind: 'iac', severity: f.severity, rule: f.ruleId, target: `${f.kind}/${f.resource}`, message: f.message });
      }
      for (const [service, obj] of live.objects) {
        const containers = ((obj.spec as { template?: { spec?: { containers?: Array<{ name?: string; image?: string }> } } } | undefined)?.template?.spec?.containers ?? []);
        for (const c of containers) {
          const problem = c.image ? imageHygiene(c.image) : 'no image';
          if (problem) findings.push({ kind: 'image', severity: 'medium', rule: 'image-tag-hygiene', target: `${service}/${c.name ?? '?'}`, message: `${c.image ?? ''}: ${problem}` });
        }
      }
      return { findings, scanned: { files: changed_files.length, objects: live.objects.size }, errors: live.errors, cve_lookup: 'off (optional OSV integration not configured)' };
    },
  });
}
