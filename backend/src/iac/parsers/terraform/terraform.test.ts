import { describe, expect, it } from 'vitest';
import { BUILTIN_RULES } from '../../catalog/index.js';
import { createIacScanner } from '../../engine/scanner.js';
import type { SourceFile } from '../../model.js';

const scan = async (files: SourceFile[]) => (await createIacScanner({ rules: BUILTIN_RULES })).scan(files);
const fired = (res: Awaited<ReturnType<typeof scan>>, rule: string) => res.findings.filter((f) => f.ruleId === rule);

describe('Terraform evaluation', () => {
  it('takes variable values from terraform.tfvars over defaults', async () => {
    const main = 'variable "versioned" {\n  default = true\n}\nresource "aws_s3_bucket" "b" {\n  versioning {\n    enabled = var.versioned\n  }\n}\n';
    expect(fired(await scan([{ path: 'app/main.tf', content: main }]), 'aws-s3-bucket-versioning-disabled')).toHaveLength(0);
    const withVars = await scan([
      { path: 'app/main.tf', content: main },
      { path: 'app/terraform.tfvars', content: 'versioned = false\n' },
    ]);
    const hits = fired(withVars, 'aws-s3-bucket-versioning-disabled');
    expect(hits).toHaveLength(1);
    expect(hits[0]?.line).toBe(6);
  });

  it('expands for_each over a map into one addressed instance per key', async () => {
    const res = await scan([
      {
        path: 'main.tf',
        content: 'locals {\n  buckets = { logs = false, data = true }\n}\nresource "aws_s3_bucket" "b" {\n  for_each = local.buckets\n  bucket   = each.key\n  versioning {\n    enabled = each.value\n  }\n}\n',
      },
    ]);
    const hits = fired(res, 'aws-s3-bucket-versioning-disabled');
    expect(hits.map((h) => h.resource)).toEqual(['aws_s3_bucket.b["logs"]']);
    expect(res.stats.resources).toBe(2);
  });

  it('expands dynamic blocks and checks each generated block', async () => {
    const res = await scan([
      {
        path: 'sg.tf',
        content:
          'variable "ports" {\n  default = [443, 22]\n}\nresource "aws_security_group" "web" {\n  description = "web"\n  dynamic "ingress" {\n    for_each = var.ports\n    content {\n      description = "in"\n      from_port   = ingress.value\n      to_port     = ingress.value\n      protocol    = "tcp"\n      cidr_blocks = ["0.0.0.0/0"]\n    }\n  }\n}\n',
      },
    ]);
    expect(fired(res, 'aws-sg-ssh-open')).toHaveLength(1);
    // The port-22 entry is one finding (SSH, naming the open-to-world rule too); the port-443 entry is the other.
    expect(fired(res, 'aws-sg-ingress-open-to-world')).toHaveLength(1);
    expect(fired(res, 'aws-sg-ssh-open')[0]?.message).toContain('also: Security group ingress open to 0.0.0.0/0');
  });

  it('evaluates nested local modules with the inputs their callers pass', async () => {
    const res = await scan([
      { path: 'live/main.tf', content: 'module "storage" {\n  source = "../modules/storage"\n  encrypted = false\n}\n' },
      { path: 'modules/storage/main.tf', content: 'variable "encrypted" {}\nmodule "disk" {\n  source = "./disk"\n  enc    = var.encrypted\n}\n' },
      { path: 'modules/storage/disk/main.tf', content: 'variable "enc" {\n  default = true\n}\nresource "aws_ebs_volume" "v" {\n  availability_zone = "eu-west-1a"\n  encrypted = var.enc\n}\n' },
    ]);
    const hits = fired(res, 'aws-ebs-volume-unencrypted');
    expect(hits).toHaveLength(1);
    expect(hits[0]?.resource).toBe('module.storage.module.disk.aws_ebs_volume.v');
    expect(hits[0]?.file).toBe('modules/storage/disk/main.tf');
  });

  it('never fires on values it cannot know', async () => {
    const res = await scan([
      {
        path: 'main.tf',
        content:
          'variable "enc" {}\nresource "aws_ebs_volume" "a" {\n  encrypted = var.enc\n}\nresource "aws_ebs_volume" "b" {\n  encrypted = data.external.x.result\n}\nresource "aws_db_instance" "c" {\n  publicly_accessible = local.missing\n}\n',
      },
    ]);
    expect(fired(res, 'aws-ebs-volume-unencrypted')).toHaveLength(0);
    expect(fired(res, 'aws-db-instance-public')).toHaveLength(0);
  });

  it('evaluates conditionals, locals and common functions', async () => {
    const res = await scan([
      {
        path: 'main.tf',
        content:
          'variable "env" {\n  default = "dev"\n}\nlocals {\n  settings = merge({ public = false }, { public = var.env == "dev" })\n  flag = lookup(local.settings, "public", false)\n}\nresource "aws_db_instance" "db" {\n  publicly_accessible = local.flag ? true : false\n  storage_encrypted   = length(upper("x")) == 1\n}\n',
      },
    ]);
    expect(fired(res, 'aws-db-instance-public')).toHaveLength(1);
    expect(fired(res, 'aws-db-instance-unencrypted')).toHaveLength(0);
  });

  it('reports a broken file and still scans the others', async () => {
    const res = await scan([
      { path: 'a/broken.tf', content: 'resource "aws_s3_bucket" "b" {\n  acl = \n' },
      { path: 'b/ok.tf', content: 'resource "aws_s3_bucket" "b" {\n  acl = "public-read"\n}\n' },
    ]);
    expect(res.parseErrors.map((e) => e.file)).toEqual(['a/broken.tf']);
    expect(res.findings.some((f) => f.ruleId === 'iac-parse-error' && f.file === 'a/broken.tf')).toBe(true);
    expect(fired(res, 'aws-s3-bucket-acl-public-read')).toHaveLength(1);
  });
});
