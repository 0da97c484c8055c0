import { isObject, type Category, type Severity, type Value } from '../../model.js';
import { asList, asStrings, forbidTrue, forbidValue, isKnown, isTrue, oneOf, policyStatements, requirePresent, requireTrue, requireValue, restrictsCaller, type Statement } from '../../engine/checks.js';
import type { CheckFn, Hit, Rule } from '../../engine/rule.js';
import { tf } from '../dsl.js';
import { describeRisk } from '../why.js';
import { related } from '../shared.js';

/**
 * Terraform AWS rules grouped by service, one row each:
 * [id, kinds, KICS query dirs, title, check, fix, severity, category, pass body, fail body, compliance].
 * A body is the inside of a `resource "<first kind>" "x" {}` block, or whole HCL when it starts with `resource`/`data`.
 */
export type Row = [string, string[], string[] | undefined, string, CheckFn, string, Severity, Category, string, string, string[]?];

export const ENC = ['SOC2:CC6.1', 'GDPR:Art32'];
export const LOG = ['SOC2:CC7.2'];
export const PUB = ['SOC2:CC6.6'];
export const BAK = ['SOC2:A1.2'];
export const on = (p: string, what: string) => requireTrue(p, `${what} is not enabled`);
export const notOn = (p: string, what: string) => forbidTrue(p, `${what} is enabled`);
export const has = (p: string, what: string) => requirePresent(p, `${what} is not set`);
export const is = (p: string, good: Value[], what: string) => requireValue(p, oneOf(...good), `${what} is not ${good.map(String).join(' or ')}`);
export const isNot = (p: string, bad: Value[], what: string) => forbidValue(p, oneOf(...bad), `${what} is ${bad.map(String).join(' or ')}`);
export const falseIs = (p: string, message: string): CheckFn => (r) => (r.get(p) === false || r.get(p) === 'false' ? [{ path: p, message }] : []);
const str = (v: Value | undefined) => (typeof v === 'string' ? v : undefined);

/** Fires when a policy document at `path` allows anyone (Principal "*") without a caller condition (any condition with `anyCondition`). */
export const publicPolicy = (path: string, what: string, anyCondition = false): CheckFn => (r) =>
  (policyStatements(r.get(path) ?? null) ?? []).some((s) => s.effect.toLowerCase() === 'allow' && s.principalWildcard && !(anyCondition ? s.hasCondition : restrictsCaller(s)))
    ? [{ path, message: `the ${what} policy allows any principal` }]
    : [];

/** Allow statements granting every action of a service (or everything) on every resource. */
const serviceWildcard = (s: Statement) =>
  s.effect.toLowerCase() === 'allow' && s.resources.includes('*') && s.actions.some((a) => a === '*' || /^[a-z0-9-]+:\*$/i.test(a));

/** The policy documents a resource carries: `policy`, inline role policies, or a policy-document data source. */
function policyDocs(r: Parameters<CheckFn>[0]): Array<{ path: string; doc: Value }> {
  if (r.kind === 'data.aws_iam_policy_document') {
    const statement = r.each('statement').map((x) => x.value).filter(isObject).map((s) => ({
      Effect: s.effect ?? 'Allow', Action: s.actions ?? [], Resource: s.resources ?? [], NotAction: s.not_actions ?? [],
    }));
    return [{ path: 'statement', doc: { Statement: statement } as Value }];
  }
  if (r.kind === 'aws_iam_role') return r.each('inline_policy').map((x) => ({ path: `${x.path}.policy`, doc: isObject(x.value) ? (x.value.policy ?? null) : null }));
  return [{ path: 'policy', doc: r.get('policy') ?? null }];
}

const wildcardServicePolicy: CheckFn = (r) =>
  policyDocs(r).flatMap(({ path, doc }) => {
    const bad = (policyStatements(doc) ?? []).filter((s) => serviceWildcard(s) && !s.actions.includes('*'));
    return bad.length ? [{ path, message: `the policy allows ${[...new Set(bad.flatMap((s) => s.actions))].join(', ')} on every resource` }] : [];
  });

const sqsAllActions: CheckFn = (r) =>
  (policyStatements(r.get('policy') ?? null) ?? []).some((s) => s.effect.toLowerCase() === 'allow' && s.actions.some((a) => a === '*' || a.toLowerCase() === 'sqs:*'))
    ? [{ path: 'policy', message: 'the queue policy allows every SQS action' }]
    : [];

/** IMDSv2: tokens required, unless the metadata endpoint is switched off. */
const imdsv1: CheckFn = (r) => {
  if (r.get('metadata_options.http_endpoint') === 'disabled') return [];
  const tokens = r.get('metadata_options.http_tokens');
  if (tokens !== undefined && !isKnown(tokens)) return [];
  return tokens === 'required' ? [] : [{ path: tokens === undefined ? (r.has('metadata_options') ? 'metadata_options' : undefined) : 'metadata_options.http_tokens', message: 'IMDSv1 is allowed (metadata_options.http_tokens is not "required")' }];
};

/** HTTP listeners must redirect to HTTPS. */
const httpListener: CheckFn = (r) => {
  if (str(r.get('protocol'))?.toUpperCase() !== 'HTTP') return [];
  const redirects = r.each('default_action').some((a) => isObject(a.value) && a.value.type === 'redirect' && String((asList(a.value.redirect)[0] as Record<string, Value> | undefined)?.protocol ?? '').toUpperCase() === 'HTTPS');
  return redirects ? [] : [{ path: 'protocol', message: 'the listener serves plain HTTP without redirecting to HTTPS' }];
};

const TLS12 = /TLS-?1-2|TLS13|TLS-1-3|FS-1-2/i;
const oldTlsListener: CheckFn = (r) => {
  const proto = str(r.get('protocol'))?.toUpperCase();
  if (proto !== 'HTTPS' && proto !== 'TLS') return [];
  const policy = r.get('ssl_policy');
  if (policy !== undefined && !isKnown(policy)) return [];
  return typeof policy === 'string' && TLS12.test(policy) ? [] : [{ path: policy === undefined ? 'protocol' : 'ssl_policy', message: `ssl_policy ${policy === undefined ? '(default ELBSecurityPolicy-2016-08)' : String(policy)} allows TLS below 1.2` }];
};

const elbHttpListener: CheckFn = (r) =>
  r.each('listener').filter((l) => isObject(l.value) && /^https?$/i.test(String(l.value.lb_protocol ?? '')) && String(l.value.lb_protocol).toLowerCase() === 'http').map((l) => ({ path: `${l.path}.lb_protocol`, message: 'the listener accepts plain HTTP' }));

