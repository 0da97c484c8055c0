import { isObject, type Value } from '../../model.js';
import { asStrings, isKnown, policyStatements, restrictsCaller } from '../../engine/checks.js';
import type { CheckFn, Rule } from '../../engine/rule.js';
import { tf } from '../dsl.js';
import { PUBLIC_CIDRS } from '../shared.js';

const ENC = ['SOC2:CC6.1', 'GDPR:Art32'];
const anyoneAllowed = (path: string, message: string): CheckFn => (r) => {
  const v = r.get(path);
  if (v === undefined || v === null) return [];
  return (policyStatements(v) ?? []).some((s) => s.effect.toLowerCase() === 'allow' && s.principalWildcard && !restrictsCaller(s)) ? [{ path, message }] : [];
};
const pol = (principal: string) => `jsonencode({ Statement = [{ Effect = "Allow", Principal = ${principal}, Action = "sqs:SendMessage", Resource = "*" }] })`;

/** The key id a KMS reference resolves to: a literal, or the key_id of an aws_kms_key data source it points at. */
function keyAlias(r: Parameters<CheckFn>[0], ctx: Parameters<CheckFn>[1], path: string): Value | undefined {
  const v = r.get(path);
  if (typeof v === 'string') return v;
  const data = ctx.resolve(v, 'data.aws_kms_key')[0];
  return data ? data.attrs.key_id : undefined;
}

const awsManaged = (path: string, alias: string, what: string): CheckFn => (r, ctx) => {
  const v = r.get(path);
  if (v === undefined) return [{ message: `${what} uses the AWS managed key (no ${path})` }];
  const k = keyAlias(r, ctx, path);
  return k === alias ? [{ path, message: `${what} uses the AWS managed key ${alias}` }] : [];
};

