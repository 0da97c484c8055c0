import { describe, expect, it } from 'vitest';
import { BUILTIN_RULES } from '../catalog/index.js';
import { applyFixes, isNeutralFix } from './fix.js';
import { createIacScanner } from './scanner.js';
import { unifiedDiff } from './diff.js';

// Shaped like kubernetes-goat's system-monitor/deployment.yaml: the workload is not the first document.
const MULTI_DOC = `# system monitor
apiVersion: v1
kind: Secret
metadata:
  name: goat-flag
type: Opaque
data:
  flag: azhzLWdvYXQtY2QzZDdkYzY4ZmY5YjY4NmRmYzhmNmZkYmVmZjZlMmY=
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: monitor   # used by the agent
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: system-monitor-deployment
spec:
  selector:
    matchLabels: {app: system-monitor}
  template:
    metadata:
      labels: {app: system-monitor}
    spec:
      hostPID: true # needs the host's processes
      hostIPC: true
      containers:
      - name: system-monitor
        image: madhuakula/k8s-goat-system-monitor
        securityContext:
          allowPrivilegeEscalation: true
          privileged: true
        volumeMounts:
        - name: host-filesystem
          mountPath: /host-system
      volumes:
      - name: host-filesystem
        hostPath:
          path: /
`;

const scanner = await createIacScanner({ rules: BUILTIN_RULES });
const ids = (findings: Array<{ ruleId: string; resource: string }>) => findings.map((f) => `${f.ruleId} ${f.resource}`).sort();

describe('--fix', () => {
  it('edits the workload that is the third of three documents and nothing else', () => {
    const file = { path: 'deployment.yaml', content: MULTI_DOC };
    const before = scanner.scan([file]).findings;
    const neutral = before.filter(isNeutralFix);
    expect(neutral.map((f) => f.ruleId).sort()).toEqual(['k8s-container-privileged', 'k8s-pod-host-ipc', 'k8s-pod-host-pid']);
    const { files, applied } = applyFixes([file], neutral);
    expect(applied).toHaveLength(3);
    const fixed = files[0]?.content ?? '';
    // Only the three values changed; comments, flow maps and the other documents are as written.
    expect(unifiedDiff('deployment.yaml', MULTI_DOC, fixed)).toBe(
      [
        '--- a/deployment.yaml',
        '+++ b/deployment.yaml',
        '@@ -23,14 +23,14 @@',
        '     metadata:',
        '       labels: {app: system-monitor}',
        '     spec:',
        '-      hostPID: true # needs the host\'s processes',
        '-      hostIPC: true',
        '+      hostPID: false # needs the host\'s processes',
        '+      hostIPC: false',
        '       containers:',
        '       - name: system-monitor',
        '         image: madhuakula/k8s-goat-system-monitor',
        '         securityContext:',
        '           allowPrivilegeEscalation: true',
        '-          privileged: true',
        '+          privileged: false',
        '         volumeMounts:',
        '         - name: host-filesystem',
        '           mountPath: /host-system',
        '',
      ].join('\n'),
    );
    const after = scanner.scan(files).findings;
    expect(ids(after)).toEqual(ids(before.filter((f) => !applied.includes(f))));
    expect(after.filter((f) => f.resource.startsWith('Secret/'))).toEqual(before.filter((f) => f.resource.startsWith('Secret/')));
  });

  it('inserts a missing setting in the object\'s own indentation, keeping the comments around it', () => {
    const content = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n    containers:\n      - name: a   # main\n        image: nginx@sha256:abc\n        securityContext:\n          runAsNonRoot: true\n      # sidecar next\n';
    const file = { path: 'pod.yaml', content };
    const finding = scanner.scan([file]).findings.find((f) => f.ruleId === 'k8s-container-privilege-escalation-allowed');
    expect(finding?.fix).toBeDefined();
    expect(isNeutralFix(finding!)).toBe(false);
    const { files } = applyFixes([file], [finding!]);
    expect(files[0]?.content).toBe(content.replace('runAsNonRoot: true\n', 'runAsNonRoot: true\n          allowPrivilegeEscalation: false\n'));
  });

  it('sets a CloudFormation property with one changed line', () => {
    const content = 'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  Vol:\n    Type: AWS::EC2::Volume\n    Properties:\n      Size: 10 # GiB\n      Encrypted: false\n      AvailabilityZone: !Select [0, !GetAZs ""]\n';
    const file = { path: 'vol.yaml', content };
    const findings = scanner.scan([file]).findings.filter((f) => f.ruleId === 'cfn-ebs-volume-unencrypted');
    const { files } = applyFixes([file], findings);
    expect(files[0]?.content).toBe(content.replace('Encrypted: false', 'Encrypted: true'));
  });

  it('changes only the value of a Terraform attribute, keeping alignment and comments', () => {
    const content = 'resource "aws_ebs_volume" "v" {\n  size      = 10\n  encrypted = false # TODO\n}\n';
    const file = { path: 'main.tf', content };
    const findings = scanner.scan([file]).findings.filter((f) => f.ruleId === 'aws-ebs-volume-unencrypted');
    expect(applyFixes([file], findings).files[0]?.content).toBe(content.replace('false # TODO', 'true # TODO'));
  });
});

describe('unifiedDiff', () => {
  it('is empty for equal texts and shows separate hunks for distant changes', () => {
    expect(unifiedDiff('x', 'a\n', 'a\n')).toBe('');
    const a = Array.from({ length: 20 }, (_, i) => `l${i}`).join('\n') + '\n';
    const b = a.replace('l2\n', 'L2\n').replace('l17\n', 'l17\nnew\n');
    expect(unifiedDiff('f', a, b).split('\n').filter((l) => l.startsWith('@@'))).toEqual(['@@ -1,6 +1,6 @@', '@@ -16,5 +16,6 @@']);
  });
});