const elbNonAcmCert: CheckFn = (r) =>
  r.each('listener').filter((l) => isObject(l.value) && typeof l.value.ssl_certificate_id === 'string' && !l.value.ssl_certificate_id.startsWith('arn:aws:acm:')).map((l) => ({ path: `${l.path}.ssl_certificate_id`, message: 'the certificate is not managed by ACM' }));

/** The bucket has no aws_s3_bucket_public_access_block (a registry module's own block counts). */
const noPublicAccessBlock: CheckFn = (r, ctx) => {
  if (related(r, ctx, 'aws_s3_bucket_public_access_block').length) return [];
  if (ctx.resources.some((x) => x.kind === 'aws_s3_bucket_public_access_block' && x.address === r.res.address)) return [];
  return [{ message: 'no aws_s3_bucket_public_access_block covers this bucket' }];
};

const bucketEncryptionAlgorithms = (r: Parameters<CheckFn>[0], ctx: Parameters<CheckFn>[1]): Value[] => [
  ...r.all('server_side_encryption_configuration.rule.apply_server_side_encryption_by_default.sse_algorithm').map((x) => x.value),
  ...related(r, ctx, 'aws_s3_bucket_server_side_encryption_configuration').flatMap((c) => asList((asList(c.attrs.rule)[0] as Record<string, Value> | undefined)?.apply_server_side_encryption_by_default).map((d) => (isObject(d) ? (d.sse_algorithm ?? null) : null))),
];

const docdbParam = (name: string, good: string, what: string): CheckFn => (r) => {
  const p = r.each('parameter').find((x) => isObject(x.value) && x.value.name === name);
  const v = p && isObject(p.value) ? p.value.value : undefined;
  if (v !== undefined && !isKnown(v)) return [];
  return v === good ? [] : [{ path: p ? `${p.path}.value` : undefined, message: `${what} (parameter ${name} is ${v === undefined ? 'not set' : String(v)})` }];
};

const unreferenced = (kinds: string[], attrs: string[], message: string): CheckFn => (r, ctx) => (ctx.referencing(r.res, kinds, attrs).length ? [] : [{ message }]);

const glueSecurityConfig: CheckFn = (r) => {
  const modes: Array<[string, string]> = [
    ['encryption_configuration.cloudwatch_encryption.cloudwatch_encryption_mode', 'CloudWatch'],
    ['encryption_configuration.job_bookmarks_encryption.job_bookmarks_encryption_mode', 'job bookmarks'],
    ['encryption_configuration.s3_encryption.s3_encryption_mode', 'S3'],
  ];
  return modes.filter(([p]) => { const v = r.get(p); return v === undefined || v === 'DISABLED'; }).map(([p, what]): Hit => ({ path: r.has(p) ? p : undefined, message: `${what} encryption is disabled` }));
};

const glueCatalog: CheckFn = (r) => {
  const hits: Hit[] = [];
  const mode = r.get('data_catalog_encryption_settings.encryption_at_rest.catalog_encryption_mode');
  if (isKnown(mode ?? 'DISABLED') && mode !== 'SSE-KMS') hits.push({ path: mode === undefined ? undefined : 'data_catalog_encryption_settings.encryption_at_rest.catalog_encryption_mode', message: 'the catalog is not encrypted with KMS' });
  const pw = r.get('data_catalog_encryption_settings.connection_password_encryption.return_connection_password_encrypted');
  if (pw !== undefined && isKnown(pw) && !isTrue(pw)) hits.push({ path: 'data_catalog_encryption_settings.connection_password_encryption.return_connection_password_encrypted', message: 'connection passwords are returned unencrypted' });
  // Without a key id the AWS managed key is used, which cannot be scoped or revoked.
  if (mode === 'SSE-KMS' && !r.has('data_catalog_encryption_settings.encryption_at_rest.sse_aws_kms_key_id')) hits.push({ path: 'data_catalog_encryption_settings.encryption_at_rest', message: 'the catalog uses the AWS managed key (no sse_aws_kms_key_id)' });
  if (isTrue(pw) && !r.has('data_catalog_encryption_settings.connection_password_encryption.aws_kms_key_id')) hits.push({ path: 'data_catalog_encryption_settings.connection_password_encryption', message: 'connection passwords use the AWS managed key (no aws_kms_key_id)' });
  return hits;
};

const passwordPolicy = (p: string, what: string) => on(p, `requiring ${what}`);

