import { describe, expect, it } from 'vitest';
import { BUILTIN_RULES } from '../catalog/index.js';
import { createIacScanner } from '../engine/scanner.js';
import { toSarif } from './sarif.js';

const scanner = await createIacScanner({ rules: BUILTIN_RULES });

// Two containers and two hostPath volumes on one workload, as in kubernetes-goat.
const POD = `apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  containers:
  - name: a
    image: nginx:1
    securityContext: {privileged: true}
    volumeMounts: [{name: root, mountPath: /host}, {name: docker, mountPath: /var/run/docker.sock}]
  - name: b
    image: nginx:1
    securityContext: {privileged: true}
  volumes:
  - name: root
    hostPath: {path: /}
  - name: docker
    hostPath: {path: /var/run/docker.sock}
`;

describe('SARIF for GitHub code scanning', () => {
  it('gives every result its own fingerprint (containers, hostPaths and rules on one resource)', () => {
    const res = scanner.scan([{ path: 'k8s/pod.yaml', content: POD }]);
    const sarif = toSarif(res.findings, BUILTIN_RULES);
    const results = sarif.runs[0]?.results ?? [];
    expect(results.filter((r) => r.ruleId === 'k8s-container-privileged')).toHaveLength(2);
    const prints = results.map((r) => r.partialFingerprints['aegis/v2']);
    expect(new Set(prints).size).toBe(results.length);
    // Stable across runs and independent of line numbers.
    const shifted = scanner.scan([{ path: 'k8s/pod.yaml', content: `# moved\n${POD}` }]);
    expect(toSarif(shifted.findings, BUILTIN_RULES).runs[0]?.results.map((r) => r.partialFingerprints['aegis/v2']).sort()).toEqual([...prints].sort());
  });

  it('writes URIs relative to the repository root, percent-encoded, with the root as a base id', () => {
    const res = scanner.scan([{ path: 'my s3#1.tf', content: 'resource "aws_s3_bucket" "b" {\n  acl = "public-read"\n}\n' }]);
    const sarif = toSarif(res.findings, BUILTIN_RULES, { uriPrefix: 'infra/prod', repoRoot: '/srv/example-repo' });
    const loc = sarif.runs[0]?.results[0]?.locations[0]?.physicalLocation.artifactLocation;
    expect(loc).toEqual({ uri: 'infra/prod/my%20s3%231.tf', uriBaseId: '%SRCROOT%' });
    expect(sarif.runs[0]?.originalUriBaseIds).toEqual({ '%SRCROOT%': { uri: 'file:///srv/example-repo/' } });
  });

  it('gives rules a helpUri from their references and tags only security rules as security', () => {
    const res = scanner.scan([
      { path: 'a.tf', content: 'resource "aws_s3_bucket" "b" {\n  acl = "public-read"\n  versioning {\n    enabled = false\n  }\n}\n' },
      { path: 'b.tf', content: 'resource "aws_s3_bucket" "b" {\n' },
      { path: 'd.yaml', content: 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  replicas: 1\n  template:\n    spec:\n      containers:\n      - name: a\n        image: nginx:1\n' },
    ]);
    const sarif = toSarif(res.findings, BUILTIN_RULES, { informationUri: 'https://example.org/aegis' });
    const driver = sarif.runs[0]?.tool.driver;
    expect(driver?.informationUri).toBe('https://example.org/aegis');
    expect(toSarif(res.findings, BUILTIN_RULES).runs[0]?.tool.driver).not.toHaveProperty('informationUri');
    const rules = driver?.rules ?? [];
    for (const r of rules) {
      expect(r.helpUri ?? 'https://none', r.id).toMatch(/^https:\/\//);
      const security = r.properties.tags.includes('security');
      const meta = BUILTIN_RULES.find((b) => b.id === r.id);
      expect(security, r.id).toBe((meta?.category ?? 'reliability') === 'security');
      if (!security) expect(r.properties, r.id).not.toHaveProperty('security-severity');
    }
    const parse = rules.find((r) => r.id === 'iac-parse-error');
    expect(parse?.properties.tags).toContain('reliability');
    expect(rules.find((r) => r.id === 'aws-s3-bucket-versioning-disabled')?.helpUri).toBe('https://avd.aquasec.com/misconfig/avd-aws-0090');
  });
});
