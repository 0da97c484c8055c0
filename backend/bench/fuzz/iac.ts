import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { BUILTIN_RULES } from '../../src/iac/catalog/index.js';
import { indexRules, runRules, type RuleIndex } from '../../src/iac/engine/runner.js';
import { parseErrorFinding } from '../../src/iac/engine/scanner.js';
import { findingRow } from '../../src/iac/store.js';
import type { ParseError, Resource } from '../../src/iac/model.js';
import { classifyFile, createHclParser, evaluateRoot, parseCloudFormation, parseKubernetes, type HclParser, type TfDir } from '../../src/iac/parsers/index.js';
import { hostileString, mutatedText, syntaxSoup, type ValueOf } from './arbitraries.js';
import { assertStorable } from './storable.js';
import { fold, InvariantError, type FuzzTarget } from './target.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** The repository's own Kubernetes manifests (deploy/base) as seeds, plus the shapes the parser tests use. */
function kubernetesSeeds(): string[] {
  const dir = path.join(REPO, 'deploy/base');
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.yaml')).map((f) => readFileSync(path.join(dir, f), 'utf8'));
  } catch {
    /* a checkout without deploy/: the inline seeds suffice */
  }
  return [
    ...files,
    'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\n  annotations:\n    aegis.io/ignore-k8s-pod-host-pid: "reviewed"\nspec:\n  template:\n    spec:\n      hostPID: true\n      containers:\n        - name: app\n          image: nginx:latest\n          securityContext:\n            privileged: true\n',
    'apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: Pod\n    metadata: {name: a}\n    spec: {containers: [{name: c, image: busybox}]}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {type: NodePort}\n',
    'base: &base\n  image: nginx\n  resources: {}\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - <<: *base\n      name: a\n    - *base\n',
  ];
}

const CFN_YAML = `AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Env:
    Type: String
    Default: dev
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  NotProd: !Not [!Condition IsProd]
Mappings:
  Sizes: {dev: {disk: 10}, prod: {disk: 100}}
Resources:
  Db:
    Type: AWS::RDS::DBInstance
    Properties:
      StorageEncrypted: !If [IsProd, true, false]
      AllocatedStorage: !FindInMap [Sizes, !Ref Env, disk]
      DBName: !Sub "app-\${Env}"
      KmsKeyId: !GetAtt Key.Arn
      Tags:
        - Key: name
          Value: !Join ["-", [app, !Ref Env]]
        - !Ref AWS::NoValue
  Bucket:
    Type: AWS::S3::Bucket
    Metadata: {aegis: {ignore: [{rule: x, reason: y}]}}
    Properties:
      BucketName: !Select [0, !Split [",", "a,b"]]
      AccessControl: PublicRead
`;
const CFN_JSON = JSON.stringify(
  {
    AWSTemplateFormatVersion: '2010-09-09',
    Parameters: { Env: { Type: 'String', Default: 'prod' } },
    Conditions: { IsProd: { 'Fn::Equals': [{ Ref: 'Env' }, 'prod'] }, Loop: { Condition: 'Loop' } },
    Resources: {
      Db: { Type: 'AWS::RDS::DBInstance', Properties: { StorageEncrypted: { 'Fn::If': ['IsProd', true, false] }, DBName: { 'Fn::Sub': ['x-${A}', { A: { Ref: 'Env' } }] } } },
      Sg: { Type: 'AWS::EC2::SecurityGroup', Properties: { SecurityGroupIngress: [{ CidrIp: '0.0.0.0/0', FromPort: 22, ToPort: 22, IpProtocol: 'tcp' }] } },
    },
  },
  null,
  2,
);
const TF_SEEDS = [
  'variable "versioned" {\n  default = true\n}\nresource "aws_s3_bucket" "b" {\n  bucket = "logs-${var.versioned}"\n  versioning {\n    enabled = var.versioned\n  }\n}\n',
  'locals {\n  buckets = { logs = false, data = true }\n}\nresource "aws_s3_bucket" "b" {\n  for_each = local.buckets\n  bucket   = each.key\n  versioning {\n    enabled = each.value\n  }\n}\n',
  'variable "ports" {\n  default = [443, 22]\n}\nresource "aws_security_group" "web" {\n  description = "web"\n  dynamic "ingress" {\n    for_each = var.ports\n    content {\n      from_port   = ingress.value\n      to_port     = ingress.value\n      protocol    = "tcp"\n      cidr_blocks = ["0.0.0.0/0"]\n    }\n  }\n}\n',
  'resource "aws_instance" "i" {\n  count = 3\n  ami = "ami-${count.index}"\n  tags = merge({a = 1}, {b = [for x in range(3) : x * 2 if x > 0]})\n}\nmodule "m" {\n  source = "./mod"\n  name = upper("x")\n}\n',
  'resource "aws_iam_policy" "p" {\n  policy = jsonencode({\n    Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }]\n  })\n}\n',
];

