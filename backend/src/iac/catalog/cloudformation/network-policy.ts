import { isObject, type Value } from '../../model.js';
import { actionMatches, asList, asStrings, isKnown, isTrue, policyStatements, restrictsCaller, type Statement } from '../../engine/checks.js';
import type { CheckFn, Rule } from '../../engine/rule.js';
import { cf, cfnRes, cfnTemplate } from '../dsl.js';
import { cfnIngress, coversPort, isPublic, PUBLIC_CIDRS } from '../shared.js';

const SG = ['AWS::EC2::SecurityGroup', 'AWS::EC2::SecurityGroupIngress'];
const PUB = ['SOC2:CC6.6'];
const sg = (ingress: Record<string, unknown>[], egress?: Record<string, unknown>[]) =>
  cfnRes('AWS::EC2::SecurityGroup', { GroupDescription: 'web', SecurityGroupIngress: ingress, ...(egress ? { SecurityGroupEgress: egress } : {}) });
const rule = (port: number, cidr = '10.0.0.0/8', extra: Record<string, unknown> = {}) => ({ IpProtocol: 'tcp', FromPort: port, ToPort: port, CidrIp: cidr, Description: 'in', ...extra });

const portRule = (id: string, kics: string, port: number, name: string, cis?: string, alsoKics: string[] = []): Rule =>
  cf(id, {
    title: `Security group opens ${name} (${port}) to the internet`,
    desc: `${name} exposed to 0.0.0.0/0 is brute-forced and scanned continuously.`,
    sev: 'high', cat: 'security', kinds: SG,
    check: (r) => cfnIngress(r).filter((x) => isPublic(x) && coversPort(x, port)).map((x) => ({ path: x.path || undefined, message: `${name} is open to ${x.cidrs.join(', ')}` })),
    fix: `Restrict port ${port} to known CIDRs, or reach the hosts through a bastion or Session Manager.`,
    kics: [kics, ...alsoKics], compliance: [...(cis ? [cis] : []), ...PUB],
    pass: [sg([rule(port)])], fail: [sg([rule(port, '0.0.0.0/0')])],
  });

const egress = (r: { get(p: string): Value | undefined; kind: string; res: { attrs: Record<string, Value> } }) =>
  r.kind === 'AWS::EC2::SecurityGroupEgress'
    ? [{ x: r.res.attrs as Value, path: '' }]
    : asList(r.get('SecurityGroupEgress')).map((x, i) => ({ x, path: `SecurityGroupEgress.${i}` }));
const EGRESS_KINDS = ['AWS::EC2::SecurityGroup', 'AWS::EC2::SecurityGroupEgress'];

/** Policy documents of S3/SQS/SNS/KMS/ECR/IoT/IAM resources, by property. */
function statements(r: { get(p: string): Value | undefined }, prop: string): Statement[] {
  const v = r.get(prop);
  return isKnown(v) ? (policyStatements(v) ?? []) : [];
}
const allows = (s: Statement) => s.effect.toLowerCase() === 'allow';
/** Matches `s3:GetObject` against the statement's actions, also accepting actions written without the service prefix. */
const grantsLoose = (s: Statement, service: string, verbPrefix: string) =>
  s.actions.some((a) => {
    const full = a.includes(':') ? a : `${service}:${a}`;
    return full === '*' || actionMatches(full, `${service}:${verbPrefix}Object`) || full.toLowerCase().startsWith(`${service}:${verbPrefix.toLowerCase()}`) || full.toLowerCase() === `${service}:*`;
  });
const policyRule = (prop: string, bad: (s: Statement) => boolean, message: string): CheckFn => (r) => (statements(r, prop).some(bad) ? [{ path: prop, message }] : []);

