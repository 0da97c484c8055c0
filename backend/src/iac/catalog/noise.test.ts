import { describe, expect, it } from 'vitest';
import { createIacScanner } from '../engine/scanner.js';
import { BUILTIN_RULES } from './index.js';

const scanner = await createIacScanner({ rules: BUILTIN_RULES });
const hits = (path: string, content: string, prefix = '') =>
  scanner
    .scan([{ path, content }])
    .findings.filter((f) => f.ruleId.startsWith(prefix))
    .map((f) => ({ rule: f.ruleId, severity: f.severity, line: f.line, message: f.message }));

describe('one problem, one finding', () => {
  it('flags a writable OS-directory mount only when the volume reaches outside the pod (hostPath)', () => {
    const pod = (volume: string) =>
      `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: a\n    image: nginx:1\n    volumeMounts:\n    - name: v\n      mountPath: /var/run/app\n  volumes:\n  - name: v\n    ${volume}\n`;
    for (const local of ['emptyDir: {}', 'configMap: {name: c}', 'persistentVolumeClaim: {claimName: data}', 'secret: {secretName: s}', 'projected: {sources: []}'])
      expect(hits('pod.yaml', pod(local), 'k8s-container-os-directory-mount-writable'), local).toEqual([]);
    expect(hits('pod.yaml', pod('hostPath: {path: /run/app}'), 'k8s-container-os-directory-mount-writable')).toHaveLength(1);
  });

  it('reports one finding for one CloudFormation ingress rule that several rules would flag', () => {
    const tpl = (props: string) =>
      `Resources:\n  SG:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      GroupDescription: web\n      SecurityGroupIngress:\n      - ${props}\n        Description: in\n`;
    const all = hits('sg.yaml', tpl('IpProtocol: "-1"\n        CidrIp: 0.0.0.0/0'), 'cfn-sg-');
    expect(all.map((h) => h.rule)).toEqual(['cfn-sg-ingress-all-protocols']);
    expect(all[0]?.severity).toBe('high');
    expect(all[0]?.message).toMatch(/also: /);
    const ssh = hits('sg.yaml', tpl('IpProtocol: tcp\n        FromPort: 22\n        ToPort: 22\n        CidrIp: 0.0.0.0/0'), 'cfn-sg-');
    expect(ssh.map((h) => h.rule)).toEqual(['cfn-sg-ssh-open']);
  });

  it('rates all-protocols ingress high only from public CIDRs', () => {
    const tpl = (cidr: string) =>
      `Resources:\n  SG:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      GroupDescription: web\n      SecurityGroupIngress:\n      - IpProtocol: "-1"\n        CidrIp: ${cidr}\n        Description: in\n`;
    expect(hits('sg.yaml', tpl('10.0.0.0/8'), 'cfn-sg-ingress-all-protocols').map((h) => h.severity)).toEqual(['low']);
    expect(hits('sg.yaml', tpl('0.0.0.0/0'), 'cfn-sg-ingress-all-protocols').map((h) => h.severity)).toEqual(['high']);
  });

  it('reports one finding for a CloudFormation bucket without a public-access block', () => {
    const bucket = 'Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: b\n';
    const found = hits('b.yaml', bucket).filter((h) => /public-(acls|buckets|policy)/.test(h.rule));
    expect(found).toHaveLength(1);
    const partial = `${bucket}      PublicAccessBlockConfiguration:\n        BlockPublicAcls: true\n        IgnorePublicAcls: false\n        BlockPublicPolicy: true\n        RestrictPublicBuckets: true\n`;
    expect(hits('b.yaml', partial).filter((h) => /public-(acls|buckets|policy)/.test(h.rule)).map((h) => h.rule)).toEqual(['cfn-s3-bucket-public-acls-not-ignored']);
  });

  it('does not call EKS secrets unencrypted when the encryption block depends on a value unknown before apply', () => {
    // terraform-aws-eks: `dynamic "encryption_config"` over a condition on an input with no default.
    const tf = (forEach: string, resources: string) =>
      `variable "outpost" {\n  type = any\n}\nvariable "enc" {\n  type    = any\n  default = { resources = ["secrets"] }\n}\nresource "aws_eks_cluster" "c" {\n  name     = "c"\n  role_arn = "arn"\n  dynamic "encryption_config" {\n    for_each = ${forEach}\n    content {\n      provider {\n        key_arn = "k"\n      }\n      resources = ${resources}\n    }\n  }\n}\n`;
    expect(hits('main.tf', tf('length(var.outpost) > 0 ? [var.enc] : []', 'encryption_config.value.resources'), 'aws-eks-cluster-secrets-unencrypted')).toEqual([]);
    expect(hits('main.tf', tf('[var.enc]', 'encryption_config.value.resources'), 'aws-eks-cluster-secrets-unencrypted')).toEqual([]);
    expect(hits('main.tf', tf('[1]', '["logs"]'), 'aws-eks-cluster-secrets-unencrypted')).toHaveLength(1);
  });

  it('does not call a default security group open when its rules come from a dynamic block over an unknown input', () => {
    // terraform-aws-vpc: `dynamic "ingress" { for_each = var.default_security_group_ingress … }`, the input not known.
    const tf = (body: string) => `variable "rules" {\n  type = any\n}\nresource "aws_default_security_group" "d" {\n  vpc_id = "v"\n${body}}\n`;
    const dynamic = '  dynamic "ingress" {\n    for_each = var.rules\n    content {\n      from_port = lookup(ingress.value, "from_port", 0)\n      protocol  = lookup(ingress.value, "protocol", "-1")\n    }\n  }\n';
    expect(hits('main.tf', tf(dynamic), 'aws-default-sg-allows-traffic')).toEqual([]);
    expect(hits('main.tf', tf('  ingress {\n    protocol  = "-1"\n    self      = true\n    from_port = 0\n    to_port   = 0\n  }\n'), 'aws-default-sg-allows-traffic')).toHaveLength(1);
  });
});
