import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILTIN_RULES } from '../catalog/index.js';
import { toSarif } from '../output/sarif.js';
import { selectRules } from './config.js';
import { loadCustomRules } from './custom.js';
import { createIacScanner } from './scanner.js';

const scanner = () => createIacScanner({ rules: BUILTIN_RULES });

describe('suppressions', () => {
  it('honours an inline HCL comment with a reason, and only for the named rule', async () => {
    const tf = (comment: string) => `resource "aws_s3_bucket" "b" {\n  ${comment}\n  acl = "public-read"\n}\n`;
    const s = await scanner();
    const kept = s.scan([
      { path: 'a.tf', content: tf('# aegis:ignore=aws-s3-bucket-acl-public-read static site behind CloudFront') },
    ]);
    expect(kept.findings.some((f) => f.ruleId === 'aws-s3-bucket-acl-public-read')).toBe(false);
    expect(kept.suppressed.find((x) => x.finding.ruleId === 'aws-s3-bucket-acl-public-read')?.reason).toBe(
      'static site behind CloudFront',
    );
    expect(kept.findings.some((f) => f.ruleId === 'aws-s3-bucket-versioning-disabled')).toBe(true);
    const noReason = s.scan([{ path: 'b.tf', content: tf('# aegis:ignore=aws-s3-bucket-acl-public-read') }]);
    expect(noReason.findings.some((f) => f.ruleId === 'aws-s3-bucket-acl-public-read')).toBe(true);
  });

  it('honours the Kubernetes annotation and CloudFormation Metadata', async () => {
    const s = await scanner();
    const k8s = s.scan([
      {
        path: 'svc.yaml',
        content:
          'apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n  namespace: a\n  annotations:\n    aegis.io/ignore-k8s-service-nodeport: "bare-metal cluster without load balancers"\nspec:\n  type: NodePort\n',
      },
    ]);
    expect(k8s.findings.some((f) => f.ruleId === 'k8s-service-nodeport')).toBe(false);
    expect(k8s.suppressed).toHaveLength(1);
    const cfn = s.scan([
      {
        path: 't.yaml',
        content:
          'Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Metadata:\n      aegis:\n        ignore:\n          - rule: cfn-s3-bucket-acl-public-read\n            reason: public website assets\n    Properties:\n      AccessControl: PublicRead\n',
      },
    ]);
    expect(cfn.findings.some((f) => f.ruleId === 'cfn-s3-bucket-acl-public-read')).toBe(false);
    expect(cfn.suppressed.map((x) => x.reason)).toContain('public website assets');
  });
});

describe('SARIF output', () => {
  it('carries the fields SARIF 2.1.0 requires and GitHub code scanning reads', async () => {
    const res = (await scanner()).scan([
      { path: 'infra/a.tf', content: 'resource "aws_s3_bucket" "b" {\n  acl = "public-read"\n}\n' },
    ]);
    const sarif = toSarif(res.findings, BUILTIN_RULES);
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.$schema).toMatch(/sarif/);
    expect(sarif.runs).toHaveLength(1);
    const run = sarif.runs[0];
    expect(run?.tool.driver.name).toBe('aegis-iac');
    const ruleIds = run?.tool.driver.rules.map((r) => r.id) ?? [];
    expect(run?.results.length).toBe(res.findings.length);
    for (const r of run?.results ?? []) {
      expect(typeof r.message.text).toBe('string');
      expect(ruleIds[r.ruleIndex]).toBe(r.ruleId);
      expect(['error', 'warning', 'note']).toContain(r.level);
      const loc = r.locations[0]?.physicalLocation;
      expect(loc?.artifactLocation.uri).toBe('infra/a.tf');
      expect(loc?.region.startLine).toBeGreaterThanOrEqual(1);
      expect(loc?.region.endLine).toBeGreaterThanOrEqual(loc?.region.startLine ?? 1);
    }
    for (const rule of run?.tool.driver.rules ?? []) {
      expect(rule.shortDescription.text.length).toBeGreaterThan(0);
      if (rule.properties.tags.includes('security')) expect(rule.properties['security-severity']).toMatch(/^\d+\.\d$/);
    }
  });
});