const bucketPolicy = (statement: Record<string, unknown>) => cfnRes('AWS::S3::BucketPolicy', { Bucket: 'b', PolicyDocument: { Statement: [statement] } });
const publicS3 = (id: string, kics: string, verb: string): Rule =>
  cf(id, {
    title: `S3 bucket policy allows ${verb} to all principals`, desc: `Any AWS identity or anonymous caller may run s3:${verb}* on the bucket.`,
    sev: verb === 'Get' || verb === 'List' ? 'high' : 'critical', cat: 'security', kinds: ['AWS::S3::BucketPolicy'],
    check: policyRule('PolicyDocument', (s) => allows(s) && s.principalWildcard && grantsLoose(s, 's3', verb), `the bucket policy allows s3:${verb}* to any principal`),
    fix: `Restrict the Principal of statements allowing s3:${verb}* to known accounts or roles.`, kics: [kics], compliance: ['SOC2:CC6.1'],
    pass: [bucketPolicy({ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' }, Action: `s3:${verb}Object`, Resource: '*' })],
    fail: [bucketPolicy({ Effect: 'Allow', Principal: '*', Action: `s3:${verb}Object`, Resource: '*' })],
  });

export const cfnNetworkPolicyRules: Rule[] = [
  portRule('cfn-sg-ssh-open', 'security_groups_with_unrestricted_access_to_ssh', 22, 'SSH', 'CIS-AWS-1.4:5.2'),
  portRule('cfn-sg-rdp-open', 'security_groups_unrestricted_access_to_rdp', 3389, 'RDP', 'CIS-AWS-1.4:5.2', ['remote_desktop_port_open_to_internet']),
  cf('cfn-sg-ingress-open-to-world', {
    title: 'Security group ingress open to 0.0.0.0/0', desc: 'Any address on the internet may reach the ports this rule opens.',
    sev: 'high', cat: 'security', kinds: SG,
    check: (r) => cfnIngress(r).filter(isPublic).map((x) => ({ path: x.path || undefined, message: `ingress is open to ${x.cidrs.join(', ')}` })),
    fix: 'Restrict ingress CIDRs to the networks that need access.', kics: ['unrestricted_security_group_ingress'], compliance: PUB,
    pass: [sg([rule(443)])], fail: [sg([rule(443, '0.0.0.0/0')])],
  }),
  cf('cfn-sg-ingress-all-protocols', {
    title: 'Security group ingress allows all protocols', desc: 'IpProtocol -1 opens every port and protocol to the source.',
    sev: 'high', cat: 'security', kinds: SG,
    // From a private network this is segmentation advice, not an exposure.
    check: (r) => cfnIngress(r).filter((x) => x.protocol === '-1' || x.protocol.toLowerCase() === 'all').map((x) => ({ path: x.path || undefined, message: `ingress allows every protocol from ${x.cidrs.join(', ') || 'the referenced source'}`, ...(isPublic(x) ? {} : { severity: 'low' as const }) })),
    fix: 'Allow specific protocols and ports.', kics: ['security_group_ingress_with_all_protocols'], compliance: PUB,
    pass: [sg([rule(443)])], fail: [sg([{ IpProtocol: '-1', CidrIp: '10.0.0.0/8', Description: 'all' }])],
  }),
  cf('cfn-sg-ingress-port-range', {
    title: 'Security group ingress opens a port range', desc: 'Ranges open more ports than the service uses.',
    sev: 'low', cat: 'security', kinds: SG,
    check: (r) => cfnIngress(r).filter((x) => x.from !== undefined && x.to !== undefined && x.from !== x.to && x.protocol !== '-1').map((x) => ({ path: x.path || undefined, message: `ingress opens ports ${x.from}-${x.to}` })),
    fix: 'Open single ports per rule.', kics: ['security_group_ingress_with_port_range'],
    pass: [sg([rule(443)])], fail: [sg([{ IpProtocol: 'tcp', FromPort: 8000, ToPort: 9000, CidrIp: '10.0.0.0/8', Description: 'range' }])],
  }),
  cf('cfn-sg-rule-no-description', {
    title: 'Security group rule without description', desc: 'Undocumented rules cannot be reviewed or safely removed.',
    sev: 'info', cat: 'security', kinds: [...SG, 'AWS::EC2::SecurityGroupEgress'],
    check: (r) => [...cfnIngress(r).map((x) => ({ path: x.path, d: x.description })), ...egress(r).map((e) => ({ path: e.path, d: isObject(e.x) ? e.x.Description : undefined }))]
      .filter((x) => x.d === undefined || x.d === '').map((x) => ({ path: x.path || undefined, message: 'rule has no Description' })),
    fix: 'Add a Description to every ingress and egress rule.', kics: ['security_group_rule_without_description'],
    pass: [sg([rule(443)])], fail: [sg([{ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, CidrIp: '10.0.0.0/8' }])],
  }),
  cf('cfn-sg-egress-open-to-world', {
    title: 'Security group egress open to 0.0.0.0/0', desc: 'Unrestricted egress lets a compromised host exfiltrate data anywhere.',
    sev: 'low', cat: 'security', kinds: EGRESS_KINDS,
    check: (r) => egress(r).filter((e) => isObject(e.x) && [...asStrings(e.x.CidrIp), ...asStrings(e.x.CidrIpv6)].some((c) => PUBLIC_CIDRS.has(c))).map((e) => ({ path: e.path || undefined, message: 'egress is open to the internet' })),
    fix: 'Restrict egress to the destinations the workload needs.', kics: ['security_group_egress_cidr_open_to_world'],
    pass: [sg([rule(443)], [{ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, CidrIp: '10.0.0.0/8', Description: 'out' }])],
    fail: [sg([rule(443)], [{ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, CidrIp: '0.0.0.0/0', Description: 'out' }])],
  }),
  cf('cfn-sg-egress-all-protocols', {
    title: 'Security group egress allows all protocols', desc: 'IpProtocol -1 on egress allows any traffic out.',
    sev: 'low', cat: 'security', kinds: EGRESS_KINDS,
    check: (r) => egress(r).filter((e) => isObject(e.x) && ['-1', 'all'].includes(String(e.x.IpProtocol).toLowerCase())).map((e) => ({ path: e.path || undefined, message: 'egress allows every protocol' })),
    fix: 'Allow specific protocols and ports on egress.', kics: ['security_group_egress_with_all_protocols'],
    pass: [sg([rule(443)], [{ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, CidrIp: '10.0.0.0/8', Description: 'out' }])],
    fail: [sg([rule(443)], [{ IpProtocol: '-1', CidrIp: '10.0.0.0/8', Description: 'out' }])],
  }),
  cf('cfn-sg-admin-ports-open', {
    title: 'Security group exposes administration ports', desc: 'Telnet, SSH, RDP, VNC, SMB, database and similar admin ports should never face the internet.',
    sev: 'high', cat: 'security', kinds: SG,
    check: (r) => cfnIngress(r).filter((x) => isPublic(x) && [20, 21, 22, 23, 135, 137, 139, 445, 1433, 1521, 2049, 3306, 3389, 5432, 5900, 6379, 9200, 11211, 27017].some((p) => coversPort(x, p))).map((x) => ({ path: x.path || undefined, message: 'an administration or database port is open to the internet' })),
    fix: 'Keep administration and database ports on private networks.', kics: ['ec2_sensitive_port_is_publicly_exposed', 'security_groups_with_exhibited_admin_ports'], compliance: PUB,
    pass: [sg([rule(443, '0.0.0.0/0')])], fail: [sg([rule(3306, '0.0.0.0/0')])],
  }),
  publicS3('cfn-s3-bucket-policy-public-get', 's3_bucket_allows_get_actions_from_all_principals', 'Get'),
  publicS3('cfn-s3-bucket-policy-public-put', 's3_bucket_allows_put_actions_from_all_principals', 'Put'),
  publicS3('cfn-s3-bucket-policy-public-delete', 's3_bucket_allows_delete_actions_from_all_principals', 'Delete'),
  publicS3('cfn-s3-bucket-policy-public-list', 's3_bucket_allows_list_actions_from_all_principals', 'List'),
  cf('cfn-s3-bucket-policy-all-actions', {
    title: 'S3 bucket policy allows every action', desc: 'An Allow of "*" or "s3:*" hands out full control of the bucket.',
    sev: 'critical', cat: 'security', kinds: ['AWS::S3::BucketPolicy'],
    check: policyRule('PolicyDocument', (s) => allows(s) && s.actions.some((a) => a === '*' || a.toLowerCase() === 's3:*'), 'the bucket policy allows all S3 actions'),
    fix: 'Grant only the specific s3: actions each principal needs.', kics: ['s3_bucket_with_all_permissions'], compliance: ['SOC2:CC6.3'],
    pass: [bucketPolicy({ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::1:root' }, Action: 's3:GetObject', Resource: '*' })],
    fail: [bucketPolicy({ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::1:root' }, Action: 's3:*', Resource: '*' })],
  }),
  cf('cfn-s3-bucket-writes-without-tls', {
    title: 'S3 bucket accepts writes without TLS', desc: 'Unless a bucket policy denies requests with aws:SecureTransport false, objects may be uploaded over plain HTTP.',
    sev: 'medium', cat: 'security', kinds: ['AWS::S3::Bucket'],
    check: (r, ctx) => {
      const policies = ctx.referencing(r.res, 'AWS::S3::BucketPolicy', 'Bucket');
      const denies = policies.some((p) =>
        (policyStatements(p.attrs.PolicyDocument ?? null) ?? []).some(
          (s) => s.effect.toLowerCase() === 'deny' && /"aws:SecureTransport":\s*("false"|false)/i.test(JSON.stringify(s.condition ?? {})) && grantsLoose(s, 's3', 'Put'),
        ),
      );
      return denies ? [] : [{ message: 'no bucket policy denies writes without TLS (aws:SecureTransport false)' }];
    },
    fix: 'Attach an AWS::S3::BucketPolicy with a Deny for s3:* (or s3:PutObject) when aws:SecureTransport is false.', kics: ['s3_bucket_without_ssl_in_write_actions'], compliance: ['SOC2:CC6.7', 'GDPR:Art32'],
    pass: [cfnTemplate({ B: { Type: 'AWS::S3::Bucket', Properties: {} }, P: { Type: 'AWS::S3::BucketPolicy', Properties: { Bucket: { Ref: 'B' }, PolicyDocument: { Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }] } } } })],
    fail: [cfnRes('AWS::S3::Bucket', {})],
  }),
  cf('cfn-sqs-queue-policy-public', {
    title: 'SQS queue policy allows any principal', desc: 'Anyone may send, read or delete messages on the queue.',
    sev: 'high', cat: 'security', kinds: ['AWS::SQS::QueuePolicy'],
    check: policyRule('PolicyDocument', (s) => allows(s) && s.principalWildcard && !restrictsCaller(s), 'the queue policy allows any principal (no source ARN/account/VPC/organisation condition)'),
    fix: 'Name the principals that may use the queue, or add a SourceArn/SourceAccount condition.', kics: ['sqs_policy_with_public_access'], compliance: ['SOC2:CC6.1'],
    pass: [cfnRes('AWS::SQS::QueuePolicy', { Queues: ['q'], PolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::1:root' }, Action: 'sqs:SendMessage', Resource: '*' }] } })],
    fail: [cfnRes('AWS::SQS::QueuePolicy', { Queues: ['q'], PolicyDocument: { Statement: [{ Effect: 'Allow', Principal: '*', Action: 'sqs:SendMessage', Resource: '*' }] } })],
  }),
  cf('cfn-sns-topic-policy-public', {
    title: 'SNS topic policy allows any principal', desc: 'Anyone may publish to or subscribe to the topic.',
    sev: 'high', cat: 'security', kinds: ['AWS::SNS::TopicPolicy'],
    check: policyRule('PolicyDocument', (s) => allows(s) && s.principalWildcard && !restrictsCaller(s), 'the topic policy allows any principal (no source ARN/account/VPC/organisation condition)'),
    fix: 'Name the principals that may use the topic, or add a condition.', kics: ['sns_topic_is_publicly_accessible'], compliance: ['SOC2:CC6.1'],
    pass: [cfnRes('AWS::SNS::TopicPolicy', { Topics: ['t'], PolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::1:root' }, Action: 'sns:Publish', Resource: '*' }] } })],
    fail: [cfnRes('AWS::SNS::TopicPolicy', { Topics: ['t'], PolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sns:Publish', Resource: '*' }] } })],
  }),
  cf('cfn-kms-key-policy-public', {
    title: 'KMS key policy allows any principal', desc: 'A wildcard principal in a key policy lets any AWS account use or manage the key.',
    sev: 'critical', cat: 'security', kinds: ['AWS::KMS::Key'],
    check: policyRule('KeyPolicy', (s) => allows(s) && s.principalWildcard && !s.hasCondition, 'the key policy allows any principal'),
    fix: 'Name the account root and the roles that may use the key.', kics: ['kms_allows_wildcard_principal'], compliance: ['SOC2:CC6.1'],
    pass: [cfnRes('AWS::KMS::Key', { EnableKeyRotation: true, KeyPolicy: { Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::1:root' }, Action: 'kms:*', Resource: '*' }] } })],
    fail: [cfnRes('AWS::KMS::Key', { EnableKeyRotation: true, KeyPolicy: { Statement: [{ Effect: 'Allow', Principal: '*', Action: 'kms:*', Resource: '*' }] } })],
  }),
  cf('cfn-ecr-repository-public', {
    title: 'ECR repository policy allows any principal', desc: 'Anyone may pull (or push) images of the repository.',
    sev: 'high', cat: 'security', kinds: ['AWS::ECR::Repository'],
    check: policyRule('RepositoryPolicyText', (s) => allows(s) && s.principalWildcard, 'the repository policy allows any principal'),
    fix: 'Restrict RepositoryPolicyText to known accounts.', kics: ['ecr_repository_is_publicly_accessible'], compliance: ['SOC2:CC6.1'],
    pass: [cfnRes('AWS::ECR::Repository', { RepositoryPolicyText: { Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::1:root' }, Action: 'ecr:BatchGetImage' }] } })],
    fail: [cfnRes('AWS::ECR::Repository', { RepositoryPolicyText: { Statement: [{ Effect: 'Allow', Principal: '*', Action: 'ecr:BatchGetImage' }] } })],
  }),
  cf('cfn-iam-role-assumable-by-anyone', {
    title: 'IAM role can be assumed by any principal', desc: 'A trust policy with a wildcard principal lets any AWS account assume the role.',
    sev: 'critical', cat: 'security', kinds: ['AWS::IAM::Role'],
    check: policyRule('AssumeRolePolicyDocument', (s) => allows(s) && s.principalWildcard, 'the trust policy allows any principal'),
    fix: 'Name the accounts, roles or services that may assume the role.', kics: ['iam_role_allows_all_principals_to_assume'], compliance: ['SOC2:CC6.1'],
    pass: [cfnRes('AWS::IAM::Role', { AssumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] } })],
    fail: [cfnRes('AWS::IAM::Role', { AssumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole' }] } })],
  }),
  cf('cfn-iam-policy-full-admin', {
    title: 'IAM policy grants full administrative access', desc: 'A statement allowing "*" on "*" gives every permission in the account.',
    sev: 'high', cat: 'security', kinds: ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy'],
    check: policyRule('PolicyDocument', (s) => allows(s) && s.actions.includes('*') && s.resources.includes('*'), 'the policy allows "*" on "*"'),
    fix: 'Grant only the actions and resources needed.', kics: ['iam_policy_grants_full_permissions'], compliance: ['CIS-AWS-1.4:1.16', 'SOC2:CC6.3'],
    pass: [cfnRes('AWS::IAM::ManagedPolicy', { PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] } })],
    fail: [cfnRes('AWS::IAM::ManagedPolicy', { PolicyDocument: { Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } })],
  }),
  cf('cfn-iam-policy-assume-any-role', {
    title: 'IAM policy allows sts:AssumeRole on every role', desc: 'Allowing sts:AssumeRole on "*" lets the holder assume any role that trusts the account.',
    sev: 'high', cat: 'security', kinds: ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy'],
    check: policyRule('PolicyDocument', (s) => allows(s) && s.actions.some((a) => actionMatches(a, 'sts:AssumeRole')) && s.resources.includes('*'), 'sts:AssumeRole is allowed on every role'),
    fix: 'List the role ARNs that may be assumed.', kics: ['iam_policy_grants_assumerole_permission_across_all_services'], compliance: ['SOC2:CC6.3'],
    pass: [cfnRes('AWS::IAM::ManagedPolicy', { PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: 'arn:aws:iam::1:role/deploy' }] } })],
    fail: [cfnRes('AWS::IAM::ManagedPolicy', { PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }] } })],
  }),
  cf('cfn-iot-policy-wildcard-action', {
    title: 'IoT policy allows every action', desc: 'iot:* (or *) lets devices act on any IoT resource operation.',
    sev: 'medium', cat: 'security', kinds: ['AWS::IoT::Policy'],
    check: policyRule('PolicyDocument', (s) => allows(s) && s.actions.some((a) => a === '*' || a === 'iot:*'), 'the policy allows every IoT action'),
    fix: 'List the iot: actions devices need.', kics: ['iot_policy_allows_action_as_wildcard'],
    pass: [cfnRes('AWS::IoT::Policy', { PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: 'arn:aws:iot:eu-west-1:1:client/a' }] } })],
    fail: [cfnRes('AWS::IoT::Policy', { PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'iot:*', Resource: 'arn:aws:iot:eu-west-1:1:client/a' }] } })],
  }),
  cf('cfn-iot-policy-wildcard-resource', {
    title: 'IoT policy applies to every resource', desc: 'Resource "*" lets a device act on other devices\' topics and shadows.',
    sev: 'medium', cat: 'security', kinds: ['AWS::IoT::Policy'],
    check: policyRule('PolicyDocument', (s) => allows(s) && s.resources.includes('*'), 'the policy applies to every resource'),
    fix: 'Scope Resource to the thing\'s own client id, topics and shadow.', kics: ['iot_policy_allows_wildcard_resource'],
    pass: [cfnRes('AWS::IoT::Policy', { PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: 'arn:aws:iot:eu-west-1:1:client/a' }] } })],
    fail: [cfnRes('AWS::IoT::Policy', { PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: '*' }] } })],
  }),
  cf('cfn-lambda-env-aws-access-key', {
    title: 'AWS access key hardcoded in a Lambda environment', desc: 'Credentials in environment variables are visible to anyone who can read the function configuration.',
    sev: 'critical', cat: 'security', kinds: ['AWS::Lambda::Function', 'AWS::Serverless::Function'],
    check: (r) => {
      const vars = r.get('Environment.Variables');
      if (!isObject(vars)) return [];
      return Object.entries(vars).filter(([, v]) => typeof v === 'string' && (/\b(AKIA|ASIA)[A-Z0-9]{16}\b/.test(v) || /(^|[^A-Za-z0-9/+=])[A-Za-z0-9/+=]{40}([^A-Za-z0-9/+=]|$)/.test(v))).map(([k]) => ({ path: `Environment.Variables.${k}`, message: `${k} holds an AWS access key` }));
    },
    fix: 'Use the function execution role instead of access keys; keep other secrets in Secrets Manager.', kics: ['hardcoded_aws_access_key_in_lambda'], compliance: ['SOC2:CC6.1'],
    pass: [cfnRes('AWS::Lambda::Function', { Environment: { Variables: { TABLE: 'orders' } } })],
    fail: [cfnRes('AWS::Lambda::Function', { Environment: { Variables: { AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE' } } })],
  }),
  cf('cfn-ec2-user-data-private-key', {
    title: 'EC2 user data contains a private key', desc: 'User data is readable through the instance metadata service and the EC2 API.',
    sev: 'high', cat: 'security', kinds: ['AWS::EC2::Instance', 'AWS::EC2::LaunchTemplate', 'AWS::AutoScaling::LaunchConfiguration'],
    check: (r) => {
      const v = r.get('UserData') ?? r.get('LaunchTemplateData.UserData');
      if (typeof v !== 'string') return [];
      const decoded = /^[A-Za-z0-9+/=\s]+$/.test(v) ? Buffer.from(v, 'base64').toString('utf8') : v;
      return /-----BEGIN ((RSA|EC|DSA|OPENSSH) )?PRIVATE KEY-----/.test(decoded) || /-----BEGIN ((RSA|EC|DSA|OPENSSH) )?PRIVATE KEY-----/.test(v) ? [{ path: r.has('UserData') ? 'UserData' : 'LaunchTemplateData.UserData', message: 'user data embeds a private key' }] : [];
    },
    fix: 'Fetch keys at boot from Secrets Manager or SSM Parameter Store.', kics: ['user_data_contains_encoded_private_key'], compliance: ['SOC2:CC6.1'],
    pass: [cfnRes('AWS::EC2::Instance', { ImageId: 'ami-1', UserData: Buffer.from('#!/bin/sh\necho hi\n').toString('base64') })],
    fail: [cfnRes('AWS::EC2::Instance', { ImageId: 'ami-1', UserData: Buffer.from('-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\n').toString('base64') })],
  }),
  cf('cfn-vpc-flow-logs-disabled', {
    title: 'VPC without flow logs', desc: 'Flow logs are the record of who talked to what inside the VPC during an incident.',
    sev: 'medium', cat: 'security', kinds: ['AWS::EC2::VPC'],
    check: (r, ctx) => (ctx.referencing(r.res, 'AWS::EC2::FlowLog', 'ResourceId').length ? [] : [{ message: 'no AWS::EC2::FlowLog references this VPC' }]),
    fix: 'Add an AWS::EC2::FlowLog with ResourceId: !Ref <vpc> and ResourceType: VPC.', kics: ['vpc_flowlogs_disabled'], compliance: ['CIS-AWS-1.4:3.9', 'SOC2:CC7.2'],
    pass: [cfnTemplate({ Vpc: { Type: 'AWS::EC2::VPC', Properties: { CidrBlock: '10.0.0.0/16' } }, Logs: { Type: 'AWS::EC2::FlowLog', Properties: { ResourceId: { Ref: 'Vpc' }, ResourceType: 'VPC', TrafficType: 'ALL' } } })],
    fail: [cfnRes('AWS::EC2::VPC', { CidrBlock: '10.0.0.0/16' })],
  }),
  cf('cfn-lambda-permission-not-invoke', {
    title: 'Lambda permission grants more than invoke', desc: 'Resource policies on functions should only grant lambda:InvokeFunction.',
    sev: 'medium', cat: 'security', kinds: ['AWS::Lambda::Permission'],
    check: (r) => {
      const a = r.get('Action');
      return typeof a === 'string' && a !== 'lambda:InvokeFunction' && a !== 'lambda:InvokeFunctionUrl' ? [{ path: 'Action', message: `grants ${a}` }] : [];
    },
    fix: 'Set Action: lambda:InvokeFunction.', kics: ['lambda_permission_misconfigured'],
    pass: [cfnRes('AWS::Lambda::Permission', { Action: 'lambda:InvokeFunction', FunctionName: 'f', Principal: 's3.amazonaws.com' })],
    fail: [cfnRes('AWS::Lambda::Permission', { Action: 'lambda:*', FunctionName: 'f', Principal: 's3.amazonaws.com' })],
  }),
  cf('cfn-ec2-instance-no-iam-profile-public-ip', {
    title: 'Launch template maps public IPs', desc: 'Instances launched from the template get public addresses.',
    sev: 'medium', cat: 'security', kinds: ['AWS::EC2::LaunchTemplate'],
    check: (r) => r.each('LaunchTemplateData.NetworkInterfaces').filter((x) => isObject(x.value) && isTrue(x.value.AssociatePublicIpAddress)).map((x) => ({ path: `${x.path}.AssociatePublicIpAddress`, message: 'AssociatePublicIpAddress is true' })),
    fix: 'Set AssociatePublicIpAddress: false and reach instances through a load balancer.', compliance: PUB,
    pass: [cfnRes('AWS::EC2::LaunchTemplate', { LaunchTemplateData: { NetworkInterfaces: [{ DeviceIndex: 0, AssociatePublicIpAddress: false }] } })],
    fail: [cfnRes('AWS::EC2::LaunchTemplate', { LaunchTemplateData: { NetworkInterfaces: [{ DeviceIndex: 0, AssociatePublicIpAddress: true }] } })],
  }),
];
