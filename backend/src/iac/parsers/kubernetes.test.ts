import { describe, expect, it } from 'vitest';
import { BUILTIN_RULES } from '../catalog/index.js';
import { createIacScanner } from '../engine/scanner.js';
import { parseKubernetes } from './kubernetes.js';

const MULTI = `# Source: shop/templates/web.yaml
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
spec:
  type: NodePort
  selector: { app: web }
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: broken
  labels: [unclosed
---
# Source: shop/templates/job.yaml
apiVersion: batch/v1
kind: CronJob
metadata:
  name: nightly
  namespace: shop
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          hostPID: true
          containers:
            - name: job
              image: busybox:1.36
`;

describe('Kubernetes parser', () => {
  it('reports a broken document in the middle and scans the others', async () => {
    const { resources, errors } = parseKubernetes('all.yaml', MULTI);
    expect(resources.map((r) => r.address)).toEqual(['Service/shop/web', 'CronJob/shop/nightly']);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.line).toBeGreaterThanOrEqual(11);
    expect(errors[0]?.line).toBeLessThanOrEqual(16);
    expect(errors[0]?.message).toContain("line 10");
    const res = (await createIacScanner({ rules: BUILTIN_RULES })).scan([{ path: 'all.yaml', content: MULTI }]);
    expect(res.findings.some((f) => f.ruleId === 'k8s-service-nodeport' && f.line === 8)).toBe(true);
    const pid = res.findings.find((f) => f.ruleId === 'k8s-pod-host-pid');
    expect(pid?.resource).toBe('CronJob/shop/nightly');
    expect(pid?.line).toBe(29);
    expect(res.parseErrors).toHaveLength(1);
  });

  it('splits List kinds into their items', () => {
    const list = 'apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: ConfigMap\n    metadata: { name: a }\n  - apiVersion: v1\n    kind: Secret\n    metadata: { name: b }\n';
    const { resources } = parseKubernetes('l.yaml', list);
    expect(resources.map((r) => `${r.kind}:${r.span.line}`)).toEqual(['ConfigMap:4', 'Secret:7']);
  });
});