const ROWS: Row[] = [
  // S3
  ['aws-s3-bucket-no-public-access-block', ['aws_s3_bucket'], undefined, 'S3 bucket without a public access block', noPublicAccessBlock, 'Add an aws_s3_bucket_public_access_block with all four settings true.', 'medium', 'security', 'resource "aws_s3_bucket" "x" {\n  bucket = "b"\n}\nresource "aws_s3_bucket_public_access_block" "p" {\n  bucket = aws_s3_bucket.x.id\n  block_public_acls = true\n  block_public_policy = true\n  ignore_public_acls = true\n  restrict_public_buckets = true\n}', 'bucket = "b"', ['CIS-AWS-1.4:2.1.5', ...PUB]],
  ['aws-s3-bucket-not-kms-encrypted', ['aws_s3_bucket'], undefined, 'S3 bucket default encryption does not use KMS', (r, ctx) => { const algs = bucketEncryptionAlgorithms(r, ctx); return algs.length && algs.every((a) => isKnown(a ?? 'x')) && !algs.some((a) => typeof a === 'string' && a.startsWith('aws:kms')) ? [{ message: 'default encryption is not aws:kms' }] : []; }, 'Use sse_algorithm = "aws:kms" with a customer managed key.', 'low', 'security', 'server_side_encryption_configuration {\n    rule {\n      apply_server_side_encryption_by_default {\n        sse_algorithm = "aws:kms"\n      }\n    }\n  }', 'server_side_encryption_configuration {\n    rule {\n      apply_server_side_encryption_by_default {\n        sse_algorithm = "AES256"\n      }\n    }\n  }', ENC],
  ['aws-s3-bucket-object-lock-disabled', ['aws_s3_bucket'], undefined, 'S3 bucket without object lock', (r) => (isTrue(r.get('object_lock_enabled')) || isTrue(r.get('object_lock_configuration.object_lock_enabled')) || r.get('object_lock_configuration.object_lock_enabled') === 'Enabled' || !isKnown(r.get('object_lock_enabled') ?? false) ? [] : [{ path: r.has('object_lock_configuration') ? 'object_lock_configuration' : undefined, message: 'object lock is not enabled' }]), 'Set object_lock_enabled = true for buckets that hold records or backups.', 'info', 'reliability', 'object_lock_enabled = true', 'bucket = "b"', BAK],
  ['aws-s3-bucket-no-replication', ['aws_s3_bucket'], undefined, 'S3 bucket without cross-region replication', (r, ctx) => (r.has('replication_configuration') || related(r, ctx, 'aws_s3_bucket_replication_configuration').length ? [] : [{ message: 'no replication is configured' }]), 'Add an aws_s3_bucket_replication_configuration to a bucket in another region.', 'info', 'reliability', 'replication_configuration {\n    role = "arn:aws:iam::123456789012:role/r"\n  }', 'bucket = "b"', BAK],
  // Search domains
  ['aws-es-domain-policy-public', ['aws_elasticsearch_domain', 'aws_opensearch_domain', 'aws_elasticsearch_domain_policy', 'aws_opensearch_domain_policy'], ['elasticsearch_domain_with_vulnerable_policy'], 'Search domain access policy allows anyone', publicPolicy('access_policies', 'domain access', true), 'Name the principals allowed to call the domain, or add a source-IP/VPC condition.', 'critical', 'security', 'access_policies = jsonencode({ Statement = [{ Effect = "Allow", Principal = { AWS = "arn:aws:iam::123456789012:role/app" }, Action = "es:*", Resource = "*" }] })', 'access_policies = jsonencode({ Statement = [{ Effect = "Allow", Principal = { AWS = "*" }, Action = "es:*", Resource = "*" }] })', PUB],
  ['aws-es-not-in-vpc', ['aws_elasticsearch_domain', 'aws_opensearch_domain'], undefined, 'Search domain outside a VPC', has('vpc_options', 'vpc_options'), 'Place the domain in a VPC with vpc_options.', 'medium', 'security', 'vpc_options {\n    subnet_ids = ["subnet-1"]\n  }', 'domain_name = "d"', PUB],
  ['aws-es-slow-logs-disabled', ['aws_elasticsearch_domain', 'aws_opensearch_domain'], ['elasticsearch_without_slow_logs'], 'Search domain does not publish slow logs', (r) => (r.each('log_publishing_options').some((o) => isObject(o.value) && /^(INDEX|SEARCH)_SLOW_LOGS$/.test(String(o.value.log_type)) && o.value.enabled !== false) ? [] : [{ path: r.has('log_publishing_options') ? 'log_publishing_options' : undefined, message: 'neither INDEX_SLOW_LOGS nor SEARCH_SLOW_LOGS is published' }]), 'Add log_publishing_options for INDEX_SLOW_LOGS and SEARCH_SLOW_LOGS.', 'low', 'performance', 'log_publishing_options {\n    log_type = "SEARCH_SLOW_LOGS"\n    cloudwatch_log_group_arn = "a"\n  }', 'log_publishing_options {\n    log_type = "ES_APPLICATION_LOGS"\n    cloudwatch_log_group_arn = "a"\n  }', LOG],
  // Load balancers
  ['aws-lb-listener-http', ['aws_lb_listener', 'aws_alb_listener'], undefined, 'Load balancer listener serves plain HTTP', httpListener, 'Listen on HTTPS, or make the HTTP listener redirect to HTTPS.', 'high', 'security', 'protocol = "HTTP"\n  default_action {\n    type = "redirect"\n    redirect {\n      port = "443"\n      protocol = "HTTPS"\n      status_code = "HTTP_301"\n    }\n  }', 'protocol = "HTTP"\n  default_action {\n    type = "forward"\n    target_group_arn = "arn"\n  }', ENC],
  ['aws-lb-listener-old-tls', ['aws_lb_listener', 'aws_alb_listener'], undefined, 'Load balancer listener allows TLS below 1.2', oldTlsListener, 'Use ssl_policy = "ELBSecurityPolicy-TLS13-1-2-2021-06".', 'medium', 'security', 'protocol = "HTTPS"\n  ssl_policy = "ELBSecurityPolicy-TLS13-1-2-2021-06"', 'protocol = "HTTPS"\n  ssl_policy = "ELBSecurityPolicy-2016-08"', ENC],
  ['aws-lb-target-group-http', ['aws_lb_target_group', 'aws_alb_target_group'], undefined, 'Load balancer target group uses plain HTTP', (r) => (str(r.get('protocol'))?.toUpperCase() === 'HTTP' ? [{ path: 'protocol', message: 'traffic to the targets is plain HTTP' }] : []), 'Use protocol = "HTTPS" to the targets where the data is sensitive.', 'low', 'security', 'protocol = "HTTPS"\n  port = 443', 'protocol = "HTTP"\n  port = 80', ENC],
  ['aws-lb-access-logs-disabled', ['aws_lb', 'aws_alb'], undefined, 'Load balancer without access logs', on('access_logs.enabled', 'access logging'), 'Add access_logs { bucket = …, enabled = true }.', 'medium', 'security', 'access_logs {\n    bucket = "logs"\n    enabled = true\n  }', 'name = "lb"', LOG],
  ['aws-lb-cross-zone-disabled', ['aws_lb'], undefined, 'Network load balancer without cross-zone balancing', (r) => (/^(network|gateway)$/.test(String(r.get('load_balancer_type') ?? '')) && !isTrue(r.get('enable_cross_zone_load_balancing')) && isKnown(r.get('enable_cross_zone_load_balancing') ?? false) ? [{ path: r.has('enable_cross_zone_load_balancing') ? 'enable_cross_zone_load_balancing' : 'load_balancer_type', message: 'cross-zone load balancing is off' }] : []), 'Set enable_cross_zone_load_balancing = true.', 'low', 'reliability', 'load_balancer_type = "network"\n  enable_cross_zone_load_balancing = true', 'load_balancer_type = "network"'],
  ['aws-elb-listener-http', ['aws_elb'], undefined, 'Classic load balancer listener accepts plain HTTP', elbHttpListener, 'Use lb_protocol = "https" with an ACM certificate.', 'high', 'security', 'listener {\n    lb_port = 443\n    lb_protocol = "https"\n    instance_port = 80\n    instance_protocol = "http"\n    ssl_certificate_id = "arn:aws:acm:eu-west-1:123456789012:certificate/c"\n  }', 'listener {\n    lb_port = 80\n    lb_protocol = "http"\n    instance_port = 80\n    instance_protocol = "http"\n  }', ENC],
  ['aws-elb-certificate-not-acm', ['aws_elb'], undefined, 'Classic load balancer uses a certificate outside ACM', elbNonAcmCert, 'Issue the certificate in ACM so it renews automatically.', 'low', 'security', 'listener {\n    lb_port = 443\n    lb_protocol = "https"\n    instance_port = 80\n    instance_protocol = "http"\n    ssl_certificate_id = "arn:aws:acm:eu-west-1:123456789012:certificate/c"\n  }', 'listener {\n    lb_port = 443\n    lb_protocol = "https"\n    instance_port = 80\n    instance_protocol = "http"\n    ssl_certificate_id = "arn:aws:iam::123456789012:server-certificate/c"\n  }', ENC],
  ['aws-elb-cross-zone-disabled', ['aws_elb'], undefined, 'Classic load balancer without cross-zone balancing', falseIs('cross_zone_load_balancing', 'cross-zone load balancing is off'), 'Set cross_zone_load_balancing = true.', 'low', 'reliability', 'cross_zone_load_balancing = true', 'cross_zone_load_balancing = false'],
  // ECR
  ['aws-ecr-tags-mutable', ['aws_ecr_repository'], undefined, 'ECR repository tags are mutable', is('image_tag_mutability', ['IMMUTABLE'], 'image_tag_mutability'), 'Set image_tag_mutability = "IMMUTABLE".', 'medium', 'security', 'image_tag_mutability = "IMMUTABLE"', 'image_tag_mutability = "MUTABLE"'],
  ['aws-ecr-no-cmk', ['aws_ecr_repository'], undefined, 'ECR repository not encrypted with KMS', is('encryption_configuration.encryption_type', ['KMS'], 'encryption_type'), 'Add encryption_configuration { encryption_type = "KMS" }.', 'low', 'security', 'encryption_configuration {\n    encryption_type = "KMS"\n  }', 'name = "r"', ENC],
  // Neptune, DocumentDB, DAX, Redshift, RDS
  ['aws-neptune-unencrypted', ['aws_neptune_cluster'], undefined, 'Neptune cluster storage not encrypted', on('storage_encrypted', 'storage encryption'), 'Set storage_encrypted = true.', 'high', 'security', 'storage_encrypted = true', 'storage_encrypted = false', ENC],
  ['aws-neptune-instance-public', ['aws_neptune_cluster_instance'], undefined, 'Neptune instance is publicly accessible', notOn('publicly_accessible', 'public access'), 'Set publicly_accessible = false.', 'high', 'security', 'publicly_accessible = false', 'publicly_accessible = true', PUB],
  ['aws-docdb-unencrypted', ['aws_docdb_cluster'], undefined, 'DocumentDB cluster storage not encrypted', on('storage_encrypted', 'storage encryption'), 'Set storage_encrypted = true.', 'high', 'security', 'storage_encrypted = true', 'storage_encrypted = false', ENC],
  ['aws-docdb-tls-disabled', ['aws_docdb_cluster_parameter_group'], undefined, 'DocumentDB parameter group disables TLS', (r) => { const p = r.each('parameter').find((x) => isObject(x.value) && x.value.name === 'tls'); return p && isObject(p.value) && p.value.value === 'disabled' ? [{ path: `${p.path}.value`, message: 'TLS is disabled' }] : []; }, 'Remove the tls = disabled parameter.', 'high', 'security', 'family = "docdb4.0"\n  parameter {\n    name = "tls"\n    value = "enabled"\n  }', 'family = "docdb4.0"\n  parameter {\n    name = "tls"\n    value = "disabled"\n  }', ENC],
  ['aws-docdb-audit-logs-disabled', ['aws_docdb_cluster_parameter_group'], undefined, 'DocumentDB parameter group without audit logs', docdbParam('audit_logs', 'enabled', 'audit logging is off'), 'Add parameter { name = "audit_logs", value = "enabled" }.', 'medium', 'security', 'family = "docdb4.0"\n  parameter {\n    name = "audit_logs"\n    value = "enabled"\n  }', 'family = "docdb4.0"', LOG],
  ['aws-dax-unencrypted', ['aws_dax_cluster'], undefined, 'DAX cluster not encrypted at rest', on('server_side_encryption.enabled', 'server-side encryption'), 'Add server_side_encryption { enabled = true }.', 'medium', 'security', 'server_side_encryption {\n    enabled = true\n  }', 'cluster_name = "c"', ENC],
  ['aws-redshift-unencrypted', ['aws_redshift_cluster'], undefined, 'Redshift cluster not encrypted', on('encrypted', 'encryption'), 'Set encrypted = true with a kms_key_id.', 'high', 'security', 'encrypted = true\n  kms_key_id = "k"', 'encrypted = false', ENC],
  ['aws-redshift-no-cmk', ['aws_redshift_cluster'], undefined, 'Redshift cluster without a customer managed key', has('kms_key_id', 'kms_key_id'), 'Set kms_key_id.', 'low', 'security', 'encrypted = true\n  kms_key_id = "k"', 'encrypted = true', ENC],
  ['aws-redshift-public', ['aws_redshift_cluster'], undefined, 'Redshift cluster is publicly accessible', notOn('publicly_accessible', 'public access'), 'Set publicly_accessible = false.', 'high', 'security', 'publicly_accessible = false', 'publicly_accessible = true', PUB],
  ['aws-redshift-logging-disabled', ['aws_redshift_cluster'], undefined, 'Redshift cluster without audit logging', (r, ctx) => (isTrue(r.get('logging.enable')) || ctx.referencing(r.res, 'aws_redshift_logging', 'cluster_identifier').length || !isKnown(r.get('logging.enable') ?? false) ? [] : [{ path: r.has('logging') ? 'logging' : undefined, message: 'audit logging is off' }]), 'Add logging { enable = true } or an aws_redshift_logging resource.', 'medium', 'security', 'logging {\n    enable = true\n    bucket_name = "logs"\n  }', 'cluster_identifier = "c"', LOG],
  ['aws-redshift-version-upgrade-disabled', ['aws_redshift_cluster'], undefined, 'Redshift cluster does not take version upgrades', falseIs('allow_version_upgrade', 'version upgrades are disabled'), 'Set allow_version_upgrade = true.', 'low', 'reliability', 'allow_version_upgrade = true', 'allow_version_upgrade = false'],
  ['aws-redshift-ssl-not-required', ['aws_redshift_parameter_group'], undefined, 'Redshift parameter group does not require SSL', docdbParam('require_ssl', 'true', 'SSL is not required'), 'Add parameter { name = "require_ssl", value = "true" }.', 'medium', 'security', 'family = "redshift-1.0"\n  parameter {\n    name = "require_ssl"\n    value = "true"\n  }', 'family = "redshift-1.0"', ENC],
  ['aws-rds-cluster-iam-auth-disabled', ['aws_rds_cluster'], undefined, 'RDS cluster without IAM database authentication', on('iam_database_authentication_enabled', 'IAM database authentication'), 'Set iam_database_authentication_enabled = true.', 'medium', 'security', 'iam_database_authentication_enabled = true', 'iam_database_authentication_enabled = false'],
  ['aws-rds-cluster-deletion-protection-disabled', ['aws_rds_cluster'], undefined, 'RDS cluster without deletion protection', on('deletion_protection', 'deletion protection'), 'Set deletion_protection = true.', 'low', 'reliability', 'deletion_protection = true', 'deletion_protection = false', BAK],
  ['aws-rds-global-cluster-unencrypted', ['aws_rds_global_cluster'], undefined, 'RDS global cluster not encrypted', on('storage_encrypted', 'storage encryption'), 'Set storage_encrypted = true.', 'high', 'security', 'storage_encrypted = true', 'storage_encrypted = false', ENC],
  ['aws-rds-enhanced-monitoring-disabled', ['aws_db_instance', 'aws_rds_cluster_instance'], undefined, 'RDS instance without enhanced monitoring', (r) => { const v = r.get('monitoring_interval'); return v === undefined || v === 0 ? [{ path: v === undefined ? undefined : 'monitoring_interval', message: 'enhanced monitoring is off' }] : []; }, 'Set monitoring_interval (e.g. 60) and monitoring_role_arn.', 'low', 'performance', 'monitoring_interval = 60\n  monitoring_role_arn = "arn"', 'monitoring_interval = 0'],
  ['aws-db-instance-single-az', ['aws_db_instance'], undefined, 'RDS instance in a single availability zone', on('multi_az', 'Multi-AZ'), 'Set multi_az = true for production databases.', 'low', 'reliability', 'multi_az = true', 'multi_az = false', BAK],
  // ElastiCache, MQ, MSK, DynamoDB-adjacent
  ['aws-elasticache-no-auth-token', ['aws_elasticache_replication_group'], undefined, 'Redis replication group without an AUTH token', (r) => (r.has('auth_token') || r.has('user_group_ids') ? [] : [{ message: 'no auth_token (or RBAC user group) is set' }]), 'Set transit_encryption_enabled = true and an auth_token from a secret store.', 'medium', 'security', 'transit_encryption_enabled = true\n  auth_token = var.redis_token', 'transit_encryption_enabled = true', ENC],
  ['aws-mq-broker-logging-disabled', ['aws_mq_broker'], undefined, 'Amazon MQ broker logging disabled', (r) => (isTrue(r.get('logs.general')) ? [] : [{ path: r.has('logs') ? 'logs' : undefined, message: 'general logging is off' }]), 'Add logs { general = true, audit = true }.', 'medium', 'security', 'logs {\n    general = true\n    audit = true\n  }', 'broker_name = "b"', LOG],
  ['aws-mq-broker-public', ['aws_mq_broker'], undefined, 'Amazon MQ broker is publicly accessible', notOn('publicly_accessible', 'public access'), 'Set publicly_accessible = false.', 'high', 'security', 'publicly_accessible = false', 'publicly_accessible = true', PUB],
  ['aws-msk-transit-unencrypted', ['aws_msk_cluster'], undefined, 'MSK cluster allows plaintext traffic', (r) => { const hits: Hit[] = []; const cb = r.get('encryption_info.encryption_in_transit.client_broker'); if (cb === 'PLAINTEXT' || cb === 'TLS_PLAINTEXT') hits.push({ path: 'encryption_info.encryption_in_transit.client_broker', message: `client_broker is ${cb}` }); if (r.get('encryption_info.encryption_in_transit.in_cluster') === false) hits.push({ path: 'encryption_info.encryption_in_transit.in_cluster', message: 'traffic between brokers is not encrypted' }); return hits; }, 'Set client_broker = "TLS" and in_cluster = true.', 'high', 'security', 'encryption_info {\n    encryption_in_transit {\n      client_broker = "TLS"\n      in_cluster = true\n    }\n  }', 'encryption_info {\n    encryption_in_transit {\n      client_broker = "TLS_PLAINTEXT"\n    }\n  }', ENC],
  ['aws-dynamodb-global-table-no-pitr', ['aws_dynamodb_table'], undefined, 'Replicated DynamoDB table without point-in-time recovery on its replicas', (r) => r.each('replica').filter((x) => isObject(x.value) && x.value.point_in_time_recovery === false).map((x) => ({ path: `${x.path}.point_in_time_recovery`, message: 'a replica has point-in-time recovery off' })), 'Set point_in_time_recovery = true on every replica.', 'medium', 'reliability', 'replica {\n    region_name = "eu-west-2"\n    point_in_time_recovery = true\n  }', 'replica {\n    region_name = "eu-west-2"\n    point_in_time_recovery = false\n  }', BAK],
  // Compute
  ['aws-ec2-imdsv1-enabled', ['aws_instance', 'aws_launch_template', 'aws_launch_configuration'], undefined, 'Instance metadata service allows IMDSv1', imdsv1, 'Add metadata_options { http_tokens = "required" }.', 'high', 'security', 'metadata_options {\n    http_tokens = "required"\n  }', 'metadata_options {\n    http_tokens = "optional"\n  }', ['SOC2:CC6.1']],
  ['aws-lambda-no-dlq', ['aws_lambda_function'], undefined, 'Lambda function without a dead-letter queue', has('dead_letter_config.target_arn', 'dead_letter_config'), 'Add dead_letter_config { target_arn = … }.', 'low', 'reliability', 'dead_letter_config {\n    target_arn = "arn"\n  }', 'function_name = "f"'],
  ['aws-lambda-no-concurrency-limit', ['aws_lambda_function'], undefined, 'Lambda function without a concurrency limit', has('reserved_concurrent_executions', 'reserved_concurrent_executions'), 'Set reserved_concurrent_executions.', 'info', 'reliability', 'reserved_concurrent_executions = 10', 'function_name = "f"'],
  ['aws-lambda-not-in-vpc', ['aws_lambda_function'], undefined, 'Lambda function outside a VPC', has('vpc_config', 'vpc_config'), 'Attach the function to private subnets with vpc_config when it reaches private resources.', 'info', 'security', 'vpc_config {\n    subnet_ids = ["s"]\n    security_group_ids = ["g"]\n  }', 'function_name = "f"'],
  ['aws-eks-public-endpoint-open', ['aws_eks_cluster'], undefined, 'EKS public endpoint reachable from any address', (r) => { if (r.get('vpc_config.endpoint_public_access') === false) return []; const cidrs = r.get('vpc_config.public_access_cidrs'); if (cidrs !== undefined && !isKnown(cidrs)) return []; return cidrs === undefined || asStrings(cidrs).includes('0.0.0.0/0') ? [{ path: cidrs === undefined ? 'vpc_config' : 'vpc_config.public_access_cidrs', message: 'the public API endpoint accepts 0.0.0.0/0' }] : []; }, 'Set vpc_config.public_access_cidrs to known ranges, or endpoint_public_access = false.', 'high', 'security', 'vpc_config {\n    subnet_ids = ["s"]\n    public_access_cidrs = ["203.0.113.0/24"]\n  }', 'vpc_config {\n    subnet_ids = ["s"]\n  }', PUB],
  ['aws-eks-node-group-ssh-open', ['aws_eks_node_group'], ['eks_node_group_remote_access_disabled'], 'EKS node group SSH open to everyone', (r) => (r.has('remote_access.ec2_ssh_key') && !r.has('remote_access.source_security_group_ids') ? [{ path: 'remote_access', message: 'SSH is allowed from 0.0.0.0/0 (no source_security_group_ids)' }] : []), 'Set remote_access.source_security_group_ids, or drop remote_access and use SSM.', 'high', 'security', 'remote_access {\n    ec2_ssh_key = "k"\n    source_security_group_ids = ["sg-1"]\n  }', 'remote_access {\n    ec2_ssh_key = "k"\n  }', PUB],
  ['aws-ecs-efs-transit-unencrypted', ['aws_ecs_task_definition'], undefined, 'ECS task mounts EFS without transit encryption', (r) => r.each('volume').filter((v) => isObject(v.value) && v.value.efs_volume_configuration !== undefined && (asList(v.value.efs_volume_configuration)[0] as Record<string, Value> | undefined)?.transit_encryption !== 'ENABLED').map((v) => ({ path: `${v.path}.efs_volume_configuration`, message: 'transit_encryption is not ENABLED' })), 'Set efs_volume_configuration.transit_encryption = "ENABLED".', 'medium', 'security', 'family = "f"\n  container_definitions = "[]"\n  volume {\n    name = "v"\n    efs_volume_configuration {\n      file_system_id = "fs"\n      transit_encryption = "ENABLED"\n    }\n  }', 'family = "f"\n  container_definitions = "[]"\n  volume {\n    name = "v"\n    efs_volume_configuration {\n      file_system_id = "fs"\n    }\n  }', ENC],
  ['aws-emr-no-kerberos', ['aws_emr_cluster'], undefined, 'EMR cluster without Kerberos', has('kerberos_attributes', 'kerberos_attributes'), 'Add kerberos_attributes with a security configuration that enables Kerberos.', 'low', 'security', 'kerberos_attributes {\n    realm = "EC2.INTERNAL"\n    kdc_admin_password = var.kdc\n  }', 'name = "c"'],
  ['aws-sagemaker-notebook-internet', ['aws_sagemaker_notebook_instance'], undefined, 'SageMaker notebook with direct internet access', is('direct_internet_access', ['Disabled'], 'direct_internet_access'), 'Set direct_internet_access = "Disabled" and route through the VPC.', 'medium', 'security', 'direct_internet_access = "Disabled"', 'direct_internet_access = "Enabled"', PUB],
  ['aws-transfer-server-public', ['aws_transfer_server'], undefined, 'Transfer server endpoint is public', (r) => { const t = r.get('endpoint_type'); return t === undefined || t === 'PUBLIC' ? [{ path: t === undefined ? undefined : 'endpoint_type', message: 'the endpoint is public' }] : []; }, 'Use endpoint_type = "VPC".', 'medium', 'security', 'endpoint_type = "VPC"', 'endpoint_type = "PUBLIC"', PUB],
  // IAM
  ['aws-iam-policy-service-wildcard', ['aws_iam_policy', 'aws_iam_role_policy', 'aws_iam_user_policy', 'aws_iam_group_policy', 'aws_iam_role', 'data.aws_iam_policy_document'], undefined, 'IAM policy allows every action of a service on every resource', wildcardServicePolicy, 'List the actions the workload needs and scope Resource to its ARNs.', 'high', 'security', 'policy = jsonencode({ Statement = [{ Effect = "Allow", Action = ["s3:GetObject"], Resource = "arn:aws:s3:::b/*" }] })', 'policy = jsonencode({ Statement = [{ Effect = "Allow", Action = ["s3:*", "ec2:*"], Resource = "*" }] })', ['SOC2:CC6.3']],
  ['aws-iam-password-no-lowercase', ['aws_iam_account_password_policy'], undefined, 'Password policy does not require a lowercase letter', passwordPolicy('require_lowercase_characters', 'a lowercase letter'), 'Set require_lowercase_characters = true.', 'medium', 'security', 'require_lowercase_characters = true', 'require_lowercase_characters = false', ['CIS-AWS-1.2:1.6']],
  ['aws-iam-password-no-uppercase', ['aws_iam_account_password_policy'], undefined, 'Password policy does not require an uppercase letter', passwordPolicy('require_uppercase_characters', 'an uppercase letter'), 'Set require_uppercase_characters = true.', 'medium', 'security', 'require_uppercase_characters = true', 'require_uppercase_characters = false', ['CIS-AWS-1.2:1.5']],
  ['aws-iam-password-no-number', ['aws_iam_account_password_policy'], undefined, 'Password policy does not require a number', passwordPolicy('require_numbers', 'a number'), 'Set require_numbers = true.', 'medium', 'security', 'require_numbers = true', 'require_numbers = false', ['CIS-AWS-1.2:1.8']],
  ['aws-iam-password-no-symbol', ['aws_iam_account_password_policy'], undefined, 'Password policy does not require a symbol', passwordPolicy('require_symbols', 'a symbol'), 'Set require_symbols = true.', 'medium', 'security', 'require_symbols = true', 'require_symbols = false', ['CIS-AWS-1.2:1.7']],
  ['aws-iam-group-without-users', ['aws_iam_group'], ['iam_group_without_users'], 'IAM group without users', (r, ctx) => (ctx.referencing(r.res, ['aws_iam_group_membership', 'aws_iam_user_group_membership'], ['group', 'groups']).some((m) => m.kind === 'aws_iam_user_group_membership' || !Array.isArray(m.attrs.users) || m.attrs.users.length > 0) ? [] : [{ message: 'no user is a member of the group' }]), 'Add members with aws_iam_group_membership, or remove the group.', 'info', 'security', 'resource "aws_iam_group" "x" {\n  name = "g"\n}\nresource "aws_iam_group_membership" "m" {\n  name = "m"\n  group = aws_iam_group.x.name\n  users = ["u"]\n}', 'name = "g"'],
  ['aws-iam-user-without-group', ['aws_iam_user'], undefined, 'IAM user in no group', unreferenced(['aws_iam_group_membership', 'aws_iam_user_group_membership'], ['users', 'user'], 'the user is in no group; permissions are managed per user'), 'Grant permissions through group membership.', 'info', 'security', 'resource "aws_iam_user" "x" {\n  name = "u"\n}\nresource "aws_iam_user_group_membership" "m" {\n  user = aws_iam_user.x.name\n  groups = ["g"]\n}', 'name = "u"'],
  ['aws-iam-user-console-access', ['aws_iam_user'], ['iam_user_with_access_to_console'], 'IAM user has console access', (r, ctx) => (ctx.referencing(r.res, 'aws_iam_user_login_profile', 'user').length ? [{ message: 'the user has a login profile (console password)' }] : []), 'Use SSO/federation for people; keep IAM users programmatic.', 'low', 'security', 'name = "u"', 'resource "aws_iam_user" "x" {\n  name = "u"\n}\nresource "aws_iam_user_login_profile" "p" {\n  user = aws_iam_user.x.name\n}'],
  // Policies on data services
  ['aws-sqs-policy-all-actions', ['aws_sqs_queue_policy', 'aws_sqs_queue'], ['sqs_policy_allows_all_actions'], 'SQS queue policy allows every action', sqsAllActions, 'Allow only the SQS actions the principal needs.', 'high', 'security', 'policy = jsonencode({ Statement = [{ Effect = "Allow", Principal = { AWS = "arn:aws:iam::123456789012:root" }, Action = "sqs:SendMessage", Resource = "*" }] })', 'policy = jsonencode({ Statement = [{ Effect = "Allow", Principal = { AWS = "arn:aws:iam::123456789012:root" }, Action = "sqs:*", Resource = "*" }] })', ['SOC2:CC6.3']],
  ['aws-sns-topic-policy-public', ['aws_sns_topic_policy', 'aws_sns_topic'], undefined, 'SNS topic policy allows any principal', publicPolicy('policy', 'topic'), 'Name the principals, or add an aws:SourceArn/SourceAccount condition.', 'high', 'security', 'policy = jsonencode({ Statement = [{ Effect = "Allow", Principal = { Service = "events.amazonaws.com" }, Action = "sns:Publish", Resource = "*" }] })', 'policy = jsonencode({ Statement = [{ Effect = "Allow", Principal = "*", Action = "sns:Publish", Resource = "*" }] })', PUB],
  ['aws-glacier-vault-policy-public', ['aws_glacier_vault'], undefined, 'Glacier vault policy allows any principal', publicPolicy('access_policy', 'vault access'), 'Name the principals allowed to use the vault.', 'high', 'security', 'access_policy = jsonencode({ Statement = [{ Effect = "Allow", Principal = { AWS = "arn:aws:iam::123456789012:root" }, Action = "glacier:InitiateJob", Resource = "*" }] })', 'access_policy = jsonencode({ Statement = [{ Effect = "Allow", Principal = "*", Action = "glacier:InitiateJob", Resource = "*" }] })', PUB],
  ['aws-kms-key-policy-public', ['aws_kms_key'], undefined, 'KMS key policy allows any principal', publicPolicy('policy', 'key'), 'Name the principals in the key policy.', 'critical', 'security', 'policy = jsonencode({ Statement = [{ Effect = "Allow", Principal = { AWS = "arn:aws:iam::123456789012:root" }, Action = "kms:*", Resource = "*" }] })', 'policy = jsonencode({ Statement = [{ Effect = "Allow", Principal = { AWS = "*" }, Action = "kms:*", Resource = "*" }] })', ENC],
  // Logging and monitoring
  ['aws-apigw-stage-access-logs-disabled', ['aws_api_gateway_stage', 'aws_apigatewayv2_stage'], undefined, 'API Gateway stage without access logs', has('access_log_settings', 'access_log_settings'), 'Add access_log_settings with a log group destination.', 'medium', 'security', 'access_log_settings {\n    destination_arn = "arn"\n    format = "$context.requestId"\n  }', 'stage_name = "s"', LOG],
  ['aws-apigw-stage-cache-disabled', ['aws_api_gateway_stage'], undefined, 'API Gateway stage without caching', on('cache_cluster_enabled', 'the cache cluster'), 'Set cache_cluster_enabled = true where responses are cacheable.', 'info', 'performance', 'cache_cluster_enabled = true', 'cache_cluster_enabled = false'],
  ['aws-apigw-method-logging-off', ['aws_api_gateway_method_settings'], undefined, 'API Gateway method logging is off', (r) => { const v = r.get('settings.logging_level'); return v === undefined || v === 'OFF' ? [{ path: v === undefined ? 'settings' : 'settings.logging_level', message: 'execution logging is off' }] : []; }, 'Set settings.logging_level = "ERROR" or "INFO".', 'low', 'security', 'method_path = "*/*"\n  settings {\n    logging_level = "ERROR"\n  }', 'method_path = "*/*"\n  settings {\n    logging_level = "OFF"\n  }', LOG],
  ['aws-global-accelerator-flow-logs-disabled', ['aws_globalaccelerator_accelerator'], ['global_accelerator_flow_logs_disabled'], 'Global Accelerator without flow logs', on('attributes.flow_logs_enabled', 'flow logs'), 'Add attributes { flow_logs_enabled = true, flow_logs_s3_bucket = … }.', 'medium', 'security', 'attributes {\n    flow_logs_enabled = true\n    flow_logs_s3_bucket = "logs"\n  }', 'name = "a"', LOG],
  ['aws-cloudfront-no-waf', ['aws_cloudfront_distribution'], ['cloudfront_without_waf'], 'CloudFront distribution without WAF', has('web_acl_id', 'web_acl_id'), 'Associate a WAF web ACL with web_acl_id.', 'medium', 'security', 'web_acl_id = "arn"', 'enabled = true', PUB],
  ['aws-cloudformation-stack-no-notifications', ['aws_cloudformation_stack'], ['stack_notifications_disabled'], 'CloudFormation stack without notifications', has('notification_arns', 'notification_arns'), 'Set notification_arns to an SNS topic.', 'low', 'reliability', 'name = "s"\n  notification_arns = ["arn"]', 'name = "s"'],
  // Encryption of analytics, backup and other stores
  ['aws-athena-database-unencrypted', ['aws_athena_database'], undefined, 'Athena database results not encrypted', has('encryption_configuration', 'encryption_configuration'), 'Add encryption_configuration { encryption_option = "SSE_KMS" }.', 'medium', 'security', 'name = "d"\n  bucket = "b"\n  encryption_configuration {\n    encryption_option = "SSE_KMS"\n  }', 'name = "d"\n  bucket = "b"', ENC],
  ['aws-athena-workgroup-config-not-enforced', ['aws_athena_workgroup'], undefined, 'Athena workgroup lets clients override its settings', falseIs('configuration.enforce_workgroup_configuration', 'clients may override the workgroup configuration, including encryption'), 'Set configuration.enforce_workgroup_configuration = true.', 'medium', 'security', 'configuration {\n    enforce_workgroup_configuration = true\n  }', 'configuration {\n    enforce_workgroup_configuration = false\n  }', ENC],
  ['aws-codebuild-artifacts-unencrypted', ['aws_codebuild_project'], undefined, 'CodeBuild artifacts not encrypted', (r) => [...r.all('artifacts.encryption_disabled'), ...r.all('secondary_artifacts.encryption_disabled')].filter((x) => isTrue(x.value)).map((x) => ({ path: x.path, message: 'artifact encryption is disabled' })), 'Remove encryption_disabled = true.', 'medium', 'security', 'artifacts {\n    type = "S3"\n    encryption_disabled = false\n  }', 'artifacts {\n    type = "S3"\n    encryption_disabled = true\n  }', ENC],
  ['aws-codebuild-no-cmk', ['aws_codebuild_project'], undefined, 'CodeBuild project without a customer managed key', has('encryption_key', 'encryption_key'), 'Set encryption_key to a KMS key.', 'low', 'security', 'encryption_key = "arn"', 'name = "p"', ENC],
  ['aws-glue-catalog-unencrypted', ['aws_glue_data_catalog_encryption_settings'], ['glue_data_catalog_encryption_disabled'], 'Glue Data Catalog not encrypted', glueCatalog, 'Set catalog_encryption_mode = "SSE-KMS" and return_connection_password_encrypted = true.', 'medium', 'security', 'data_catalog_encryption_settings {\n    connection_password_encryption {\n      return_connection_password_encrypted = true\n      aws_kms_key_id = "arn"\n    }\n    encryption_at_rest {\n      catalog_encryption_mode = "SSE-KMS"\n      sse_aws_kms_key_id = "arn"\n    }\n  }', 'data_catalog_encryption_settings {\n    connection_password_encryption {\n      return_connection_password_encrypted = false\n    }\n    encryption_at_rest {\n      catalog_encryption_mode = "DISABLED"\n    }\n  }', ENC],
  ['aws-glue-security-configuration-unencrypted', ['aws_glue_security_configuration'], undefined, 'Glue security configuration leaves data unencrypted', glueSecurityConfig, 'Enable CloudWatch, job bookmark and S3 encryption with KMS.', 'medium', 'security', 'name = "c"\n  encryption_configuration {\n    cloudwatch_encryption {\n      cloudwatch_encryption_mode = "SSE-KMS"\n    }\n    job_bookmarks_encryption {\n      job_bookmarks_encryption_mode = "CSE-KMS"\n    }\n    s3_encryption {\n      s3_encryption_mode = "SSE-KMS"\n    }\n  }', 'name = "c"\n  encryption_configuration {\n    cloudwatch_encryption {\n      cloudwatch_encryption_mode = "DISABLED"\n    }\n    job_bookmarks_encryption {\n      job_bookmarks_encryption_mode = "CSE-KMS"\n    }\n    s3_encryption {\n      s3_encryption_mode = "SSE-KMS"\n    }\n  }', ENC],
  ['aws-timestream-no-cmk', ['aws_timestreamwrite_database'], undefined, 'Timestream database without a customer managed key', has('kms_key_id', 'kms_key_id'), 'Set kms_key_id.', 'low', 'security', 'database_name = "d"\n  kms_key_id = "arn"', 'database_name = "d"', ENC],
  ['aws-backup-vault-no-cmk', ['aws_backup_vault'], undefined, 'Backup vault without a customer managed key', has('kms_key_arn', 'kms_key_arn'), 'Set kms_key_arn.', 'low', 'security', 'name = "v"\n  kms_key_arn = "arn"', 'name = "v"', ENC],
  // Network
  ['aws-vpc-endpoint-service-auto-accept', ['aws_vpc_endpoint_service'], undefined, 'VPC endpoint service accepts connections automatically', falseIs('acceptance_required', 'connections are accepted without review'), 'Set acceptance_required = true.', 'medium', 'security', 'acceptance_required = true', 'acceptance_required = false', PUB],
  ['aws-eip-unattached', ['aws_eip'], undefined, 'Elastic IP not attached to anything', (r, ctx) => (r.has('instance') || r.has('network_interface') || ctx.referencing(r.res, ['aws_eip_association', 'aws_nat_gateway'], ['allocation_id']).length ? [] : [{ message: 'the address is attached to no instance, interface or NAT gateway in this configuration' }]), 'Attach the address or release it.', 'info', 'cost', 'instance = "i-1"', 'domain = "vpc"'],
  ['aws-network-acl-unattached', ['aws_network_acl'], undefined, 'Network ACL attached to no subnet', (r, ctx) => (asList(r.get('subnet_ids')).length || ctx.referencing(r.res, 'aws_network_acl_association', 'network_acl_id').length || !isKnown(r.get('subnet_ids') ?? []) ? [] : [{ message: 'the network ACL protects no subnet' }]), 'Associate the ACL with subnets (subnet_ids or aws_network_acl_association) or remove it.', 'info', 'security', 'vpc_id = "v"\n  subnet_ids = ["s"]', 'vpc_id = "v"'],
];

/** Rules from rows; the fixtures are `resource "<first kind>" "x" {…}` blocks unless a body is whole HCL. */
export const rulesFromRows = (rows: Row[]): Rule[] => rows.map(([id, kinds, kics, title, check, fix, sev, cat, pass, failBody, compliance]) => {
  const block = (body: string) => (/^(resource|data) "/.test(body) ? body : `resource "${kinds[0] ?? ''}" "x" {\n  ${body}\n}`);
  return tf(id, {
    title, desc: describeRisk(title, compliance, cat), sev, cat, kinds, check, fix, kics: kics?.length ? kics : undefined, compliance,
    pass: [block(pass)], fail: [block(failBody)],
  });
});

export const tfBreadthRules: Rule[] = rulesFromRows(ROWS);

