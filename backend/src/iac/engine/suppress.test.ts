import { describe, expect, it } from 'vitest';
import { BUILTIN_RULES } from '../catalog/index.js';
import { createIacScanner } from './scanner.js';

const scanner = await createIacScanner({ rules: BUILTIN_RULES });
const scan = (path: string, content: string) => {
  const res = scanner.scan([{ path, content }]);
  return {
    rules: res.findings.map((f) => f.ruleId),
    suppressed: res.suppressed.map((s) => [s.finding.ruleId, s.reason]),
    warnings: res.warnings.map((w) => `${w.file}:${w.line}: ${w.message}`),
  };
};

const PUBLIC_BUCKET = (comment: string) => `resource "aws_s3_bucket" "b" {\n  ${comment}\n  acl = "public-read"\n}\n`;

describe('suppressions', () => {
  it('warns about a suppression without a reason or naming an unknown rule, and does not apply it', () => {
    const empty = scan('a.tf', PUBLIC_BUCKET('# aegis:ignore=aws-s3-bucket-acl-public-read'));
    expect(empty.rules).toContain('aws-s3-bucket-acl-public-read');
    expect(empty.warnings).toEqual([expect.stringMatching(/^a\.tf:1: suppression of aws-s3-bucket-acl-public-read on aws_s3_bucket\.b has no reason; ignored$/)]);
    const typo = scan('a.tf', PUBLIC_BUCKET('# aegis:ignore=aws-s3-bucket-acl-publc-read static site'));
    expect(typo.rules).toContain('aws-s3-bucket-acl-public-read');
    expect(typo.warnings).toEqual([expect.stringContaining('unknown rule id "aws-s3-bucket-acl-publc-read"')]);
    const k8s = scan('p.yaml', 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    aegis.io/ignore-k8s-pod-host-pid: ""\nspec:\n  hostPID: true\n  containers: []\n');
    expect(k8s.rules).toContain('k8s-pod-host-pid');
    expect(k8s.warnings).toEqual([expect.stringContaining('suppression of k8s-pod-host-pid on Pod/p has no reason')]);
  });

  it('honours checkov:skip comments and annotations through the rules\' Checkov references', () => {
    const res = scan('a.tf', PUBLIC_BUCKET('#checkov:skip=CKV_AWS_20:static website, reviewed'));
    expect(res.rules).not.toContain('aws-s3-bucket-acl-public-read');
    expect(res.suppressed).toContainEqual(['aws-s3-bucket-acl-public-read', 'static website, reviewed']);
    const unknown = scan('a.tf', PUBLIC_BUCKET('#checkov:skip=CKV_AWS_99999:why'));
    expect(unknown.warnings).toEqual([expect.stringContaining('no Aegis rule is equivalent to Checkov CKV_AWS_99999')]);
  });

  it('reads a Checkov custom policy id (a UUID with hyphens) and says it has no equivalent, not that the reason is missing', () => {
    // Checkov's custom_prefix_suppression fixture.
    const res = scan('a.tf', PUBLIC_BUCKET('# checkov:skip=CKV_CUSTOM_a12f9ef1-1234-5678-1234-1234d0225678: suppressed with original CKV prefix'));
    expect(res.warnings).toEqual([
      'a.tf:1: no Aegis rule is equivalent to Checkov CKV_CUSTOM_a12f9ef1-1234-5678-1234-1234d0225678; its suppression on aws_s3_bucket.b is ignored',
    ]);
  });

  it('honours cfn_nag and checkov Metadata on CloudFormation resources', () => {
    const res = scan(
      't.yaml',
      [
        'Resources:',
        '  SG:',
        '    Type: AWS::EC2::SecurityGroup',
        '    Metadata:',
        '      cfn_nag:',
        '        rules_to_suppress:',
        '          - id: W2',
        '            reason: public load balancer',
        '          - id: W28',
        '            reason: explicit name is fine',
        '    Properties:',
        '      GroupDescription: web',
        '      SecurityGroupIngress:',
        '        - {IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 0.0.0.0/0, Description: https}',
        '',
      ].join('\n'),
    );
    expect(res.rules).not.toContain('cfn-sg-ingress-open-to-world');
    expect(res.suppressed).toContainEqual(['cfn-sg-ingress-open-to-world', 'public load balancer']);
    expect(res.warnings).toEqual([expect.stringContaining('no Aegis rule is equivalent to cfn_nag W28')]);
  });

  it('honours kics-scan ignore-line (the next line) and ignore-block', () => {
    const line = scan('a.tf', PUBLIC_BUCKET('# kics-scan ignore-line'));
    expect(line.rules).not.toContain('aws-s3-bucket-acl-public-read');
    expect(line.suppressed).toContainEqual(['aws-s3-bucket-acl-public-read', 'kics-scan ignore-line']);
    const block = scan('a.tf', `# kics-scan ignore-block\n${PUBLIC_BUCKET('')}resource "aws_ebs_volume" "v" {\n  encrypted = false\n}\n`);
    expect(block.rules.filter((r) => r.startsWith('aws-s3'))).toEqual([]);
    expect(block.rules).toContain('aws-ebs-volume-unencrypted');
  });
});