export const moreTfRules: Rule[] = [
  tf('aws-sqs-queue-policy-public', {
    title: 'SQS queue policy allows any principal', desc: 'Anyone may send, read or delete messages on the queue.',
    sev: 'high', cat: 'security', kinds: ['aws_sqs_queue_policy', 'aws_sqs_queue'],
    check: anyoneAllowed('policy', 'the queue policy allows any principal (no source ARN/account/VPC/organisation condition)'),
    fix: 'Name the principals that may use the queue, or add an aws:SourceArn condition.',
    kics: ['sqs_policy_with_public_access', 'sqs_queue_exposed'], compliance: ['SOC2:CC6.1'],
    pass: [`resource "aws_sqs_queue_policy" "p" {\n  queue_url = "q"\n  policy = ${pol('{ AWS = "arn:aws:iam::123456789012:root" }')}\n}\n`],
    fail: [`resource "aws_sqs_queue_policy" "p" {\n  queue_url = "q"\n  policy = ${pol('"*"')}\n}\n`],
  }),
  tf('aws-ecr-repository-policy-public', {
    title: 'ECR repository policy allows any principal', desc: 'Anyone may pull (or push) images of the repository.',
    sev: 'high', cat: 'security', kinds: ['aws_ecr_repository_policy'],
    check: anyoneAllowed('policy', 'the repository policy allows any principal'),
    fix: 'Restrict the repository policy to known accounts.', kics: ['ecr_repository_is_publicly_accessible'], compliance: ['SOC2:CC6.1'],
    pass: ['resource "aws_ecr_repository_policy" "p" {\n  repository = "r"\n  policy = jsonencode({ Statement = [{ Effect = "Allow", Principal = { AWS = "arn:aws:iam::1:root" }, Action = "ecr:BatchGetImage" }] })\n}\n'],
    fail: ['resource "aws_ecr_repository_policy" "p" {\n  repository = "r"\n  policy = jsonencode({ Statement = [{ Effect = "Allow", Principal = "*", Action = "ecr:BatchGetImage" }] })\n}\n'],
  }),
  tf('aws-elasticache-default-port', {
    title: 'ElastiCache cluster on the default port', desc: 'Default ports are what scanners try first.',
    sev: 'low', cat: 'security', kinds: ['aws_elasticache_cluster'],
    check: (r) => {
      const engine = r.get('engine');
      const port = r.get('port');
      const def = engine === 'redis' ? 6379 : engine === 'memcached' ? 11211 : undefined;
      if (def === undefined || (port !== undefined && !isKnown(port))) return [];
      return port === undefined || Number(port) === def ? [{ path: port === undefined ? undefined : 'port', message: `uses the default port ${def}` }] : [];
    },
    fix: 'Set port to a non-default value.', kics: ['elasticache_using_default_port'],
    pass: ['resource "aws_elasticache_cluster" "c" {\n  engine = "redis"\n  port = 6380\n}\n'],
    fail: ['resource "aws_elasticache_cluster" "c" {\n  engine = "redis"\n  port = 6379\n}\n'],
  }),
  tf('aws-elasticache-no-subnet-group', {
    title: 'ElastiCache cluster outside a VPC subnet group', desc: 'Without a subnet group the cluster is not placed in your VPC network.',
    sev: 'medium', cat: 'security', kinds: ['aws_elasticache_cluster'],
    check: (r) => (r.has('subnet_group_name') || r.has('replication_group_id') ? [] : [{ message: 'subnet_group_name is not set' }]),
    fix: 'Set subnet_group_name to an aws_elasticache_subnet_group in your VPC.', kics: ['elasticache_without_vpc'],
    pass: ['resource "aws_elasticache_cluster" "c" {\n  engine = "redis"\n  subnet_group_name = "g"\n}\n'],
    fail: ['resource "aws_elasticache_cluster" "c" {\n  engine = "redis"\n}\n'],
  }),
  tf('aws-elasticache-single-az', {
    title: 'Memcached nodes in a single AZ', desc: 'All nodes in one availability zone fail together.',
    sev: 'medium', cat: 'reliability', kinds: ['aws_elasticache_cluster'],
    check: (r) => {
      if (r.get('engine') !== 'memcached' || !(Number(r.get('num_cache_nodes')) > 1)) return [];
      return r.get('az_mode') === 'cross-az' ? [] : [{ path: r.has('az_mode') ? 'az_mode' : undefined, message: 'nodes are not spread across AZs' }];
    },
    fix: 'Set az_mode = "cross-az".', kics: ['elasticache_nodes_not_created_across_multi_az'], compliance: ['SOC2:A1.2'],
    pass: ['resource "aws_elasticache_cluster" "c" {\n  engine = "memcached"\n  num_cache_nodes = 3\n  az_mode = "cross-az"\n}\n'],
    fail: ['resource "aws_elasticache_cluster" "c" {\n  engine = "memcached"\n  num_cache_nodes = 3\n  az_mode = "single-az"\n}\n'],
  }),
  tf('aws-es-logs-disabled', {
    title: 'Search domain does not publish logs', desc: 'Without published logs, slow queries and errors cannot be investigated.',
    sev: 'medium', cat: 'security', kinds: ['aws_elasticsearch_domain', 'aws_opensearch_domain'],
    check: (r) => {
      const opts = r.each('log_publishing_options');
      if (!opts.length) return [{ message: 'log_publishing_options is not set' }];
      return opts.filter((o) => isObject(o.value) && o.value.enabled === false).map((o) => ({ path: `${o.path}.enabled`, message: `${String((o.value as Record<string, Value>).log_type)} logs are disabled` }));
    },
    fix: 'Add log_publishing_options blocks (INDEX_SLOW_LOGS, SEARCH_SLOW_LOGS, ES_APPLICATION_LOGS) with enabled = true.', kics: ['elasticsearch_logs_disabled'], compliance: ['SOC2:CC7.2'],
    pass: ['resource "aws_elasticsearch_domain" "d" {\n  log_publishing_options {\n    log_type = "INDEX_SLOW_LOGS"\n    cloudwatch_log_group_arn = "a"\n  }\n}\n'],
    fail: ['resource "aws_elasticsearch_domain" "d" {\n  log_publishing_options {\n    log_type = "INDEX_SLOW_LOGS"\n    cloudwatch_log_group_arn = "a"\n    enabled = false\n  }\n}\n'],
  }),
  tf('aws-sns-topic-aws-managed-key', {
    title: 'SNS topic encrypted with the AWS managed key', desc: 'The AWS managed key cannot be restricted by key policy or used across accounts; a customer managed key can.',
    sev: 'low', cat: 'security', kinds: ['aws_sns_topic'],
    check: (r, ctx) => (r.get('kms_master_key_id') === undefined ? [] : awsManaged('kms_master_key_id', 'alias/aws/sns', 'the topic')(r, ctx)),
    fix: 'Use a customer managed KMS key for kms_master_key_id.', kics: ['sns_topic_encrypted_with_aws_managed_key'], compliance: ENC,
    pass: ['resource "aws_sns_topic" "t" {\n  kms_master_key_id = "arn:aws:kms:eu-west-1:1:key/k"\n}\n'],
    fail: ['resource "aws_sns_topic" "t" {\n  kms_master_key_id = "alias/aws/sns"\n}\n'],
  }),
  tf('aws-secret-aws-managed-key', {
    title: 'Secret encrypted with the AWS managed key', desc: 'The AWS managed key cannot be restricted by key policy or shared across accounts.',
    sev: 'low', cat: 'security', kinds: ['aws_secretsmanager_secret'],
    check: awsManaged('kms_key_id', 'alias/aws/secretsmanager', 'the secret'),
    fix: 'Set kms_key_id to a customer managed KMS key.', kics: ['secretsmanager_secret_encrypted_with_aws_managed_key'], compliance: ENC,
    pass: ['resource "aws_secretsmanager_secret" "s" {\n  kms_key_id = "arn:aws:kms:eu-west-1:1:key/k"\n}\n'],
    fail: ['resource "aws_secretsmanager_secret" "s" {\n  kms_key_id = "alias/aws/secretsmanager"\n}\n'],
  }),
  tf('aws-lambda-permission-any-principal', {
    title: 'Lambda permission for any principal', desc: 'principal "*" lets any AWS account invoke the function.',
    sev: 'high', cat: 'security', kinds: ['aws_lambda_permission'],
    check: (r) => (typeof r.get('principal') === 'string' && String(r.get('principal')).includes('*') ? [{ path: 'principal', message: 'any principal may invoke the function' }] : []),
    fix: 'Name the service or account in principal and add source_arn.', kics: ['lambda_permission_principal_is_wildcard'], compliance: ['SOC2:CC6.1'],
    pass: ['resource "aws_lambda_permission" "p" {\n  action = "lambda:InvokeFunction"\n  function_name = "f"\n  principal = "s3.amazonaws.com"\n}\n'],
    fail: ['resource "aws_lambda_permission" "p" {\n  action = "lambda:InvokeFunction"\n  function_name = "f"\n  principal = "*"\n}\n'],
  }),
  tf('aws-default-sg-allows-traffic', {
    title: 'Default security group allows traffic', desc: 'The default security group is attached to anything launched without one; CIS requires it to allow nothing.',
    sev: 'medium', cat: 'security', kinds: ['aws_default_security_group'],
    // A rule block whose every value is unknown (a `dynamic` block over an input not known yet) may be none at all.
    check: (r) => [...r.each('ingress'), ...r.each('egress')].filter((x) => isObject(x.value) && Object.values(x.value).some(isKnown)).map((x) => ({ path: x.path, message: 'the default security group has a rule' })),
    fix: 'Remove all ingress and egress rules from aws_default_security_group.', kics: ['default_security_groups_with_unrestricted_traffic', 'vpc_default_security_group_accepts_all_traffic'], compliance: ['CIS-AWS-1.4:5.3'],
    pass: ['resource "aws_default_security_group" "d" {\n  vpc_id = "vpc-1"\n}\n'],
    fail: ['resource "aws_default_security_group" "d" {\n  vpc_id = "vpc-1"\n  ingress {\n    protocol = "-1"\n    self = true\n    from_port = 0\n    to_port = 0\n  }\n}\n'],
  }),
  tf('aws-vpc-flow-logs-disabled', {
    title: 'VPC without flow logs', desc: 'Flow logs are the record of who talked to what inside the VPC during an incident.',
    sev: 'medium', cat: 'security', kinds: ['aws_vpc'],
    check: (r, ctx) => (r.get('enable_flow_log') === true || ctx.referencing(r.res, 'aws_flow_log', 'vpc_id').length ? [] : [{ message: 'no aws_flow_log references this VPC' }]),
    fix: 'Add an aws_flow_log with vpc_id = aws_vpc.<name>.id.', kics: ['vpc_flowlogs_disabled'], compliance: ['CIS-AWS-1.4:3.9', 'SOC2:CC7.2'],
    pass: ['resource "aws_vpc" "v" {\n  cidr_block = "10.0.0.0/16"\n}\nresource "aws_flow_log" "f" {\n  vpc_id = aws_vpc.v.id\n  traffic_type = "ALL"\n}\n'],
    fail: ['resource "aws_vpc" "v" {\n  cidr_block = "10.0.0.0/16"\n}\n'],
  }),
  tf('aws-lambda-env-aws-access-key', {
    title: 'AWS access key hardcoded in a Lambda environment', desc: 'Credentials in environment variables are visible to anyone who can read the function configuration.',
    sev: 'critical', cat: 'security', kinds: ['aws_lambda_function'],
    check: (r) => {
      const vars = r.get('environment.variables');
      if (!isObject(vars ?? null)) return [];
      return Object.entries(vars as Record<string, Value>).filter(([, v]) => typeof v === 'string' && /\b(AKIA|ASIA)[A-Z0-9]{16}\b/.test(v)).map(([k]) => ({ path: `environment.variables.${k}`, message: `${k} holds an AWS access key id` }));
    },
    fix: 'Use the function execution role; keep other secrets in Secrets Manager.', kics: ['hardcoded_aws_access_key_in_lambda'], compliance: ['SOC2:CC6.1'],
    pass: ['resource "aws_lambda_function" "f" {\n  environment {\n    variables = { TABLE = "orders" }\n  }\n}\n'],
    fail: ['resource "aws_lambda_function" "f" {\n  environment {\n    variables = { AWS_ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE" }\n  }\n}\n'],
  }),
  tf('aws-instance-user-data-private-key', {
    title: 'EC2 user data contains a private key', desc: 'User data is readable through the instance metadata service and the EC2 API.',
    sev: 'high', cat: 'security', kinds: ['aws_instance', 'aws_launch_configuration', 'aws_launch_template'],
    check: (r) => {
      const hits = [];
      for (const p of ['user_data', 'user_data_base64']) {
        const v = r.get(p);
        if (typeof v !== 'string') continue;
        const text = p === 'user_data_base64' || /^[A-Za-z0-9+/=\s]+$/.test(v) ? Buffer.from(v, 'base64').toString('utf8') : v;
        if (/-----BEGIN ((RSA|EC|DSA|OPENSSH) )?PRIVATE KEY-----/.test(text) || /-----BEGIN ((RSA|EC|DSA|OPENSSH) )?PRIVATE KEY-----/.test(v)) hits.push({ path: p, message: 'user data embeds a private key' });
      }
      return hits;
    },
    fix: 'Fetch keys at boot from Secrets Manager or SSM Parameter Store.', kics: ['user_data_contains_encoded_private_key'], compliance: ['SOC2:CC6.1'],
    pass: ['resource "aws_instance" "i" {\n  user_data = "#!/bin/sh\\necho hi"\n}\n'],
    fail: [`resource "aws_instance" "i" {\n  user_data_base64 = "${Buffer.from('-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\n').toString('base64')}"\n}\n`],
  }),
  tf('aws-db-security-group-public', {
    title: 'DB security group open to the internet', desc: 'A classic DB security group ingress of 0.0.0.0/0 exposes the database to everyone.',
    sev: 'critical', cat: 'security', kinds: ['aws_db_security_group'],
    check: (r) => r.each('ingress').filter((x) => isObject(x.value) && asStrings((x.value as Record<string, Value>).cidr).some((c) => PUBLIC_CIDRS.has(c))).map((x) => ({ path: x.path, message: 'ingress is open to the internet' })),
    fix: 'Restrict the ingress cidr to your networks (or move to VPC security groups).', kics: ['db_security_group_with_public_scope'], compliance: ['SOC2:CC6.6'],
    pass: ['resource "aws_db_security_group" "d" {\n  ingress {\n    cidr = "10.0.0.0/24"\n  }\n}\n'],
    fail: ['resource "aws_db_security_group" "d" {\n  ingress {\n    cidr = "0.0.0.0/0"\n  }\n}\n'],
  }),
  tf('aws-ebs-snapshot-unencrypted', {
    title: 'EBS snapshot of an unencrypted volume', desc: 'Snapshots inherit the encryption of their volume; an unencrypted one can be copied and read.',
    sev: 'medium', cat: 'security', kinds: ['aws_ebs_snapshot'],
    check: (r, ctx) => {
      const vol = ctx.resolve(r.get('volume_id'), 'aws_ebs_volume')[0];
      if (!vol) return [];
      const enc = vol.attrs.encrypted;
      return enc === true || (enc !== undefined && !isKnown(enc)) ? [] : [{ message: `the snapshot's volume ${vol.address} is not encrypted`, at: vol.pos.get('encrypted') ?? vol.span }];
    },
    fix: 'Encrypt the source volume (encrypted = true) or copy the snapshot with encryption.', kics: ['ebs_volume_snapshot_not_encrypted'], compliance: ENC,
    pass: ['resource "aws_ebs_volume" "v" {\n  encrypted = true\n}\nresource "aws_ebs_snapshot" "s" {\n  volume_id = aws_ebs_volume.v.id\n}\n'],
    fail: ['resource "aws_ebs_volume" "v" {\n  encrypted = false\n}\nresource "aws_ebs_snapshot" "s" {\n  volume_id = aws_ebs_volume.v.id\n}\n'],
  }),
];