describe('custom YAML rules and configuration', () => {
  it('loads a rule from a folder and runs it beside the built-ins', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'aegis-rules-'));
    await writeFile(
      path.join(dir, 'owner-tag.yaml'),
      [
        'id: aws-s3-bucket-owner-tag-missing',
        'title: Bucket without an owner tag',
        'description: Every bucket names the team that owns it.',
        'severity: low',
        'category: cost',
        'framework: terraform',
        'kinds: [aws_s3_bucket]',
        'remediation: Add tags.owner.',
        'require:',
        '  - { path: tags.owner, op: exists }',
        '  - { path: acl, op: notIn, value: [public-read, public-read-write] }',
      ].join('\n'),
    );
    const custom = await loadCustomRules(dir);
    const s = await createIacScanner({ rules: [...BUILTIN_RULES, ...custom] });
    const res = s.scan([
      {
        path: 'a.tf',
        content:
          'resource "aws_s3_bucket" "a" {\n  tags = { owner = "data" }\n}\nresource "aws_s3_bucket" "b" {\n  acl = "public-read"\n}\n',
      },
    ]);
    const hits = res.findings.filter((f) => f.ruleId === 'aws-s3-bucket-owner-tag-missing');
    expect(hits.map((h) => `${h.resource}:${h.line}`)).toEqual(['aws_s3_bucket.b:4', 'aws_s3_bucket.b:5']);
  });

  it('rejects a custom rule with a bad id or remediation', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'aegis-rules-'));
    await writeFile(
      path.join(dir, 'bad.yaml'),
      'id: Bad_Id\ntitle: t\ndescription: d\nseverity: low\ncategory: cost\nframework: terraform\nkinds: [x]\nremediation: no dot\nrequire: [{ path: a, op: exists }]\n',
    );
    await expect(loadCustomRules(dir)).rejects.toThrow(/kebab-case|end with/);
  });

  it('applies packs, disabled rules and severity overrides', () => {
    const rules = selectRules(BUILTIN_RULES, {
      packs: ['kubernetes'],
      disable: ['k8s-service-nodeport'],
      severity: { 'k8s-pod-host-pid': 'critical' },
    });
    expect(rules.every((r) => r.frameworks[0] === 'kubernetes')).toBe(true);
    expect(rules.some((r) => r.id === 'k8s-service-nodeport')).toBe(false);
    expect(rules.find((r) => r.id === 'k8s-pod-host-pid')?.severity).toBe('critical');
    expect(() => selectRules(BUILTIN_RULES, { packs: ['nope'] })).toThrow(/unknown rule pack/);
  });
});

describe('incremental scanning', () => {
  it('re-parses only the changed file and re-evaluates the module roots that use it', async () => {
    const s = await scanner();
    const files = [
      {
        path: 'k8s/a.yaml',
        content: 'apiVersion: v1\nkind: Service\nmetadata: { name: a, namespace: x }\nspec: { type: NodePort }\n',
      },
      {
        path: 'k8s/b.yaml',
        content: 'apiVersion: v1\nkind: Service\nmetadata: { name: b, namespace: x }\nspec: { type: ClusterIP }\n',
      },
      { path: 'live/main.tf', content: 'module "m" {\n  source = "../mod"\n}\n' },
      { path: 'other/main.tf', content: 'resource "aws_ebs_volume" "o" {\n  encrypted = true\n}\n' },
      { path: 'mod/main.tf', content: 'resource "aws_ebs_volume" "v" {\n  encrypted = true\n}\n' },
    ];
    const first = s.scan(files);
    expect(first.stats.filesParsed).toBe(5);
    const again = s.scan(files);
    expect(again.stats.filesParsed).toBe(0);
    expect(again.stats.unitsEvaluated).toBe(0);
    expect(again.findings).toEqual(first.findings);

    const yamlChange = files.map((f) =>
      f.path === 'k8s/b.yaml' ? { ...f, content: f.content.replace('ClusterIP', 'NodePort') } : f,
    );
    const third = s.scan(yamlChange);
    expect(third.stats.filesParsed).toBe(1);
    expect(third.stats.unitsEvaluated).toBe(1);
    expect(third.findings.filter((f) => f.ruleId === 'k8s-service-nodeport')).toHaveLength(2);

    const modChange = yamlChange.map((f) =>
      f.path === 'mod/main.tf' ? { ...f, content: f.content.replace('true', 'false') } : f,
    );
    const fourth = s.scan(modChange);
    expect(fourth.stats.filesParsed).toBe(1);
    expect(fourth.stats.unitsEvaluated).toBe(1);
    expect(fourth.findings.find((f) => f.ruleId === 'aws-ebs-volume-unencrypted')?.resource).toBe(
      'module.m.aws_ebs_volume.v',
    );

    // A snapshot restores the cache in a new scanner (a fresh CLI run): nothing is parsed again.
    const snapshot = JSON.parse(JSON.stringify(s.exportCache()));
    const fresh = await scanner();
    expect(fresh.importCache(snapshot)).toBe(true);
    const restored = fresh.scan(modChange);
    expect(restored.stats.filesParsed).toBe(0);
    expect(restored.stats.unitsEvaluated).toBe(0);
    expect(restored.findings).toEqual(fourth.findings);
    const other = await createIacScanner({ rules: BUILTIN_RULES.slice(1) });
    expect(other.importCache(snapshot)).toBe(false);
  });
});

describe('files Aegis does not check', () => {
  it('warns about Terraform JSON configuration instead of dropping it silently (Checkov json_807 cdk.tf.json)', async () => {
    const s = await scanner();
    const res = s.scan([
      { path: 'cdk.tf.json', content: '{"resource": {"aws_s3_bucket": {"b": {"acl": "public-read"}}}}\n' },
      { path: 'terraform.tfvars.json', content: '{"region": "eu-west-1"}\n' },
      { path: 'data.json', content: '{"a": 1}\n' },
      { path: 'main.tf', content: 'resource "aws_ebs_volume" "v" {\n  encrypted = false\n}\n' },
    ]);
    expect(res.warnings.map((w) => [w.file, w.line, w.message])).toEqual([
      [
        'cdk.tf.json',
        1,
        'Terraform JSON configuration is not checked (only .tf files are); its resources and values are not scanned',
      ],
      [
        'terraform.tfvars.json',
        1,
        'Terraform JSON configuration is not checked (only .tf files are); its resources and values are not scanned',
      ],
    ]);
    expect(res.findings.map((f) => f.ruleId)).toContain('aws-ebs-volume-unencrypted');
  });
});
