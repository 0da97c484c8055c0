/**
 * Generates a synthetic infrastructure repository shaped like real ones, for the speed benchmark.
 *
 * Layout (deterministic for a seed):
 *   tf/svc-N/{main.tf, variables.tf, outputs.tf, terraform.tfvars}   ~40% of files; every third service calls
 *   tf/modules/<m>/{main.tf, variables.tf, outputs.tf}                a local module with variables + for_each
 *   cfn/stack-N.yaml | .json                                         ~25%: Parameters, Conditions, !Ref/!Sub/!If/!GetAtt
 *   k8s/app-N.yaml                                                   ~35%: multi-document Deployment/Service/ConfigMap/HPA
 * Files carry comments, tags and several resources so the median file is over 2 KB.
 *
 *   node --import tsx backend/bench/iac/generate-repo.ts --out .tmp/repo [--files 10000] [--seed 1]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';

function mulberry32(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface RepoStats {
  files: number;
  bytes: number;
  medianBytes: number;
  terraformDirs: number;
  terraformDirsWithModules: number;
  cloudformation: number;
  kubernetes: number;
}

const MODULES = ['bucket', 'database', 'network', 'queue'];

const header = (title: string) =>
  `# ${title}\n# Managed by the platform team. Changes go through the infra pull-request checklist:\n# plan output attached, cost estimate reviewed, and a rollback note for stateful resources.\n\n`;

function tfMain(i: number, rnd: () => number, withModule: boolean): string {
  const pub = rnd() < 0.2;
  const parts = [header(`service ${i}: storage, network and database`)];
  parts.push(`locals {\n  name   = "svc-${i}-\${var.environment}"\n  common_tags = merge(var.tags, {\n    Service     = "svc-${i}"\n    Environment = var.environment\n    CostCenter  = "cc-${100 + (i % 50)}"\n  })\n}\n\n`);
  parts.push(`resource "aws_s3_bucket" "data" {\n  bucket = "\${local.name}-data"\n  acl    = "${pub ? 'public-read' : 'private'}"\n  tags   = local.common_tags\n\n  versioning {\n    enabled = var.versioning\n  }\n\n  server_side_encryption_configuration {\n    rule {\n      apply_server_side_encryption_by_default {\n        sse_algorithm     = "aws:kms"\n        kms_master_key_id = aws_kms_key.data.arn\n      }\n    }\n  }\n}\n\n`);
  parts.push(`resource "aws_kms_key" "data" {\n  description             = "data key for svc-${i}"\n  deletion_window_in_days = 30\n  enable_key_rotation     = ${rnd() < 0.8}\n  tags                    = local.common_tags\n}\n\n`);
  parts.push(`resource "aws_security_group" "app" {\n  name        = "\${local.name}-app"\n  description = "application traffic for svc-${i}"\n  vpc_id      = var.vpc_id\n\n  dynamic "ingress" {\n    for_each = var.ingress_ports\n    content {\n      description = "port \${ingress.value}"\n      from_port   = ingress.value\n      to_port     = ingress.value\n      protocol    = "tcp"\n      cidr_blocks = ${rnd() < 0.15 ? '["0.0.0.0/0"]' : 'var.allowed_cidrs'}\n    }\n  }\n\n  egress {\n    description = "all egress"\n    from_port   = 0\n    to_port     = 0\n    protocol    = "-1"\n    cidr_blocks = ["0.0.0.0/0"]\n  }\n}\n\n`);
  parts.push(`resource "aws_db_instance" "main" {\n  count                   = var.environment == "prod" ? 1 : ${rnd() < 0.5 ? 0 : 1}\n  identifier              = "\${local.name}-db"\n  engine                  = "postgres"\n  engine_version          = "15.4"\n  instance_class          = "db.t3.medium"\n  allocated_storage       = 50\n  storage_encrypted       = ${rnd() < 0.85}\n  backup_retention_period = var.backup_days\n  publicly_accessible     = false\n  deletion_protection     = true\n  tags                    = local.common_tags\n}\n\n`);
  parts.push(`resource "aws_iam_role" "app" {\n  name = "\${local.name}-app"\n  assume_role_policy = jsonencode({\n    Version = "2012-10-17"\n    Statement = [{\n      Effect    = "Allow"\n      Principal = { Service = "ecs-tasks.amazonaws.com" }\n      Action    = "sts:AssumeRole"\n    }]\n  })\n}\n\n`);
  if (withModule) {
    const m = MODULES[i % MODULES.length] ?? 'bucket';
    parts.push(`module "${m}" {\n  source      = "../modules/${m}"\n  for_each    = var.replicas\n  name        = "\${local.name}-\${each.key}"\n  settings    = each.value\n  environment = var.environment\n  tags        = local.common_tags\n}\n`);
  }
  return parts.join('');
}

function tfVariables(withModule: boolean): string {
  const vars = [
    ['environment', 'string', '"dev"'],
    ['versioning', 'bool', 'true'],
    ['backup_days', 'number', '7'],
    ['vpc_id', 'string', '"vpc-0123456789abcdef0"'],
    ['ingress_ports', 'list(number)', '[443, 8443]'],
    ['allowed_cidrs', 'list(string)', '["10.0.0.0/8"]'],
    ['tags', 'map(string)', '{ Owner = "platform" }'],
  ];
  if (withModule) vars.push(['replicas', 'map(object({ size = number, encrypted = bool }))', '{ a = { size = 10, encrypted = true }, b = { size = 20, encrypted = false } }']);
  return header('inputs') + vars.map(([n, t, d]) => `variable "${n}" {\n  description = "${n} for this service; see the runbook for allowed values"\n  type        = ${t}\n  default     = ${d}\n}\n`).join('\n');
}

const tfOutputs = () => header('outputs') + ['bucket_arn = aws_s3_bucket.data.arn', 'bucket_name = aws_s3_bucket.data.id', 'role_arn = aws_iam_role.app.arn', 'role_name = aws_iam_role.app.name', 'sg_id = aws_security_group.app.id', 'kms_key_arn = aws_kms_key.data.arn', 'db_endpoint = try(aws_db_instance.main[0].endpoint, null)'].map((o) => {
  const [n, v] = o.split(' = ');
  return `output "${n}" {\n  description = "exported for dependent stacks"\n  value       = ${v}\n}\n`;
}).join('\n');

function moduleMain(m: string): string {
  return (
    header(`module ${m}`) +
    `variable "name" {\n  type = string\n}\nvariable "settings" {\n  type = object({ size = number, encrypted = bool })\n}\nvariable "environment" {\n  type    = string\n  default = "dev"\n}\nvariable "tags" {\n  type    = map(string)\n  default = {}\n}\n\n` +
    `locals {\n  volumes = { for idx in range(2) : "v\${idx}" => var.settings.size * (idx + 1) }\n}\n\n` +
    `resource "aws_ebs_volume" "this" {\n  for_each          = local.volumes\n  availability_zone = "eu-west-1a"\n  size              = each.value\n  encrypted         = var.settings.encrypted\n  tags              = merge(var.tags, { Name = "\${var.name}-\${each.key}" })\n}\n\n` +
    `resource "aws_sqs_queue" "events" {\n  name                       = "\${var.name}-events"\n  message_retention_seconds  = 1209600\n  visibility_timeout_seconds = 60\n  kms_master_key_id          = var.environment == "prod" ? "alias/aws/sqs" : ""\n  tags                       = var.tags\n}\n\noutput "queue_url" {\n  value = aws_sqs_queue.events.url\n}\n`
  );
}

function cfnYaml(i: number, rnd: () => number): string {
  return `AWSTemplateFormatVersion: "2010-09-09"
Description: Stack ${i} - storage, queue and database for the orders domain
Parameters:
  Environment:
    Type: String
    Default: dev
    AllowedValues: [dev, staging, prod]
  DbPassword:
    Type: String
    NoEcho: true
  RetentionDays:
    Type: Number
    Default: ${rnd() < 0.3 ? 3 : 14}
Conditions:
  IsProd: !Equals [!Ref Environment, prod]
  NotProd: !Not [!Condition IsProd]
Resources:
  DataBucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Sub "orders-\${Environment}-${i}"
      VersioningConfiguration:
        Status: !If [IsProd, Enabled, Suspended]
      BucketEncryption:
        ServerSideEncryptionConfiguration:
          - ServerSideEncryptionByDefault:
              SSEAlgorithm: aws:kms
              KMSMasterKeyID: !GetAtt DataKey.Arn
      PublicAccessBlockConfiguration:
        BlockPublicAcls: true
        IgnorePublicAcls: true
        BlockPublicPolicy: true
        RestrictPublicBuckets: ${rnd() < 0.8}
      Tags:
        - Key: Environment
          Value: !Ref Environment
  DataKey:
    Type: AWS::KMS::Key
    Properties:
      Description: !Sub "orders data key \${AWS::StackName}"
      EnableKeyRotation: true
  Events:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Join ["-", [orders, !Ref Environment, events]]
      MessageRetentionPeriod: 1209600
      KmsMasterKeyId: !If [IsProd, !Ref DataKey, !Ref "AWS::NoValue"]
  Database:
    Type: AWS::RDS::DBInstance
    Properties:
      Engine: postgres
      DBInstanceClass: db.t3.medium
      AllocatedStorage: "50"
      MasterUsername: orders
      MasterUserPassword: !Ref DbPassword
      StorageEncrypted: true
      BackupRetentionPeriod: !Ref RetentionDays
      PubliclyAccessible: !If [NotProd, false, false]
      DeletionProtection: !If [IsProd, true, false]
  AppLogs:
    Type: AWS::Logs::LogGroup
    Properties:
      LogGroupName: !Sub "/orders/\${Environment}/app-${i}"
      RetentionInDays: !If [IsProd, 365, 30]
  QueueDepthAlarm:
    Type: AWS::CloudWatch::Alarm
    Properties:
      AlarmDescription: Orders queue is backing up
      Namespace: AWS/SQS
      MetricName: ApproximateNumberOfMessagesVisible
      Dimensions:
        - Name: QueueName
          Value: !GetAtt Events.QueueName
      Statistic: Maximum
      Period: 300
      EvaluationPeriods: 3
      Threshold: 1000
      ComparisonOperator: GreaterThanThreshold
Outputs:
  BucketArn:
    Value: !GetAtt DataBucket.Arn
    Export:
      Name: !Sub "\${AWS::StackName}-bucket"
`;
}

function cfnJson(i: number, rnd: () => number): string {
  return JSON.stringify(
    {
      AWSTemplateFormatVersion: '2010-09-09',
      Description: `Stack ${i} - streaming and table resources`,
      Parameters: { Environment: { Type: 'String', Default: 'dev' } },
      Conditions: { IsProd: { 'Fn::Equals': [{ Ref: 'Environment' }, 'prod'] } },
      Resources: {
        Table: {
          Type: 'AWS::DynamoDB::Table',
          Properties: {
            TableName: { 'Fn::Sub': `orders-${i}-\${Environment}` },
            BillingMode: 'PAY_PER_REQUEST',
            AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
            KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
            SSESpecification: { SSEEnabled: rnd() < 0.8 },
            PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: { 'Fn::If': ['IsProd', true, false] } },
          },
        },
        Stream: { Type: 'AWS::Kinesis::Stream', Properties: { ShardCount: 1, StreamEncryption: { EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' } } },
        Topic: { Type: 'AWS::SNS::Topic', Properties: { TopicName: { 'Fn::Join': ['-', ['orders', { Ref: 'Environment' }]] }, KmsMasterKeyId: 'alias/aws/sns' } },
        Logs: { Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 30, LogGroupName: { 'Fn::Sub': '/orders/${Environment}' } } },
        Alarm: {
          Type: 'AWS::CloudWatch::Alarm',
          Properties: {
            AlarmDescription: 'Stream throttling',
            Namespace: 'AWS/Kinesis',
            MetricName: 'WriteProvisionedThroughputExceeded',
            Dimensions: [{ Name: 'StreamName', Value: { Ref: 'Stream' } }],
            Statistic: 'Sum',
            Period: 60,
            EvaluationPeriods: 5,
            Threshold: 1,
            ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          },
        },
      },
    },
    null,
    2,
  );
}

function k8sYaml(i: number, rnd: () => number): string {
  const hardened = rnd() < 0.7;
  return `# Source: orders/templates/app-${i}.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-${i}
  namespace: orders
  labels:
    app.kubernetes.io/name: app-${i}
    app.kubernetes.io/part-of: orders
spec:
  replicas: ${1 + (i % 3)}
  selector:
    matchLabels:
      app: app-${i}
  template:
    metadata:
      labels:
        app: app-${i}
    spec:
      serviceAccountName: app-${i}
      automountServiceAccountToken: false
      securityContext:
        runAsNonRoot: true
        seccompProfile:
          type: RuntimeDefault
      containers:
        - name: app
          image: registry.example.com/orders/app-${i}:1.${i % 20}.0
          imagePullPolicy: ${hardened ? 'Always' : 'IfNotPresent'}
          ports:
            - containerPort: 8080
          env:
            - name: LOG_LEVEL
              value: info
          resources:
            requests: { cpu: 100m, memory: 128Mi }
            limits: { cpu: 500m, memory: 256Mi }
          securityContext:
            allowPrivilegeEscalation: ${!hardened}
            readOnlyRootFilesystem: ${hardened}
            capabilities:
              drop: [ALL]
          livenessProbe:
            httpGet: { path: /healthz, port: 8080 }
          readinessProbe:
            httpGet: { path: /ready, port: 8080 }
---
apiVersion: v1
kind: Service
metadata:
  name: app-${i}
  namespace: orders
spec:
  type: ClusterIP
  selector:
    app: app-${i}
  ports:
    - port: 80
      targetPort: 8080
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: app-${i}-config
  namespace: orders
data:
  settings.yaml: |
    cache_ttl: 300
    feature_flags:
      new_checkout: ${i % 2 === 0}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: app-${i}
  namespace: orders
spec:
  scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: app-${i} }
  minReplicas: 2
  maxReplicas: 10
  metrics:
    - type: Resource
      resource: { name: cpu, target: { type: Utilization, averageUtilization: 70 } }
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: app-${i}
  namespace: orders
spec:
  minAvailable: 1
  selector:
    matchLabels:
      app: app-${i}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: app-${i}
  namespace: orders
spec:
  podSelector:
    matchLabels:
      app: app-${i}
  policyTypes: [Ingress]
  ingress:
    - from:
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: ingress
      ports:
        - port: 8080
`;
}

export async function generateRepo(root: string, opts: { files?: number; seed?: number } = {}): Promise<RepoStats> {
  const total = opts.files ?? 10_000;
  const rnd = mulberry32(opts.seed ?? 1);
  const sizes: number[] = [];
  const write = async (rel: string, content: string) => {
    await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
    await writeFile(path.join(root, rel), content);
    sizes.push(Buffer.byteLength(content));
  };
  for (const m of MODULES) {
    await write(`tf/modules/${m}/main.tf`, moduleMain(m));
  }
  const tfFiles = Math.round(total * 0.4) - MODULES.length;
  const cfnFiles = Math.round(total * 0.25);
  let tfDirs = 0;
  let withModules = 0;
  for (let written = 0; written + 4 <= tfFiles; written += 4) {
    const withModule = tfDirs % 3 === 0;
    const dir = `tf/svc-${tfDirs}`;
    await write(`${dir}/main.tf`, tfMain(tfDirs, rnd, withModule));
    await write(`${dir}/variables.tf`, tfVariables(withModule));
    await write(`${dir}/outputs.tf`, tfOutputs());
    await write(`${dir}/terraform.tfvars`, `environment = "${tfDirs % 5 === 0 ? 'prod' : 'dev'}"\nbackup_days = ${tfDirs % 7 === 0 ? 0 : 7}\ntags = {\n  Owner = "team-${tfDirs % 12}"\n  Repo  = "infra"\n}\n# pinned by the release process\nversioning = ${tfDirs % 9 !== 0}\n`);
    tfDirs++;
    if (withModule) withModules++;
  }
  for (let i = 0; i < cfnFiles; i++) await write(i % 4 === 3 ? `cfn/stack-${i}.json` : `cfn/stack-${i}.yaml`, i % 4 === 3 ? cfnJson(i, rnd) : cfnYaml(i, rnd));
  let k = 0;
  while (sizes.length < total) await write(`k8s/app-${k}.yaml`, k8sYaml(k++, rnd));
  const sorted = [...sizes].sort((a, b) => a - b);
  return {
    files: sizes.length,
    bytes: sizes.reduce((s, x) => s + x, 0),
    medianBytes: sorted[Math.floor(sorted.length / 2)] ?? 0,
    terraformDirs: tfDirs,
    terraformDirsWithModules: withModules,
    cloudformation: cfnFiles,
    kubernetes: k,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { out: { type: 'string' }, files: { type: 'string' }, seed: { type: 'string' } } });
  if (!values.out) throw new Error('--out is required');
  const stats = await generateRepo(values.out, { files: Number(values.files ?? 10_000), seed: Number(values.seed ?? 1) });
  console.log(JSON.stringify(stats));
}
