import { Unknown, type Value } from '../../model.js';
import { forbidValue, grants, isFalse, isKnown, isTrue, oneOf, requirePresent, requireTrue } from '../../engine/checks.js';
import type { CheckFn } from '../../engine/rule.js';
import type { ResourceView } from '../../engine/view.js';
import { tf } from '../dsl.js';
import { allows, policyCheck, related, spanOf } from '../shared.js';

const BUCKET = ['aws_s3_bucket'];
const ENC = ['SOC2:CC6.1', 'GDPR:Art32'];
const LOG = ['SOC2:CC7.2'];

/** True when the bucket (inline block, module input or a companion resource) has versioning enabled. */
const bucketFlag =
  (inline: string, companion: string, companionPath: string, good: (v: unknown) => boolean, message: string): CheckFn =>
  (r, ctx) => {
    const v = r.get(inline);
    if (!isKnown(v) && v !== undefined) return [];
    if (v !== undefined && good(v)) return [];
    const others = related(r, ctx, companion);
    if (others.length) {
      const bad = others.filter((o) => {
        const x = r.res === o ? undefined : getPathOf(o.attrs, companionPath);
        return x !== undefined && isKnown(x) && !good(x);
      });
      return bad.map((o) => ({ message, at: spanOf(o, companionPath) }));
    }
    return [{ path: v === undefined ? undefined : inline, message }];
  };

