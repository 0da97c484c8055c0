import { describe, expect, it } from 'vitest';
import { BUILTIN_RULES } from '../../catalog/index.js';
import { createIacScanner } from '../../engine/scanner.js';
import { partitionFiles } from '../../engine/parallel.js';
import type { SourceFile } from '../../model.js';

const scan = async (files: SourceFile[]) => (await createIacScanner({ rules: BUILTIN_RULES })).scan(files);
const rules = (res: Awaited<ReturnType<typeof scan>>) => res.findings.map((f) => `${f.ruleId} ${f.resource}`);

// Shaped like terraform-aws-vpc: the module is the repository root, each example calls it with `source = "../../"`.
const MODULE = 'variable "encrypted" {\n  default = true\n}\nresource "aws_ebs_volume" "this" {\n  encrypted = var.encrypted\n}\n';

describe('Terraform module sources', () => {
  it('resolves "../../" (trailing slash) and "./" to the module directory', async () => {
    const res = await scan([
      { path: 'main.tf', content: MODULE },
      { path: 'examples/simple/main.tf', content: 'module "vpc" {\n  source    = "../../"\n  encrypted = false\n}\n' },
      { path: 'examples/dot/main.tf', content: 'module "here" {\n  source = "./"\n}\n' },
      { path: 'examples/dot/sub.tf', content: 'resource "aws_ebs_volume" "w" {\n  encrypted = true\n}\n' },
    ]);
    // A folder calling itself is a module cycle Terraform cannot load (hashicorp/terraform#31557): reported, not expanded.
    expect(res.findings.filter((f) => f.ruleId === 'iac-parse-error').map((f) => [f.file, f.message])).toEqual([
      ['examples/dot/main.tf', 'module "here": source ./ is a module that is already calling it (a cycle); Terraform cannot load it'],
    ]);
    expect(rules(res)).toContain('aws-ebs-volume-unencrypted module.vpc.aws_ebs_volume.this');
  });

  it('checks a root that calls itself, and folders calling each other, instead of dropping them as modules of each other', async () => {
    // Checkov's resource_ids_nested_modules fixture: the root calls "./" and "./module".
    const res = await scan([
      { path: 'main.tf', content: 'module "s3_module" {\n  source = "./module"\n}\nmodule "recursive_module" {\n  source = "./"\n}\nresource "aws_s3_bucket" "example" {\n  acl = "public-read"\n}\n' },
      { path: 'module/main.tf', content: 'resource "aws_ebs_volume" "inner" {\n  encrypted = false\n}\n' },
      { path: 'a/main.tf', content: 'module "b" {\n  source = "../b"\n}\nresource "aws_ebs_volume" "a" {\n  encrypted = false\n}\n' },
      { path: 'b/main.tf', content: 'module "a" {\n  source = "../a"\n}\n' },
    ]);
    expect(res.stats.resources).toBeGreaterThan(0);
    expect(rules(res)).toEqual(expect.arrayContaining(['aws-s3-bucket-acl-public-read aws_s3_bucket.example', 'aws-ebs-volume-unencrypted module.s3_module.aws_ebs_volume.inner']));
    expect(rules(res).some((r) => r.startsWith('aws-ebs-volume-unencrypted') && r.endsWith('aws_ebs_volume.a'))).toBe(true);
    expect(res.findings.filter((f) => f.ruleId === 'iac-parse-error').map((f) => f.file)).toEqual(expect.arrayContaining(['main.tf']));
  });

  it('groups a root and a "../../" module in one worker share', () => {
    const parts = partitionFiles(
      [
        { path: 'main.tf', content: MODULE },
        { path: 'examples/simple/main.tf', content: 'module "vpc" {\n  source = "../../"\n}\n' },
        { path: 'other/main.tf', content: 'resource "aws_ebs_volume" "x" {}\n' },
      ],
      2,
    );
    const withRoot = parts.find((p) => p.some((f) => f.path === 'main.tf'));
    expect(withRoot?.map((f) => f.path).sort()).toEqual(['examples/simple/main.tf', 'main.tf']);
  });
});

describe('optional() attributes in variable types', () => {
  // Shaped like terraform-aws-eks: secrets are encrypted unless the caller turns it off.
  const EKS = [
    'variable "cluster_encryption_config" {',
    '  type = object({',
    '    create_kms_key   = optional(bool, true)',
    '    resources        = optional(list(string), ["secrets"])',
    '    provider_key_arn = optional(string)',
    '  })',
    '  default = {}',
    '}',
    'variable "nodes" {',
    '  type = map(object({ encrypted = optional(bool, true), size = number }))',
    '  default = { a = { size = 10 }, b = { size = 20, encrypted = false } }',
    '}',
    'resource "aws_eks_cluster" "this" {',
    '  name     = "c"',
    '  role_arn = "arn:aws:iam::123456789012:role/eks"',
    '  vpc_config {',
    '    subnet_ids = ["subnet-1"]',
    '  }',
    '  dynamic "encryption_config" {',
    '    for_each = var.cluster_encryption_config.resources == null ? [] : [var.cluster_encryption_config]',
    '    content {',
    '      resources = encryption_config.value.resources',
    '      provider {',
    '        key_arn = encryption_config.value.provider_key_arn',
    '      }',
    '    }',
    '  }',
    '}',
    'resource "aws_ebs_volume" "node" {',
    '  for_each  = var.nodes',
    '  size      = each.value.size',
    '  encrypted = each.value.encrypted',
    '}',
    '',
  ].join('\n');

  it('fills optional() defaults, so the defaults do not fire rules', async () => {
    const res = await scan([{ path: 'main.tf', content: EKS }]);
    const hits = rules(res);
    expect(hits.filter((h) => h.includes('secrets') || h.includes('encryption'))).toEqual([]);
    expect(hits.filter((h) => h.startsWith('aws-ebs-volume-unencrypted'))).toEqual(['aws-ebs-volume-unencrypted aws_ebs_volume.node["b"]']);
  });

  it('applies the defaults to values passed by a module caller too', async () => {
    const res = await scan([
      { path: 'modules/eks/main.tf', content: EKS },
      { path: 'main.tf', content: 'module "eks" {\n  source = "./modules/eks"\n  cluster_encryption_config = { provider_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/k" }\n}\n' },
    ]);
    expect(rules(res).filter((h) => h.includes('secrets') || h.includes('encryption'))).toEqual([]);
  });
});