/** HCL expressions built from the grammar: calls of the functions the evaluator knows, with hostile arguments. */
const FUNCTION_NAMES = ['lower', 'upper', 'title', 'replace', 'substr', 'split', 'join', 'format', 'tonumber', 'tolist', 'toset', 'length', 'concat', 'flatten', 'distinct', 'sort', 'keys', 'values', 'merge', 'lookup', 'element', 'index', 'contains', 'coalesce', 'range', 'min', 'max', 'jsonencode', 'jsondecode', 'base64decode', 'zipmap', 'try', 'can', 'one', 'nosuch'];
const hclString = fc.oneof(
  fc.string({ maxLength: 8 }).map((s) => JSON.stringify(s)),
  fc.constantFrom('"/(a+)+$/"', '"/(/"', '"/[/"', '"%q %d %s %v %%"', '"${local.a}${local.a}"', '"[[[[1]]]]"', '"{\\"a\\":[1,{}]}"', '"\\u0000"', '"aGVsbG8="', '"x,y,z"'),
);
const hclExpr: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom('1', '-1', '0', '99999999999999999999999', '9'.repeat(400), '3.5', 'true', 'false', 'null', 'var.v', 'local.a', 'local.b', 'count.index', 'each.key', 'aws_s3_bucket.b.arn', 'module.m.out'),
    hclString,
    fc.integer({ min: -1e9, max: 1e9 }).map(String),
    fc.tuple(fc.constantFrom(...FUNCTION_NAMES), fc.array(tie('e'), { maxLength: 4 })).map(([f, args]) => `${f}(${args.join(', ')})`),
    fc.array(tie('e'), { maxLength: 4 }).map((xs) => `[${xs.join(', ')}]`),
    fc.array(fc.tuple(fc.constantFrom('a', 'b', '__proto__', 'constructor', '"k"'), tie('e')), { maxLength: 3 }).map((kv) => `{ ${kv.map(([k, v]) => `${k} = ${v}`).join(', ')} }`),
    fc.tuple(tie('e'), fc.constantFrom('+', '-', '*', '/', '%', '==', '!=', '<', '&&', '||'), tie('e')).map(([a, op, b]) => `(${a} ${op} ${b})`),
    fc.tuple(tie('e'), tie('e'), tie('e')).map(([c, a, b]) => `${c} ? ${a} : ${b}`),
    fc.tuple(tie('e'), tie('e')).map(([coll, v]) => `[for x in ${coll} : ${v}]`),
    fc.tuple(tie('e'), tie('e')).map(([coll, v]) => `{for k, x in ${coll} : k => ${v}...}`),
    fc.tuple(tie('e'), tie('e')).map(([o, k]) => `(${o})[${k}]`),
    tie('e').map((x) => `"pre-\${${x}}-post"`),
    tie('e').map((x) => `(${x})[*].id`),
  ),
})).e;

