import { z } from 'zod';
import type { Rule } from '../../../iac/index.js';
import { defineAgent } from '../../agent.js';
import { liveManifests, scanLive, type ScannerProvider } from '../live-objects.js';
import { driftFromLastApplied } from './drift.js';

export { driftFromLastApplied, type Drift } from './drift.js';

export const complianceCheckerOutput = z.object({
  controls: z.array(z.object({ control: z.string(), failed: z.number(), findings: z.array(z.object({ rule: z.string(), target: z.string(), message: z.string(), severity: z.string() })) })),
  drift: z.array(z.object({ service: z.string(), path: z.string(), applied: z.unknown(), live: z.unknown() })),
  without_last_applied: z.array(z.string()),
  errors: z.array(z.string()),
});
export type ComplianceCheckerOutput = z.infer<typeof complianceCheckerOutput>;

/** IaC rules on the live objects reported by control id (CIS Kubernetes, SOC 2, GDPR), and drift from the last apply. */
export function createComplianceCheckerAgent(getScanner?: ScannerProvider, rules: () => Rule[] = () => []) {
  return defineAgent({
    id: 'compliance-checker',
    description: 'Compliance controls on the live objects, and drift from the last applied configuration.',
    input: z.object({ services: z.array(z.string()), namespace: z.string() }),
    output: complianceCheckerOutput,
    timeoutMs: 30_000,
    async run({ services, namespace }, ctx) {
      const live = await liveManifests(ctx.tools, services, namespace);
      const scan = await scanLive(getScanner, live.files);
      const controlsOf = new Map(rules().map((r) => [r.id, r.compliance]));
      const byControl = new Map<string, Array<{ rule: string; target: string; message: string; severity: string }>>();
      for (const f of scan?.findings ?? []) {
        for (const control of controlsOf.get(f.ruleId) ?? []) {
          const list = byControl.get(control) ?? [];
          list.push({ rule: f.ruleId, target: `${f.kind}/${f.resource}`, message: f.message, severity: f.severity });
          byControl.set(control, list);
        }
      }
      const drift = [];
      const without: string[] = [];
      for (const [service, obj] of live.objects) {
        const d = driftFromLastApplied(obj);
        if (!d.hasLastApplied) without.push(service);
        drift.push(...d.drift.map((x) => ({ service, ...x })));
      }
      const controls = [...byControl].map(([control, findings]) => ({ control, failed: findings.length, findings: findings.slice(0, 20) })).sort((a, b) => a.control.localeCompare(b.control));
      return { controls, drift, without_last_applied: without, errors: live.errors };
    },
  });
}
