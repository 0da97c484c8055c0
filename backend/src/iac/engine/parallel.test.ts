import { describe, expect, it } from 'vitest';
import { BUILTIN_RULES } from '../catalog/index.js';
import { scanParallel } from './parallel.js';
import { createIacScanner } from './scanner.js';

const ids = (findings: Array<{ ruleId: string; resource: string }>) => findings.map((f) => `${f.ruleId} ${f.resource}`).sort();

describe('scanParallel', () => {
  it('finds on worker threads what one thread finds, warnings included', async () => {
    const files = [
      { path: 'a/main.tf', content: 'resource "aws_ebs_volume" "v" {\n  encrypted = false # aegis:ignore=aws-ebs-volume-unencrypted\n}\n' },
      { path: 'b/pod.yaml', content: 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  hostPID: true\n  containers:\n  - name: a\n    image: nginx:1\n' },
      { path: 'c/main.tf', content: 'resource "aws_s3_bucket" "b" {\n  acl = "public-read"\n}\n' },
    ];
    const one = (await createIacScanner({ rules: BUILTIN_RULES })).scan(files);
    const many = await scanParallel(files, { workers: 2 });
    expect(ids(many.findings)).toEqual(ids(one.findings));
    expect(many.warnings).toEqual(one.warnings);
    expect(many.warnings).toHaveLength(1);
  });
});