/** A generated Terraform file: locals that refer to each other (doubling chains too), a resource, a module. */
const generatedTf = fc
  .record({
    locals: fc.array(hclExpr, { minLength: 1, maxLength: 6 }),
    doubling: fc.integer({ min: 0, max: 70 }),
    count: fc.oneof(fc.constant(''), hclExpr.map((e) => `  count = ${e}\n`), fc.constantFrom('  count = 1000000000\n', '  count = -5\n', '  count = 1.5\n')),
    forEach: fc.oneof(fc.constant(''), hclExpr.map((e) => `  for_each = ${e}\n`)),
    attr: hclExpr,
    dynamic: fc.option(hclExpr),
  })
  .map((g) => {
    const locals = g.locals.map((e, i) => `  l${i} = ${e}`);
    // `d{n} = "${d{n-1}}${d{n-1}}"`: a string that doubles per step (a billion-laughs in HCL).
    for (let i = 0; i < g.doubling; i++) locals.push(`  d${i + 1} = "\${local.d${i}}\${local.d${i}}"`);
    return [
      `variable "v" {\n  default = ${g.locals[0]}\n}`,
      `locals {\n  a = "x"\n  b = [1, 2]\n  d0 = "ab"\n${locals.join('\n')}\n}`,
      `resource "aws_s3_bucket" "b" {\n${g.count}${g.forEach}  bucket = ${g.attr}\n  tags = { t = local.d${g.doubling} }\n${g.dynamic === null ? '' : `  dynamic "rule" {\n    for_each = ${g.dynamic}\n    content {\n      x = rule.value\n    }\n  }\n`}}`,
      `module "m" {\n  source = "./mod"\n  name = local.l0\n}`,
    ].join('\n');
  });

const tfInput = fc.record({
  main: fc.oneof({ weight: 6, arbitrary: generatedTf }, { weight: 3, arbitrary: mutatedText(TF_SEEDS) }, { weight: 1, arbitrary: syntaxSoup }, { weight: 1, arbitrary: hostileString }),
  tfvars: fc.option(fc.oneof({ weight: 4, arbitrary: hclExpr.map((e) => `v = ${e}\n`) }, { weight: 1, arbitrary: mutatedText(['v = true\nports = [1, 2]\n']) })),
  module: fc.option(fc.oneof({ weight: 4, arbitrary: generatedTf }, { weight: 1, arbitrary: mutatedText(TF_SEEDS) })),
});

/** Everything a scan unit produces must be storable and no rule may have failed. */
function checkUnit(resources: Resource[], errors: ParseError[], index: RuleIndex): string | undefined {
  const { findings, suppressed } = runRules(resources, index);
  const failedRule = findings.find((f) => f.message.startsWith('rule failed:'));
  if (failedRule) throw new InvariantError(`${failedRule.ruleId} ${failedRule.message}`);
  // What the findings store writes for this unit (parse errors are findings too) must be storable.
  const rows = [...findings.map((f) => findingRow(f, null)), ...suppressed.map((s) => findingRow(s.finding, s.reason)), ...errors.map((e) => findingRow(parseErrorFinding(e), null))];
  assertStorable(rows, 'finding row');
  if (errors.length) return `parse error: ${fold(errors[0]!.message)}`;
  return resources.length ? undefined : 'no resources';
}

export function terraformTarget(): FuzzTarget<ValueOf<typeof tfInput>> {
  let hcl: HclParser | undefined;
  let index: RuleIndex | undefined;
  return {
    name: 'iac:terraform',
    // IaC inputs cost ~10 ms each (parse + 300 rules), 10-50x the others': a smaller share keeps the bench in minutes.
    weight: 0.8,
    arbitrary: tfInput,
    async setup() {
      hcl = await createHclParser();
      index = indexRules(BUILTIN_RULES);
    },
    run(input) {
      if (!hcl || !index) throw new Error('setup() first');
      const errors: ParseError[] = [];
      const parse = (p: string, content: string) => {
        const r = hcl!.parse(p, content);
        if (r.error) errors.push(r.error);
        return r.file;
      };
      const main = parse('main.tf', input.main);
      const vars = input.tfvars === null ? undefined : parse('terraform.tfvars', input.tfvars);
      const mod = input.module === null ? undefined : parse('mod/main.tf', input.module);
      const root: TfDir = { dir: '.', files: main ? [main] : [], tfvars: vars ? [vars] : [] };
      const dirs = new Map<string, TfDir>([['.', root]]);
      if (mod) dirs.set('mod', { dir: 'mod', files: [mod], tfvars: [] });
      const evaluated = evaluateRoot(root, dirs);
      return checkUnit(evaluated.resources, [...errors, ...evaluated.errors], index);
    },
  };
}