function getPathOf(attrs: Record<string, unknown>, path: string): Value | undefined {
  let cur: unknown = attrs;
  for (const p of path.split('.')) {
    if (Array.isArray(cur)) cur = cur[0];
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur as Value | undefined;
}

const aclIs =
  (...bad: string[]): CheckFn =>
  (r, ctx) => {
    const hits = forbidValue('acl', oneOf(...bad), `bucket ACL grants ${bad.join('/')} access`)(r, ctx);
    for (const o of related(r, ctx, 'aws_s3_bucket_acl')) {
      const acl = o.attrs.acl;
      if (typeof acl === 'string' && bad.includes(acl)) hits.push({ message: `bucket ACL grants ${acl} access`, at: spanOf(o, 'acl') });
    }
    return hits;
  };

const publicAccessBlock = (attr: string, what: string): CheckFn => (r) => {
  const v = r.get(attr);
  if (v === undefined || isFalse(v)) return [{ path: v === undefined ? undefined : attr, message: `public access block does not ${what}`, fix: { path: attr, value: true } }];
  return [];
};

const principalAll = (s: { principalWildcard: boolean }) => s.principalWildcard;

const publicAction = (prefix: string) =>
  policyCheck('policy', (s) => allows(s) && principalAll(s) && (grants(s, `s3:${prefix}Object`) || s.actions.some((a) => a === '*' || a === 's3:*' || a.toLowerCase().startsWith(`s3:${prefix.toLowerCase()}`))), `the bucket policy allows s3:${prefix}* to any principal`);

const sslDenied = (r: ResourceView) => {
  if (isTrue(r.get('attach_deny_insecure_transport_policy'))) return true;
  const v = r.get('policy');
  if (v === undefined || v === null) return true;
  // A policy with unknown parts is judged on its known text; a wholly unknown one is not judged.
  const text = typeof v === 'string' ? v : v instanceof Unknown ? v.text : JSON.stringify(v);
  if (text === undefined) return true;
  return /aws:SecureTransport/i.test(text) && /"Deny"/i.test(text);
};

export const s3Rules = [
  tf('aws-s3-bucket-versioning-disabled', {
    title: 'S3 bucket without versioning',
    desc: 'Versioning keeps prior object versions so that overwrites and deletions can be undone.',
    sev: 'medium', cat: 'reliability', kinds: BUCKET,
    check: bucketFlag('versioning.enabled', 'aws_s3_bucket_versioning', 'versioning_configuration.status', (v) => isTrue(v as never) || v === 'Enabled', 'bucket versioning is not enabled'),
    fix: 'Enable versioning (versioning { enabled = true } or an aws_s3_bucket_versioning with status "Enabled").',
    kics: ['s3_bucket_without_versioning'], compliance: ['SOC2:A1.2'],
    pass: ['resource "aws_s3_bucket" "b" {\n  bucket = "b"\n  versioning {\n    enabled = true\n  }\n}', 'resource "aws_s3_bucket" "b" { bucket = "b" }\nresource "aws_s3_bucket_versioning" "v" {\n  bucket = aws_s3_bucket.b.id\n  versioning_configuration { status = "Enabled" }\n}'],
    fail: ['resource "aws_s3_bucket" "b" { bucket = "b" }', 'resource "aws_s3_bucket" "b" {\n  versioning {\n    enabled = false\n  }\n}'],
  }),
  tf('aws-s3-bucket-logging-disabled', {
    title: 'S3 bucket without access logging',
    desc: 'Server access logs record requests made to the bucket for audits and investigations.',
    sev: 'medium', cat: 'security', kinds: BUCKET,
    check: (r, ctx) => (r.has('logging') || related(r, ctx, 'aws_s3_bucket_logging').length ? [] : [{ message: 'bucket access logging is not enabled' }]),
    fix: 'Add a logging block (or an aws_s3_bucket_logging resource) with a target bucket.',
    kics: ['s3_bucket_logging_disabled'], compliance: LOG,
    pass: ['resource "aws_s3_bucket" "b" {\n  logging {\n    target_bucket = "logs"\n  }\n}'],
    fail: ['resource "aws_s3_bucket" "b" { bucket = "b" }'],
  }),
  tf('aws-s3-bucket-mfa-delete-disabled', {
    title: 'S3 bucket versioning without MFA delete',
    desc: 'MFA delete requires a second factor to delete object versions or change versioning state.',
    sev: 'low', cat: 'security', kinds: BUCKET,
    check: (r, ctx) => {
      const hits = [];
      if (r.has('versioning') && !isTrue(r.get('versioning.mfa_delete')) && isKnown(r.get('versioning.mfa_delete') ?? false)) hits.push({ path: r.has('versioning.mfa_delete') ? 'versioning.mfa_delete' : 'versioning', message: 'MFA delete is not enabled' });
      for (const o of related(r, ctx, 'aws_s3_bucket_versioning')) {
        const v = getPathOf(o.attrs, 'versioning_configuration.mfa_delete');
        if (v !== 'Enabled' && (v === undefined || isKnown(v))) hits.push({ message: 'MFA delete is not enabled', at: spanOf(o, v === undefined ? 'versioning_configuration' : 'versioning_configuration.0.mfa_delete') });
      }
      return hits;
    },
    fix: 'Set mfa_delete = true in the versioning configuration (requires the root account MFA device).',
    kics: ['s3_bucket_without_enabled_mfa_delete'], compliance: ['CIS-AWS-1.4:2.1.3'],
    pass: ['resource "aws_s3_bucket" "b" {\n  versioning {\n    enabled    = true\n    mfa_delete = true\n  }\n}'],
    fail: ['resource "aws_s3_bucket" "b" {\n  versioning {\n    enabled = true\n  }\n}'],
  }),
  tf('aws-s3-bucket-acl-public-read-write', {
    title: 'S3 bucket ACL allows public read and write',
    desc: 'The public-read-write canned ACL lets anyone on the internet list, read and overwrite objects.',
    sev: 'critical', cat: 'security', kinds: BUCKET,
    check: aclIs('public-read-write'),
    fix: 'Use the private canned ACL and grant access through policies.',
    kics: ['s3_bucket_acl_allows_read_or_write_to_all_users'], refs: { cwe: ['CWE-732'] }, compliance: ['SOC2:CC6.1', 'GDPR:Art32'],
    pass: ['resource "aws_s3_bucket" "b" { acl = "private" }'],
    fail: ['resource "aws_s3_bucket" "b" { acl = "public-read-write" }'],
  }),
  tf('aws-s3-bucket-acl-authenticated-read', {
    title: 'S3 bucket ACL allows any authenticated AWS user to read',
    desc: 'authenticated-read grants read to every AWS account, not just yours.',
    sev: 'high', cat: 'security', kinds: BUCKET,
    check: aclIs('authenticated-read'),
    fix: 'Use the private canned ACL.',
    kics: ['s3_bucket_acl_allows_read_to_any_authenticated_user'], compliance: ['SOC2:CC6.1'],
    pass: ['resource "aws_s3_bucket" "b" { acl = "private" }'],
    fail: ['resource "aws_s3_bucket" "b" { acl = "authenticated-read" }'],
  }),
  tf('aws-s3-bucket-acl-public-read', {
    title: 'S3 bucket ACL allows public read',
    desc: 'The public-read canned ACL exposes every object to the internet.',
    sev: 'high', cat: 'security', kinds: BUCKET,
    check: aclIs('public-read'),
    fix: 'Use the private canned ACL; serve public content through CloudFront with origin access control.',
    kics: ['s3_bucket_acl_allows_read_or_write_to_all_users'],
    compliance: ['SOC2:CC6.1', 'GDPR:Art32'],
    pass: ['resource "aws_s3_bucket" "b" { acl = "private" }'],
    fail: ['resource "aws_s3_bucket" "b" { acl = "public-read" }'],
  }),
  tf('aws-s3-public-access-block-acls-allowed', {
    title: 'S3 public access block does not block public ACLs',
    desc: 'block_public_acls stops new public ACLs from being applied to the bucket and its objects.',
    sev: 'high', cat: 'security', kinds: ['aws_s3_bucket_public_access_block'],
    check: publicAccessBlock('block_public_acls', 'block public ACLs'),
    fix: 'Set block_public_acls = true.',
    kics: ['s3_bucket_allows_public_acl'], compliance: ['CIS-AWS-1.4:2.1.5'],
    pass: ['resource "aws_s3_bucket_public_access_block" "p" {\n  bucket = "b"\n  block_public_acls = true\n}'],
    fail: ['resource "aws_s3_bucket_public_access_block" "p" {\n  bucket = "b"\n  block_public_acls = false\n}'],
  }),
  tf('aws-s3-public-access-block-acls-not-ignored', {
    title: 'S3 public access block does not ignore public ACLs',
    desc: 'ignore_public_acls makes S3 disregard public ACLs already present.',
    sev: 'high', cat: 'security', kinds: ['aws_s3_bucket_public_access_block'],
    check: publicAccessBlock('ignore_public_acls', 'ignore public ACLs'),
    fix: 'Set ignore_public_acls = true.',
    kics: ['s3_bucket_without_ignore_public_acl'], compliance: ['CIS-AWS-1.4:2.1.5'],
    pass: ['resource "aws_s3_bucket_public_access_block" "p" {\n  ignore_public_acls = true\n}'],
    fail: ['resource "aws_s3_bucket_public_access_block" "p" {\n  ignore_public_acls = false\n}'],
  }),
  tf('aws-s3-public-access-block-buckets-unrestricted', {
    title: 'S3 public access block does not restrict public buckets',
    desc: 'restrict_public_buckets limits access to buckets with public policies to AWS services and the owner.',
    sev: 'high', cat: 'security', kinds: ['aws_s3_bucket_public_access_block'],
    check: publicAccessBlock('restrict_public_buckets', 'restrict public buckets'),
    fix: 'Set restrict_public_buckets = true.',
    kics: ['s3_bucket_without_restriction_of_public_bucket'], compliance: ['CIS-AWS-1.4:2.1.5'],
    pass: ['resource "aws_s3_bucket_public_access_block" "p" {\n  restrict_public_buckets = true\n}'],
    fail: ['resource "aws_s3_bucket_public_access_block" "p" {\n  restrict_public_buckets = false\n}'],
  }),
  tf('aws-s3-public-access-block-policy-allowed', {
    title: 'S3 public access block does not block public policies',
    desc: 'block_public_policy rejects bucket policies that grant public access.',
    sev: 'high', cat: 'security', kinds: ['aws_s3_bucket_public_access_block'],
    check: publicAccessBlock('block_public_policy', 'block public policies'),
    fix: 'Set block_public_policy = true.',
    compliance: ['CIS-AWS-1.4:2.1.5'],
    pass: ['resource "aws_s3_bucket_public_access_block" "p" {\n  block_public_policy = true\n}'],
    fail: ['resource "aws_s3_bucket_public_access_block" "p" {\n  block_public_policy = false\n}'],
  }),
  tf('aws-s3-bucket-policy-allows-http', {
    title: 'S3 bucket policy does not deny plain-HTTP requests',
    desc: 'Without a Deny on aws:SecureTransport = false, clients may read and write the bucket over unencrypted HTTP.',
    sev: 'medium', cat: 'security', kinds: ['aws_s3_bucket_policy', 'aws_s3_bucket'],
    check: (r) => (sslDenied(r) ? [] : [{ path: 'policy', message: 'the policy does not deny requests without TLS' }]),
    fix: 'Add a Deny statement for all principals when aws:SecureTransport is false.',
    kics: ['s3_bucket_policy_accepts_http_requests'], compliance: ['CIS-AWS-1.4:2.1.2', ...ENC],
    pass: ['resource "aws_s3_bucket_policy" "p" {\n  bucket = "b"\n  policy = jsonencode({ Statement = [{ Effect = "Deny", Principal = "*", Action = "s3:*", Resource = "*", Condition = { Bool = { "aws:SecureTransport" = "false" } } }] })\n}'],
    fail: ['resource "aws_s3_bucket_policy" "p" {\n  bucket = "b"\n  policy = jsonencode({ Statement = [{ Effect = "Allow", Principal = "*", Action = "s3:GetObject", Resource = "*" }] })\n}'],
  }),
  tf('aws-s3-bucket-policy-all-actions', {
    title: 'S3 bucket policy allows every action',
    desc: 'An Allow of "*" or "s3:*" hands out full control of the bucket.',
    sev: 'critical', cat: 'security', kinds: ['aws_s3_bucket', 'aws_s3_bucket_policy'],
    check: policyCheck('policy', (s) => allows(s) && s.actions.some((a) => a === '*' || a === 's3:*'), 'the bucket policy allows all S3 actions'),
    fix: 'Grant only the specific s3: actions each principal needs.',
    kics: ['s3_bucket_with_all_permissions'], compliance: ['SOC2:CC6.3'],
    pass: ['resource "aws_s3_bucket_policy" "p" {\n  policy = jsonencode({ Statement = [{ Effect = "Allow", Principal = { AWS = "arn:aws:iam::1:root" }, Action = "s3:GetObject", Resource = "*" }] })\n}'],
    fail: ['resource "aws_s3_bucket_policy" "p" {\n  policy = jsonencode({ Statement = [{ Effect = "Allow", Principal = { AWS = "arn:aws:iam::1:root" }, Action = "s3:*", Resource = "*" }] })\n}'],
  }),
  tf('aws-s3-bucket-policy-public-delete', {
    title: 'S3 bucket policy allows delete to all principals',
    desc: 'Anyone could delete objects in the bucket.',
    sev: 'critical', cat: 'security', kinds: ['aws_s3_bucket', 'aws_s3_bucket_policy'],
    check: publicAction('Delete'), fix: 'Restrict the Principal of statements that allow s3:Delete* to known accounts or roles.',
    kics: ['s3_bucket_allows_delete_action_from_all_principals'], compliance: ['SOC2:CC6.1'],
    pass: ['resource "aws_s3_bucket_policy" "p" {\n  policy = jsonencode({ Statement = [{ Effect = "Allow", Principal = { AWS = "arn:aws:iam::1:root" }, Action = "s3:DeleteObject", Resource = "*" }] })\n}'],
    fail: ['resource "aws_s3_bucket_policy" "p" {\n  policy = jsonencode({ Statement = [{ Effect = "Allow", Principal = "*", Action = "s3:DeleteObject", Resource = "*" }] })\n}'],
  }),
  tf('aws-s3-bucket-policy-public-get', {
    title: 'S3 bucket policy allows get to all principals',
    desc: 'Anyone could read objects in the bucket.',
    sev: 'high', cat: 'security', kinds: ['aws_s3_bucket', 'aws_s3_bucket_policy'],
    check: publicAction('Get'), fix: 'Restrict the Principal of statements that allow s3:Get* to known accounts or roles.',
    kics: ['s3_bucket_allows_get_action_from_all_principals'], compliance: ['SOC2:CC6.1', 'GDPR:Art32'],
    pass: ['resource "aws_s3_bucket_policy" "p" {\n  policy = jsonencode({ Statement = [{ Effect = "Allow", Principal = { AWS = "arn:aws:iam::1:root" }, Action = "s3:GetObject", Resource = "*" }] })\n}'],
    fail: ['resource "aws_s3_bucket_policy" "p" {\n  policy = jsonencode({ Statement = [{ Effect = "Allow", Principal = "*", Action = "s3:GetObject", Resource = "*" }] })\n}'],
  }),
  tf('aws-s3-bucket-policy-public-list', {
    title: 'S3 bucket policy allows list to all principals',
    desc: 'Anyone could enumerate the bucket contents.',
    sev: 'high', cat: 'security', kinds: ['aws_s3_bucket', 'aws_s3_bucket_policy'],
    check: publicAction('List'), fix: 'Restrict the Principal of statements that allow s3:List* to known accounts or roles.',
    kics: ['s3_bucket_allows_list_action_from_all_principals'], compliance: ['SOC2:CC6.1'],
    pass: ['resource "aws_s3_bucket_policy" "p" {\n  policy = jsonencode({ Statement = [{ Effect = "Allow", Principal = { AWS = "arn:aws:iam::1:root" }, Action = "s3:ListBucket", Resource = "*" }] })\n}'],
    fail: ['resource "aws_s3_bucket_policy" "p" {\n  policy = jsonencode({ Statement = [{ Effect = "Allow", Principal = "*", Action = "s3:ListBucket", Resource = "*" }] })\n}'],
  }),
  tf('aws-s3-bucket-policy-public-put', {
    title: 'S3 bucket policy allows put to all principals',
    desc: 'Anyone could upload or overwrite objects in the bucket.',
    sev: 'critical', cat: 'security', kinds: ['aws_s3_bucket', 'aws_s3_bucket_policy'],
    check: publicAction('Put'), fix: 'Restrict the Principal of statements that allow s3:Put* to known accounts or roles.',
    kics: ['s3_bucket_allows_put_action_from_all_principals'], compliance: ['SOC2:CC6.1'],
    pass: ['resource "aws_s3_bucket_policy" "p" {\n  policy = jsonencode({ Statement = [{ Effect = "Allow", Principal = { AWS = "arn:aws:iam::1:root" }, Action = "s3:PutObject", Resource = "*" }] })\n}'],
    fail: ['resource "aws_s3_bucket_policy" "p" {\n  policy = jsonencode({ Statement = [{ Effect = "Allow", Principal = "*", Action = "s3:PutObject", Resource = "*" }] })\n}'],
  }),
  tf('aws-s3-bucket-cors-allows-all', {
    title: 'S3 bucket CORS rule allows all headers or methods',
    desc: 'A CORS rule with a wildcard lets any site send any header from a browser.',
    sev: 'medium', cat: 'security', kinds: BUCKET,
    check: (r, ctx) => {
      const wild = (v: unknown) => Array.isArray(v) && v.some((x) => x === '*');
      const hits = r.each('cors_rule').filter((x) => typeof x.value === 'object' && x.value !== null && (wild((x.value as Record<string, unknown>).allowed_headers) || wild((x.value as Record<string, unknown>).allowed_methods))).map((x) => ({ path: x.path, message: 'CORS rule allows every header or method' }));
      for (const o of related(r, ctx, 'aws_s3_bucket_cors_configuration')) {
        const rules = Array.isArray(o.attrs.cors_rule) ? o.attrs.cors_rule : [];
        if (rules.some((c) => typeof c === 'object' && c !== null && !Array.isArray(c) && (wild((c as Record<string, unknown>).allowed_headers) || wild((c as Record<string, unknown>).allowed_methods)))) hits.push({ path: undefined as unknown as string, message: 'CORS rule allows every header or method', at: spanOf(o, 'cors_rule') } as never);
      }
      return hits;
    },
    fix: 'List the exact headers and methods the browser clients need.',
    kics: ['s3_bucket_with_unsecured_cors_rule'],
    pass: ['resource "aws_s3_bucket" "b" {\n  cors_rule {\n    allowed_headers = ["Authorization"]\n    allowed_methods = ["GET"]\n    allowed_origins = ["https://example.com"]\n  }\n}'],
    fail: ['resource "aws_s3_bucket" "b" {\n  cors_rule {\n    allowed_headers = ["*"]\n    allowed_methods = ["PUT"]\n    allowed_origins = ["https://example.com"]\n  }\n}'],
  }),
  tf('aws-s3-bucket-website-enabled', {
    title: 'S3 bucket serves a static website',
    desc: 'Website hosting serves objects over plain HTTP without authentication.',
    sev: 'medium', cat: 'security', kinds: BUCKET,
    check: (r, ctx) => (r.has('website') ? [{ path: 'website', message: 'static website hosting is enabled' }] : related(r, ctx, 'aws_s3_bucket_website_configuration').map(() => ({ message: 'static website hosting is enabled (aws_s3_bucket_website_configuration)' }))),
    fix: 'Remove website hosting; serve content through CloudFront with an origin access control.',
    kics: ['s3_static_website_host_enabled'],
    pass: ['resource "aws_s3_bucket" "b" { bucket = "b" }'],
    fail: ['resource "aws_s3_bucket" "b" {\n  website {\n    index_document = "index.html"\n  }\n}'],
  }),
  tf('aws-s3-object-not-encrypted', {
    title: 'S3 object uploaded without server-side encryption',
    desc: 'Objects managed by Terraform should be encrypted at rest.',
    sev: 'medium', cat: 'security', kinds: ['aws_s3_bucket_object', 'aws_s3_object'],
    check: requirePresent('server_side_encryption', 'the object is not encrypted', { fix: 'aws:kms' }),
    fix: 'Set server_side_encryption = "aws:kms" (or AES256).',
    kics: ['s3_bucket_object_not_encrypted'], compliance: ENC,
    pass: ['resource "aws_s3_object" "o" {\n  bucket = "b"\n  key = "k"\n  server_side_encryption = "aws:kms"\n}'],
    fail: ['resource "aws_s3_object" "o" {\n  bucket = "b"\n  key = "k"\n}'],
  }),
  tf('aws-s3-bucket-acl-grants-write-acp', {
    title: 'S3 bucket ACL grants WRITE_ACP',
    desc: 'WRITE_ACP lets the grantee rewrite the bucket ACL and take it over.',
    sev: 'critical', cat: 'security', kinds: ['aws_s3_bucket_acl'],
    check: forbidValue('access_control_policy.grant.permission', oneOf('WRITE_ACP', 'FULL_CONTROL'), 'the ACL grants WRITE_ACP or FULL_CONTROL'),
    fix: 'Grant READ or WRITE only; keep ACL management with the bucket owner.',
    kics: ['s3_bucket_acl_grants_write_acp_permission'],
    pass: ['resource "aws_s3_bucket_acl" "a" {\n  bucket = "b"\n  access_control_policy {\n    grant {\n      permission = "READ"\n    }\n  }\n}'],
    fail: ['resource "aws_s3_bucket_acl" "a" {\n  bucket = "b"\n  access_control_policy {\n    grant {\n      permission = "WRITE_ACP"\n    }\n  }\n}'],
  }),
  tf('aws-s3-bucket-encryption-disabled', {
    title: 'S3 bucket without default encryption configuration',
    desc: 'A default encryption rule guarantees every new object is encrypted at rest.',
    sev: 'high', cat: 'security', kinds: BUCKET,
    check: (r, ctx) => (r.has('server_side_encryption_configuration') || related(r, ctx, 'aws_s3_bucket_server_side_encryption_configuration').length ? [] : [{ message: 'no default encryption is configured' }]),
    fix: 'Add an aws_s3_bucket_server_side_encryption_configuration with aws:kms.',
    compliance: ['CIS-AWS-1.4:2.1.1', ...ENC],
    pass: ['resource "aws_s3_bucket" "b" {\n  server_side_encryption_configuration {\n    rule {\n      apply_server_side_encryption_by_default {\n        sse_algorithm = "aws:kms"\n      }\n    }\n  }\n}'],
    fail: ['resource "aws_s3_bucket" "b" { bucket = "b" }'],
  }),
];

export const s3Helpers = { grants, requireTrue };
