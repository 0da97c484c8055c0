import { describe, expect, it } from 'vitest';
import { iacTargets, terraformTarget } from '../../bench/fuzz/iac.js';
import { assertNoCrash, outcomeOf } from '../../bench/fuzz/target.js';
import { BUILTIN_RULES } from './catalog/index.js';
import { createIacScanner } from './engine/scanner.js';
import { isUnknown } from './model.js';
import { classifyFile, parseCloudFormation, parseKubernetes } from './parsers/index.js';
import { parseYamlDocuments, MAX_YAML_ERRORS } from './parsers/yaml.js';
import { findingRow } from './store.js';

// The bench's property (npm run bench:fuzz) at test size: mutated fixtures, alias bombs, deep nesting and generated
// HCL end in parse findings, never an exception, and every finding row is storable. IaC inputs cost ~10 ms each.
const RUNS = 120;

describe('IaC parsers under fuzzing', () => {
  for (const target of iacTargets()) {
    it(`${target.name}: parse findings or storable findings, never a crash`, async () => {
      await assertNoCrash(target, RUNS);
    });
  }
});

const bomb = (levels: number) => {
  const lines = ['a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
  for (let i = 1; i <= levels; i++) lines.push(`a${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(', ')}]`);
  return `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\ndata:\n${lines.map((l) => `  ${l}`).join('\n')}\n`;
};

describe('IaC regressions found by the fuzzer', () => {
  it('a billion-laughs alias bomb is a parse error of its document, not minutes of expansion', () => {
    const { resources, errors } = parseKubernetes('bomb.yaml', bomb(9));
    expect(resources).toEqual([]);
    expect(errors[0]?.message).toMatch(/expands to more than 200000 nodes/);
  });

  it('an alias inside the node it refers to is a parse error, not a stack overflow', () => {
    expect(parseKubernetes('loop.yaml', 'apiVersion: v1\nkind: Pod\nspec: &s\n  self: *s\n').errors[0]?.message).toMatch(/alias refers to a node that contains it/);
    expect(parseCloudFormation('loop.yaml', 'Resources: &r\n  X: {Type: "AWS::S3::Bucket", Properties: *r}\n').errors[0]?.message).toMatch(/alias refers/);
  });

  it('a __proto__ key in YAML is an attribute, not the prototype', () => {
    const [pod] = parseKubernetes('p.yaml', 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  __proto__: {hostPID: true}\n').resources;
    expect(Object.keys((pod?.attrs.spec ?? {}) as object)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(pod?.attrs.spec)).toBe(Object.prototype);
  });

  it('a line of 100,000 stray braces stops at the error limit', () => {
    const { docs } = parseYamlDocuments(`apiVersion: v1\nkind: Pod\ntype: ${'}'.repeat(100_000)}\n`);
    const errors = docs.reduce((n, d) => n + d.doc.errors.length, 0);
    expect(errors).toBeGreaterThan(0);
    expect(errors).toBeLessThanOrEqual(MAX_YAML_ERRORS);
  });

  it('classifies files with 20 kB runs of letters or whitespace the same as before (the old patterns backtracked quadratically)', () => {
    expect(classifyFile('t.yaml', `Resources:\n  B:\n    Type: AWS::S3::Bucket\n# ${'a'.repeat(20_000)}::`)).toBe('cloudformation');
    expect(classifyFile('t.yaml', `x: ${'a'.repeat(20_000)}:`)).toBeUndefined();
    expect(classifyFile('k.yaml', `${'\n'.repeat(15_000)}apiVersion: v1\nkind: Pod\n`)).toBe('kubernetes');
    expect(classifyFile('k.yaml', `${' '.repeat(20_000)}x`)).toBeUndefined();
  });

  it('a 3,000-long chain of CloudFormation conditions leaves the value unknown instead of overflowing the stack', () => {
    const conditions = Array.from({ length: 3000 }, (_, i) => `  C${i}: !Or [!Condition C${i + 1}, !Condition C${i + 1}]`).join('\n');
    const { resources, errors } = parseCloudFormation('c.yaml', `AWSTemplateFormatVersion: x\nConditions:\n${conditions}\nResources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties: {X: !If [C0, a, b]}\n`);
    expect(errors).toEqual([]);
    expect(isUnknown(resources[0]?.attrs.X)).toBe(true);
  });

  it('Terraform locals that double a string 70 times stop evaluation with a finding (was RangeError: Invalid string length)', async () => {
    const locals = Array.from({ length: 70 }, (_, i) => `  d${i + 1} = "\${local.d${i}}\${local.d${i}}"`).join('\n');
    const main = `locals {\n  d0 = "ab"\n${locals}\n}\nresource "aws_s3_bucket" "b" {\n  bucket = local.d70\n}\n`;
    const res = (await createIacScanner({ rules: BUILTIN_RULES })).scan([{ path: 'main.tf', content: main }]);
    expect(res.parseErrors[0]?.message).toMatch(/Terraform evaluation of \. stopped: a string template longer than 1000000 characters/);
  });

  it('Terraform: grouping for-expressions keyed `constructor`, invalid and catastrophic regexes, deep nesting', async () => {
    const target = terraformTarget();
    await target.setup?.();
    const run = (main: string) => outcomeOf(target, { main, tfvars: null, module: null });
    expect(await run('locals {\n  g = {for k, x in { constructor = [] } : k => 1...}\n}\nresource "aws_s3_bucket" "b" {\n  bucket = local.g\n}\n')).toBe('accepted');
    expect(await run(`resource "aws_s3_bucket" "b" {\n  bucket = replace("${'a'.repeat(40)}!", "/(a+)+$/", "x")\n  acl = replace("x", "/(/", "y")\n}\n`)).toBe('accepted');
    expect(await run(`locals {\n  x = ${'['.repeat(5000)}${']'.repeat(5000)}\n}\n`)).toMatch(/^parse error/);
  });

  it('finding text from the scanned files is stored without NUL or half surrogate pairs', () => {
    const row = findingRow(
      { ruleId: 'r', title: 't', severity: 'low', category: 'security', framework: 'kubernetes', file: 'a\u0000.yaml', line: 1, endLine: 1, resource: 'Pod/\ud800', kind: 'Pod', resourceLine: 1, resourceEndLine: 1, message: 'm\u0000', remediation: '', fix: { path: 'a', value: { k: 'v\u0000' } } },
      null,
    );
    expect([row.file, row.resource, row.message, row.fix]).toEqual(['a\uFFFD.yaml', 'Pod/\uFFFD', 'm\uFFFD', '{"path":"a","value":{"k":"v\uFFFD"}}']);
  });
});