/** YAML built to hurt: alias bombs, self-reference, merge keys, deep nesting, tags in every position. */
const yamlAttack = fc.oneof(
  fc.integer({ min: 2, max: 12 }).map((levels) => {
    const lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]'];
    for (let i = 1; i <= levels; i++) lines.push(`a${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(', ')}]`);
    return `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\ndata:\n${lines.map((l) => `  ${l}`).join('\n')}\n`;
  }),
  fc.constantFrom('apiVersion: v1\nkind: Pod\nspec: &s\n  self: *s\n', 'a: &a [*a]\napiVersion: v1\nkind: Pod\n', 'Resources: &r\n  X: {Type: "AWS::S3::Bucket", Properties: *r}\nAWSTemplateFormatVersion: x\n'),
  fc.integer({ min: 50, max: 3_000 }).map((d) => `apiVersion: v1\nkind: Pod\nspec: ${'['.repeat(d)}${']'.repeat(d)}\n`),
  fc.integer({ min: 50, max: 1_500 }).map((d) => `apiVersion: v1\nkind: Pod\nspec:\n${Array.from({ length: d }, (_, i) => `${' '.repeat(i + 1)}k${i}:`).join('\n')} 1\n`),
  fc.integer({ min: 2, max: 12 }).map((levels) => {
    const lines = ['  P0: &p0 {Type: String, Default: x}'];
    for (let i = 1; i <= levels; i++) lines.push(`  P${i}: &p${i} {A: *p${i - 1}, B: *p${i - 1}, C: *p${i - 1}, D: *p${i - 1}}`);
    return `AWSTemplateFormatVersion: "2010-09-09"\nParameters:\n${lines.join('\n')}\nResources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties: {Tags: [*p${levels}]}\n`;
  }),
  fc.integer({ min: 10, max: 3000 }).map((d) => `AWSTemplateFormatVersion: x\nResources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n      Name: ${'!Join ["", ['.repeat(d)}x${']]'.repeat(d)}\n`),
  fc.integer({ min: 10, max: 3000 }).map((d) => `AWSTemplateFormatVersion: x\nConditions:\n${Array.from({ length: d }, (_, i) => `  C${i}: !Or [!Condition C${i + 1}, !Condition C${i + 1}]`).join('\n')}\nResources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties: {X: !If [C0, a, b]}\n`),
  fc.tuple(fc.constantFrom('!Ref', '!Sub', '!GetAtt', '!If', '!Join', '!Select', '!Split', '!FindInMap', '!Base64', '!Cidr', '!Equals', '!Condition', '!Unknown', '!!binary', '!!js/function', '!<tag:yaml.org,2002:str>'), fc.constantFrom('x', '[]', '{}', '[a, b, c]', '"${x}"', '""', '[1, [2]]', 'a.b.c', '.', '[!Ref x, !Ref y]')).map(
    ([tag, arg]) => `AWSTemplateFormatVersion: x\nResources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n      V: ${tag} ${arg}\n      ${tag} ${arg}: 1\n`,
  ),
);

export function yamlTarget(name: string, seeds: string[], parse: typeof parseKubernetes, path: string): FuzzTarget<string> {
  let index: RuleIndex | undefined;
  return {
    name,
    weight: 0.8,
    arbitrary: fc.oneof({ weight: 6, arbitrary: mutatedText(seeds) }, { weight: 2, arbitrary: yamlAttack }, { weight: 1, arbitrary: syntaxSoup }, { weight: 1, arbitrary: hostileString }),
    async setup() {
      index = indexRules(BUILTIN_RULES);
    },
    run(content) {
      if (!index) throw new Error('setup() first');
      classifyFile(path, content);
      const { resources, errors } = parse(path, content);
      return checkUnit(resources, errors, index);
    },
  };
}

export function iacTargets(): FuzzTarget<never>[] {
  return [
    terraformTarget(),
    yamlTarget('iac:kubernetes-yaml', kubernetesSeeds(), parseKubernetes, 'deploy.yaml'),
    yamlTarget('iac:cloudformation-yaml', [CFN_YAML], parseCloudFormation, 'template.yaml'),
    yamlTarget('iac:cloudformation-json', [CFN_JSON], parseCloudFormation, 'template.json'),
  ] as FuzzTarget<never>[];
}
