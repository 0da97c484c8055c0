import { describe, expect, it } from 'vitest';
import { BUILTIN_RULES } from '../../catalog/index.js';
import { createIacScanner } from '../../engine/scanner.js';
import type { SourceFile } from '../../model.js';

const scan = async (files: SourceFile[]) => (await createIacScanner({ rules: BUILTIN_RULES })).scan(files);
const problems = (res: Awaited<ReturnType<typeof scan>>) => res.findings.filter((f) => f.ruleId === 'iac-parse-error');

describe('Terraform input that Terraform itself rejects', () => {
  it('reports an attribute and a nested block of the same name and checks the rest', async () => {
    const res = await scan([
      {
        path: 'main.tf',
        content:
          'resource "aws_ecs_task_definition" "t" {\n  family = "x"\n  volume = "x"\n  volume {\n    name = "v"\n  }\n}\nresource "aws_ebs_volume" "v" {\n  encrypted = false\n}\n',
      },
    ]);
    expect(problems(res).map((f) => [f.line, f.message])).toEqual([
      [4, expect.stringMatching(/"volume" is both an argument .* and a block/)],
    ]);
    expect(res.findings.map((f) => f.ruleId)).toContain('aws-ebs-volume-unencrypted');
  });

  it('reports duplicate data, resource, variable and module definitions like Terraform and keeps scanning', async () => {
    const res = await scan([
      {
        path: 'main.tf',
        content: [
          'data "aws_iam_policy_document" "example" {',
          '}',
          'data "aws_iam_policy_document" "example" {',
          '}',
          'variable "v" {',
          '  default = 1',
          '}',
          'variable "v" {',
          '  default = 2',
          '}',
          'resource "aws_iam_policy" "p" {',
          '  policy = data.aws_iam_policy_document.example.json',
          '}',
          'resource "aws_ebs_volume" "v" {',
          '  encrypted = false',
          '}',
          'resource "aws_ebs_volume" "v" {',
          '  encrypted = false',
          '}',
          '',
        ].join('\n'),
      },
    ]);
    expect(problems(res).map((f) => [f.line, f.message])).toEqual([
      [
        3,
        'Duplicate data "aws_iam_policy_document" configuration: a aws_iam_policy_document data resource named "example" was already declared at main.tf:1',
      ],
      [8, 'Duplicate variable declaration: a variable named "v" was already declared at main.tf:5'],
      [
        17,
        'Duplicate resource "aws_ebs_volume" configuration: a aws_ebs_volume resource named "v" was already declared at main.tf:14',
      ],
    ]);
    expect(res.findings.filter((f) => f.ruleId === 'aws-ebs-volume-unencrypted')).toHaveLength(1);
  });

  it('reports a block with a missing or extra label like Terraform instead of checking a resource named "undefined"', async () => {
    // Checkov's malformed_857 fixture: a resource block with its type but no name.
    const res = await scan([
      {
        path: 'main.tf',
        content:
          'resource "aws_instance" {\n  ami = "amiid"\n}\nvariable "a" "b" {\n}\nresource "aws_ebs_volume" "v" {\n  encrypted = false\n}\n',
      },
    ]);
    expect(problems(res).map((f) => [f.line, f.message])).toEqual([
      [1, 'Missing name for resource: All resource blocks must have 2 labels (type, name).'],
      [4, 'Extraneous label for variable: Only 1 labels (name) are expected for variable blocks.'],
    ]);
    expect(res.findings.some((f) => f.resource.includes('undefined'))).toBe(false);
    expect(res.findings.map((f) => f.ruleId)).toContain('aws-ebs-volume-unencrypted');
  });

  it('reports an argument written outside any block, as Terraform does, and still checks the rest', async () => {
    // Checkov's parser_scenarios/bogus_function fixture: a lone top-level attribute was silently ignored.
    const res = await scan([
      {
        path: 'main.tf',
        content: 'value = not_a_real_function(1, 2, 3, 4)\nresource "aws_ebs_volume" "v" {\n  encrypted = false\n}\n',
      },
    ]);
    expect(problems(res).map((f) => [f.line, f.message])).toEqual([
      [1, 'Unsupported argument: An argument named "value" is not expected here.'],
    ]);
    expect(res.findings.map((f) => f.ruleId)).toContain('aws-ebs-volume-unencrypted');
  });
});
