import { isObject, type Category, type Severity, type Value } from '../../model.js';
import { asList, asStrings, isKnown, isTrue, oneOf, policyStatements, requirePresent, requireTrue, requireValue, type Statement } from '../../engine/checks.js';
import type { CheckFn, Hit, Rule } from '../../engine/rule.js';
import { cf, cfnRes, cfnTemplate } from '../dsl.js';
import { describeRisk } from '../why.js';
import { unguardedCrossAccount } from '../shared.js';

/**
 * CloudFormation rules grouped by service, with the same meaning as their Terraform counterparts, one row each:
 * [id, resource types, KICS query dirs, title, check, fix, severity, category, pass properties, fail properties, compliance].
 * Properties are those of one resource of the first type; a `Resources` key gives a whole template instead.
 */
type Props = Record<string, unknown>;
type Row = [string, string[], string[] | undefined, string, CheckFn, string, Severity, Category, Props, Props, string[]?];

const ENC = ['SOC2:CC6.1', 'GDPR:Art32'];
const LOG = ['SOC2:CC7.2'];
const PUB = ['SOC2:CC6.6'];
const BAK = ['SOC2:A1.2'];
const on = (p: string, what: string) => requireTrue(p, `${what} is not enabled`);
const has = (p: string, what: string) => requirePresent(p, `${what} is not set`);
const is = (p: string, good: Value[], what: string) => requireValue(p, oneOf(...good), `${what} is not ${good.map(String).join(' or ')}`);
const falseIs = (p: string, message: string): CheckFn => (r) => (r.get(p) === false || r.get(p) === 'false' ? [{ path: p, message }] : []);
const str = (v: Value | undefined) => (typeof v === 'string' ? v : undefined);

/** Listener protocol HTTP without a redirect to HTTPS. */
const httpListener: CheckFn = (r) => {
  if (str(r.get('Protocol'))?.toUpperCase() !== 'HTTP') return [];
  const redirects = asList(r.get('DefaultActions')).some((a) => isObject(a) && a.Type === 'redirect' && String((a.RedirectConfig as Record<string, Value> | undefined)?.Protocol ?? '').toUpperCase() === 'HTTPS');
  return redirects ? [] : [{ path: 'Protocol', message: 'the listener serves plain HTTP without redirecting to HTTPS' }];
};

const TLS12 = /TLS-?1-2|TLS13|TLS-1-3|FS-1-2/i;
const oldTlsListener: CheckFn = (r) => {
  const proto = str(r.get('Protocol'))?.toUpperCase();
  if (proto !== 'HTTPS' && proto !== 'TLS') return [];
  const policy = r.get('SslPolicy');
  if (policy !== undefined && !isKnown(policy)) return [];
  return typeof policy === 'string' && TLS12.test(policy) ? [] : [{ path: policy === undefined ? 'Protocol' : 'SslPolicy', message: `SslPolicy ${policy === undefined ? '(default ELBSecurityPolicy-2016-08)' : String(policy)} allows TLS below 1.2` }];
};

/** Every EBS block device of a launch configuration or template is encrypted. */
const blockDevicesEncrypted = (path: string): CheckFn => (r) =>
  r.each(path).filter((b) => isObject(b.value) && isObject(b.value.Ebs) && !isTrue(b.value.Ebs.Encrypted) && isKnown(b.value.Ebs.Encrypted ?? false) && b.value.Ebs.SnapshotId === undefined).map((b) => ({ path: `${b.path}.Ebs`, message: 'the EBS volume is not encrypted' }));

const viewerHttp: CheckFn = (r) =>
  [...r.all('DistributionConfig.DefaultCacheBehavior.ViewerProtocolPolicy'), ...r.all('DistributionConfig.CacheBehaviors.ViewerProtocolPolicy')].filter((x) => x.value === 'allow-all').map((x) => ({ path: x.path, message: 'ViewerProtocolPolicy is allow-all' }));

const imdsv1: CheckFn = (r) => {
  if (r.get('LaunchTemplateData.MetadataOptions.HttpEndpoint') === 'disabled') return [];
  const tokens = r.get('LaunchTemplateData.MetadataOptions.HttpTokens');
  if (tokens !== undefined && !isKnown(tokens)) return [];
  return tokens === 'required' ? [] : [{ path: tokens === undefined ? 'LaunchTemplateData' : 'LaunchTemplateData.MetadataOptions.HttpTokens', message: 'IMDSv1 is allowed (MetadataOptions.HttpTokens is not "required")' }];
};

/** A named parameter of a DocumentDB/Redshift parameter group: `Parameters` is a map (DocDB) or a list of {ParameterName, ParameterValue}. */
function groupParameter(r: Parameters<CheckFn>[0], name: string): { value: Value | undefined; path: string } {
  const map = r.get('Parameters');
  if (isObject(map) && !Array.isArray(map)) return { value: map[name], path: `Parameters.${name}` };
  const hit = r.each('Parameters').find((p) => isObject(p.value) && p.value.ParameterName === name);
  return { value: hit && isObject(hit.value) ? hit.value.ParameterValue : undefined, path: hit ? `${hit.path}.ParameterValue` : 'Parameters' };
}
const groupParam = (name: string, good: (v: Value | undefined) => boolean, message: string): CheckFn => (r) => {
  const p = groupParameter(r, name);
  if (p.value !== undefined && !isKnown(p.value)) return [];
  return good(p.value) ? [] : [{ path: p.path, message }];
};

/** Policy documents of IAM resources: PolicyDocument, or the inline Policies of roles, users and groups. */
function iamDocs(r: Parameters<CheckFn>[0]): Array<{ path: string; statements: Statement[] }> {
  if (r.has('PolicyDocument')) return [{ path: 'PolicyDocument', statements: policyStatements(r.get('PolicyDocument') ?? null) ?? [] }];
  return r.each('Policies').map((p) => ({ path: `${p.path}.PolicyDocument`, statements: policyStatements(isObject(p.value) ? (p.value.PolicyDocument ?? null) : null) ?? [] }));
}
const serviceWildcard: CheckFn = (r) =>
  iamDocs(r).flatMap(({ path, statements }) => {
    const bad = statements.filter((s) => s.effect.toLowerCase() === 'allow' && s.resources.includes('*') && s.actions.some((a) => /^[a-z0-9-]+:\*$/i.test(a)));
    return bad.length ? [{ path, message: `the policy allows ${[...new Set(bad.flatMap((s) => s.actions.filter((a) => a.endsWith(':*'))))].join(', ')} on every resource` }] : [];
  });

const glueSecurityConfig: CheckFn = (r) => {
  const hits: Hit[] = [];
  const cw = r.get('EncryptionConfiguration.CloudWatchEncryption.CloudWatchEncryptionMode');
  if (cw === undefined || cw === 'DISABLED') hits.push({ path: 'EncryptionConfiguration', message: 'CloudWatch encryption is disabled' });
  const jb = r.get('EncryptionConfiguration.JobBookmarksEncryption.JobBookmarksEncryptionMode');
  if (jb === undefined || jb === 'DISABLED') hits.push({ path: 'EncryptionConfiguration', message: 'job bookmark encryption is disabled' });
  const s3 = r.all('EncryptionConfiguration.S3Encryptions.S3EncryptionMode');
  if (!s3.length || s3.some((x) => x.value === 'DISABLED')) hits.push({ path: 'EncryptionConfiguration', message: 'S3 encryption is disabled' });
  return hits.length ? [{ path: 'EncryptionConfiguration', message: hits.map((h) => h.message).join('; ') }] : [];
};

const esLogs: CheckFn = (r) => {
  const opts = r.get('LogPublishingOptions');
  if (opts !== undefined && !isKnown(opts)) return [];
  if (!isObject(opts) || Object.keys(opts).length === 0) return [{ message: 'no logs are published (LogPublishingOptions)' }];
  return Object.entries(opts).filter(([, v]) => isObject(v) && (v.Enabled === false || v.Enabled === 'false')).map(([k]) => ({ path: `LogPublishingOptions.${k}.Enabled`, message: `${k} is disabled` }));
};

const albDropsInvalidHeaders: CheckFn = (r) => {
  const type = r.get('Type');
  if (type === 'network' || type === 'gateway') return [];
  const attr = asList(r.get('LoadBalancerAttributes')).find((a) => isObject(a) && a.Key === 'routing.http.drop_invalid_header_fields.enabled');
  const v = isObject(attr) ? attr.Value : undefined;
  return v === true || v === 'true' || (v !== undefined && !isKnown(v)) ? [] : [{ path: r.has('LoadBalancerAttributes') ? 'LoadBalancerAttributes' : undefined, message: 'invalid HTTP headers are not dropped' }];
};

const noAssociation = (kinds: string[], attrs: string[], message: string): CheckFn => (r, ctx) => (ctx.referencing(r.res, kinds, attrs).length ? [] : [{ message }]);

const KNOWN_BAD_INPUTS = 'AWSManagedRulesKnownBadInputsRuleSet';
const log4jRule: CheckFn = (r) => {
  const rules = r.each('Rules');
  const covered = rules.some((x) => isObject(x.value) && JSON.stringify(x.value).includes(KNOWN_BAD_INPUTS));
  return covered || !isKnown(r.get('Rules') ?? []) ? [] : [{ path: r.has('Rules') ? 'Rules' : undefined, message: `the web ACL does not use ${KNOWN_BAD_INPUTS} (Log4j JNDI lookups)` }];
};

const eksPublic: CheckFn = (r) => {
  if (r.get('ResourcesVpcConfig.EndpointPublicAccess') === false) return [];
  const cidrs = r.get('ResourcesVpcConfig.PublicAccessCidrs');
  if (cidrs !== undefined && !isKnown(cidrs)) return [];
  return cidrs === undefined || asStrings(cidrs).includes('0.0.0.0/0') ? [{ path: r.has('ResourcesVpcConfig.EndpointPublicAccess') ? 'ResourcesVpcConfig.EndpointPublicAccess' : 'ResourcesVpcConfig', message: 'the API endpoint is public and open to 0.0.0.0/0' }] : [];
};

const eksLogging: CheckFn = (r) => {
  const types = asList(r.get('Logging.ClusterLogging.EnabledTypes')).map((t) => (isObject(t) ? t.Type : t));
  if (types.some((t) => t !== undefined && !isKnown(t))) return [];
  const missing = ['api', 'audit', 'authenticator'].filter((t) => !types.includes(t));
  return missing.length ? [{ path: r.has('Logging') ? 'Logging' : undefined, message: `control plane logs not enabled: ${missing.join(', ')}` }] : [];
};

const apiOpen: CheckFn = (r) =>
  r.get('AuthorizationType') === 'NONE' && !isTrue(r.get('ApiKeyRequired')) && str(r.get('HttpMethod'))?.toUpperCase() !== 'OPTIONS'
    ? [{ path: 'AuthorizationType', message: 'the method needs neither authorization nor an API key' }]
    : [];

const cloudfrontOldTls: CheckFn = (r) => {
  const cert = r.get('DistributionConfig.ViewerCertificate');
  if (!isObject(cert) || isTrue(cert.CloudFrontDefaultCertificate)) return [];
  const v = cert.MinimumProtocolVersion;
  if (v !== undefined && !isKnown(v)) return [];
  return typeof v === 'string' && /^TLSv1\.2/.test(v) ? [] : [{ path: 'DistributionConfig.ViewerCertificate', message: `MinimumProtocolVersion ${v === undefined ? '(default TLSv1)' : String(v)} is below TLSv1.2` }];
};

const LB = 'AWS::ElasticLoadBalancingV2::LoadBalancer';
const ROWS: Row[] = [
  // Load balancers and CloudFront
  ['cfn-alb-listener-http', ['AWS::ElasticLoadBalancingV2::Listener'], undefined, 'Load balancer listener serves plain HTTP', httpListener, 'Listen on HTTPS, or redirect HTTP to HTTPS in DefaultActions.', 'high', 'security', { Protocol: 'HTTP', Port: 80, LoadBalancerArn: 'arn', DefaultActions: [{ Type: 'redirect', RedirectConfig: { Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' } }] }, { Protocol: 'HTTP', Port: 80, LoadBalancerArn: 'arn', DefaultActions: [{ Type: 'forward', TargetGroupArn: 'arn' }] }, ENC],
  ['cfn-alb-listener-old-tls', ['AWS::ElasticLoadBalancingV2::Listener'], undefined, 'Load balancer listener allows TLS below 1.2', oldTlsListener, 'Use SslPolicy: ELBSecurityPolicy-TLS13-1-2-2021-06.', 'medium', 'security', { Protocol: 'HTTPS', Port: 443, SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06' }, { Protocol: 'HTTPS', Port: 443, SslPolicy: 'ELBSecurityPolicy-2016-08' }, ENC],
  ['cfn-alb-invalid-headers-kept', [LB], undefined, 'ALB does not drop invalid HTTP headers', albDropsInvalidHeaders, 'Set the routing.http.drop_invalid_header_fields.enabled attribute to true.', 'medium', 'security', { LoadBalancerAttributes: [{ Key: 'routing.http.drop_invalid_header_fields.enabled', Value: 'true' }] }, { LoadBalancerAttributes: [{ Key: 'idle_timeout.timeout_seconds', Value: '60' }] }],
  ['cfn-elb-access-logs-disabled', ['AWS::ElasticLoadBalancing::LoadBalancer'], undefined, 'Classic ELB without access logs', on('AccessLoggingPolicy.Enabled', 'access logging'), 'Add AccessLoggingPolicy { Enabled: true, S3BucketName }.', 'medium', 'security', { AccessLoggingPolicy: { Enabled: true, S3BucketName: 'logs' } }, { Listeners: [] }, LOG],
  ['cfn-cloudfront-viewer-http-allowed', ['AWS::CloudFront::Distribution'], undefined, 'CloudFront allows plain HTTP viewers', viewerHttp, 'Use ViewerProtocolPolicy: redirect-to-https or https-only.', 'medium', 'security', { DistributionConfig: { DefaultCacheBehavior: { ViewerProtocolPolicy: 'https-only' } } }, { DistributionConfig: { DefaultCacheBehavior: { ViewerProtocolPolicy: 'allow-all' } } }, ENC],
  ['cfn-cloudfront-no-waf', ['AWS::CloudFront::Distribution'], undefined, 'CloudFront distribution without WAF', has('DistributionConfig.WebACLId', 'DistributionConfig.WebACLId'), 'Set DistributionConfig.WebACLId.', 'medium', 'security', { DistributionConfig: { WebACLId: 'arn', Enabled: true } }, { DistributionConfig: { Enabled: true } }, PUB],
  ['cfn-cloudfront-old-tls', ['AWS::CloudFront::Distribution'], undefined, 'CloudFront viewer certificate allows TLS below 1.2', cloudfrontOldTls, 'Set ViewerCertificate.MinimumProtocolVersion: TLSv1.2_2021.', 'medium', 'security', { DistributionConfig: { ViewerCertificate: { AcmCertificateArn: 'arn', SslSupportMethod: 'sni-only', MinimumProtocolVersion: 'TLSv1.2_2021' } } }, { DistributionConfig: { ViewerCertificate: { AcmCertificateArn: 'arn', SslSupportMethod: 'sni-only', MinimumProtocolVersion: 'TLSv1' } } }, ENC],
  // Compute and containers
  ['cfn-launch-configuration-unencrypted', ['AWS::AutoScaling::LaunchConfiguration'], undefined, 'Launch configuration with unencrypted EBS volumes', blockDevicesEncrypted('BlockDeviceMappings'), 'Set Ebs.Encrypted: true on every block device mapping.', 'high', 'security', { ImageId: 'ami', BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { Encrypted: true } }] }, { ImageId: 'ami', BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { VolumeSize: 20 } }] }, ENC],
  ['cfn-ec2-imdsv1-enabled', ['AWS::EC2::LaunchTemplate'], undefined, 'Instance metadata service allows IMDSv1', imdsv1, 'Set LaunchTemplateData.MetadataOptions.HttpTokens: required.', 'high', 'security', { LaunchTemplateData: { MetadataOptions: { HttpTokens: 'required' } } }, { LaunchTemplateData: { MetadataOptions: { HttpTokens: 'optional' } } }, ['SOC2:CC6.1']],
  ['cfn-ecs-efs-transit-unencrypted', ['AWS::ECS::TaskDefinition'], undefined, 'ECS task mounts EFS without transit encryption', (r) => r.each('Volumes').filter((v) => isObject(v.value) && isObject(v.value.EFSVolumeConfiguration) && v.value.EFSVolumeConfiguration.TransitEncryption !== 'ENABLED').map((v) => ({ path: `${v.path}.EFSVolumeConfiguration`, message: 'TransitEncryption is not ENABLED' })), 'Set EFSVolumeConfiguration.TransitEncryption: ENABLED.', 'medium', 'security', { Volumes: [{ Name: 'v', EFSVolumeConfiguration: { FilesystemId: 'fs', TransitEncryption: 'ENABLED' } }] }, { Volumes: [{ Name: 'v', EFSVolumeConfiguration: { FilesystemId: 'fs' } }] }, ENC],
  ['cfn-ecr-no-cmk', ['AWS::ECR::Repository'], undefined, 'ECR repository not encrypted with KMS', is('EncryptionConfiguration.EncryptionType', ['KMS'], 'EncryptionType'), 'Set EncryptionConfiguration.EncryptionType: KMS.', 'low', 'security', { EncryptionConfiguration: { EncryptionType: 'KMS' } }, {}, ENC],
  ['cfn-ecr-scan-disabled', ['AWS::ECR::Repository'], undefined, 'ECR repository does not scan on push', on('ImageScanningConfiguration.ScanOnPush', 'scan on push'), 'Set ImageScanningConfiguration.ScanOnPush: true.', 'medium', 'security', { ImageScanningConfiguration: { ScanOnPush: true } }, { ImageScanningConfiguration: { ScanOnPush: false } }],
  ['cfn-lambda-env-no-cmk', ['AWS::Lambda::Function', 'AWS::Serverless::Function'], undefined, 'Lambda environment not encrypted with a customer managed key', (r) => (r.has('Environment.Variables') && !r.has('KmsKeyArn') ? [{ path: 'Environment', message: 'environment variables use the AWS managed key (no KmsKeyArn)' }] : []), 'Set KmsKeyArn for functions with environment variables.', 'low', 'security', { Environment: { Variables: { STAGE: 'prod' } }, KmsKeyArn: 'arn' }, { Environment: { Variables: { STAGE: 'prod' } } }, ENC],
  // EKS
  ['cfn-eks-secrets-unencrypted', ['AWS::EKS::Cluster'], undefined, 'EKS cluster secrets not encrypted with KMS', (r) => (r.all('EncryptionConfig.Resources').some((x) => asStrings(x.value).includes('secrets')) ? [] : [{ path: r.has('EncryptionConfig') ? 'EncryptionConfig' : undefined, message: 'Kubernetes secrets are not encrypted with a KMS key' }]), 'Add EncryptionConfig with Resources: [secrets] and a KMS key.', 'high', 'security', { EncryptionConfig: [{ Resources: ['secrets'], Provider: { KeyArn: 'arn' } }], ResourcesVpcConfig: { SubnetIds: ['s'] } }, { ResourcesVpcConfig: { SubnetIds: ['s'] } }, ENC],
  ['cfn-eks-logging-disabled', ['AWS::EKS::Cluster'], undefined, 'EKS control plane logs disabled', eksLogging, 'Enable the api, audit and authenticator log types in Logging.ClusterLogging.EnabledTypes.', 'medium', 'security', { Logging: { ClusterLogging: { EnabledTypes: [{ Type: 'api' }, { Type: 'audit' }, { Type: 'authenticator' }] } } }, { Logging: { ClusterLogging: { EnabledTypes: [{ Type: 'api' }] } } }, LOG],
  ['cfn-eks-public-endpoint', ['AWS::EKS::Cluster'], undefined, 'EKS API endpoint public to the internet', eksPublic, 'Set ResourcesVpcConfig.EndpointPublicAccess: false, or PublicAccessCidrs to known ranges.', 'high', 'security', { ResourcesVpcConfig: { SubnetIds: ['s'], EndpointPublicAccess: false, EndpointPrivateAccess: true } }, { ResourcesVpcConfig: { SubnetIds: ['s'] } }, PUB],
  // API Gateway and AppSync
  ['cfn-apigw-method-open', ['AWS::ApiGateway::Method'], ['api_gateway_with_open_access'], 'API Gateway method open to anyone', apiOpen, 'Use an authorizer (AWS_IAM, Cognito, custom) or require an API key.', 'high', 'security', { HttpMethod: 'GET', AuthorizationType: 'AWS_IAM', ResourceId: 'r', RestApiId: 'a' }, { HttpMethod: 'GET', AuthorizationType: 'NONE', ResourceId: 'r', RestApiId: 'a' }, PUB],
  ['cfn-apigwv2-stage-access-logs-disabled', ['AWS::ApiGatewayV2::Stage'], undefined, 'API Gateway v2 stage without access logs', has('AccessLogSettings', 'AccessLogSettings'), 'Add AccessLogSettings with a log group destination.', 'medium', 'security', { ApiId: 'a', StageName: 's', AccessLogSettings: { DestinationArn: 'arn', Format: '$context.requestId' } }, { ApiId: 'a', StageName: 's' }, LOG],
  ['cfn-appsync-logging-disabled', ['AWS::AppSync::GraphQLApi'], undefined, 'AppSync API without logging', has('LogConfig', 'LogConfig'), 'Add LogConfig with a CloudWatch role.', 'medium', 'security', { Name: 'a', AuthenticationType: 'AWS_IAM', LogConfig: { CloudWatchLogsRoleArn: 'arn', FieldLogLevel: 'ERROR' } }, { Name: 'a', AuthenticationType: 'AWS_IAM' }, LOG],
  ['cfn-appsync-field-logs-disabled', ['AWS::AppSync::GraphQLApi'], undefined, 'AppSync API without field-level logs', (r) => { const v = r.get('LogConfig.FieldLogLevel'); return v === 'ALL' || v === 'ERROR' || (v !== undefined && !isKnown(v)) ? [] : [{ path: v === undefined ? undefined : 'LogConfig.FieldLogLevel', message: `FieldLogLevel is ${v === undefined ? 'not set' : String(v)}` }]; }, 'Set LogConfig.FieldLogLevel: ERROR or ALL.', 'low', 'security', { Name: 'a', AuthenticationType: 'AWS_IAM', LogConfig: { CloudWatchLogsRoleArn: 'arn', FieldLogLevel: 'ERROR' } }, { Name: 'a', AuthenticationType: 'AWS_IAM', LogConfig: { CloudWatchLogsRoleArn: 'arn', FieldLogLevel: 'NONE' } }, LOG],
  ['cfn-appsync-no-waf', ['AWS::AppSync::GraphQLApi'], undefined, 'AppSync API without WAF', noAssociation(['AWS::WAFv2::WebACLAssociation'], ['ResourceArn'], 'no WAF web ACL is associated with the API'), 'Associate a WAFv2 web ACL (AWS::WAFv2::WebACLAssociation).', 'medium', 'security', { Resources: { Api: { Type: 'AWS::AppSync::GraphQLApi', Properties: { Name: 'a', AuthenticationType: 'AWS_IAM' } }, Assoc: { Type: 'AWS::WAFv2::WebACLAssociation', Properties: { ResourceArn: { 'Fn::GetAtt': ['Api', 'Arn'] }, WebACLArn: 'arn' } } } }, { Name: 'a', AuthenticationType: 'AWS_IAM' }, PUB],
  ['cfn-waf-no-log4j-protection', ['AWS::WAFv2::WebACL'], undefined, 'WAF web ACL without Log4j (known bad inputs) protection', log4jRule, `Add the ${KNOWN_BAD_INPUTS} managed rule group.`, 'high', 'security', { Scope: 'REGIONAL', DefaultAction: { Allow: {} }, Rules: [{ Name: 'bad', Priority: 1, Statement: { ManagedRuleGroupStatement: { VendorName: 'AWS', Name: KNOWN_BAD_INPUTS } } }] }, { Scope: 'REGIONAL', DefaultAction: { Allow: {} }, Rules: [] }],
  // Databases and caches
  ['cfn-elasticache-no-auth-token', ['AWS::ElastiCache::ReplicationGroup'], undefined, 'Redis replication group without an AUTH token', (r) => (r.has('AuthToken') || r.has('UserGroupIds') ? [] : [{ message: 'no AuthToken (or RBAC user group) is set' }]), 'Set TransitEncryptionEnabled: true and AuthToken from Secrets Manager.', 'medium', 'security', { TransitEncryptionEnabled: true, AuthToken: '{{resolve:secretsmanager:redis}}' }, { TransitEncryptionEnabled: true }, ENC],
  ['cfn-dax-unencrypted', ['AWS::DAX::Cluster'], undefined, 'DAX cluster not encrypted at rest', on('SSESpecification.SSEEnabled', 'server-side encryption'), 'Set SSESpecification.SSEEnabled: true.', 'medium', 'security', { SSESpecification: { SSEEnabled: true } }, {}, ENC],
  ['cfn-redshift-unencrypted', ['AWS::Redshift::Cluster'], undefined, 'Redshift cluster not encrypted', on('Encrypted', 'encryption'), 'Set Encrypted: true with a KmsKeyId.', 'high', 'security', { Encrypted: true, KmsKeyId: 'k' }, { Encrypted: false }, ENC],
  ['cfn-redshift-no-subnet-group', ['AWS::Redshift::Cluster'], undefined, 'Redshift cluster outside a VPC', has('ClusterSubnetGroupName', 'ClusterSubnetGroupName'), 'Set ClusterSubnetGroupName.', 'medium', 'security', { ClusterSubnetGroupName: 'g' }, {}, PUB],
  ['cfn-redshift-ssl-not-required', ['AWS::Redshift::ClusterParameterGroup'], undefined, 'Redshift parameter group does not require SSL', groupParam('require_ssl', (v) => v === 'true' || v === true, 'require_ssl is not true'), 'Add the parameter require_ssl = true.', 'medium', 'security', { Description: 'd', ParameterGroupFamily: 'redshift-1.0', Parameters: [{ ParameterName: 'require_ssl', ParameterValue: 'true' }] }, { Description: 'd', ParameterGroupFamily: 'redshift-1.0', Parameters: [] }, ENC],
  ['cfn-docdb-unencrypted', ['AWS::DocDB::DBCluster'], undefined, 'DocumentDB cluster storage not encrypted', on('StorageEncrypted', 'storage encryption'), 'Set StorageEncrypted: true.', 'high', 'security', { StorageEncrypted: true }, { StorageEncrypted: false }, ENC],
  ['cfn-docdb-tls-disabled', ['AWS::DocDB::DBClusterParameterGroup'], undefined, 'DocumentDB parameter group disables TLS', groupParam('tls', (v) => v !== 'disabled', 'TLS is disabled'), 'Remove tls: disabled.', 'high', 'security', { Description: 'd', Family: 'docdb4.0', Parameters: { tls: 'enabled' } }, { Description: 'd', Family: 'docdb4.0', Parameters: { tls: 'disabled' } }, ENC],
  ['cfn-docdb-audit-logs-disabled', ['AWS::DocDB::DBClusterParameterGroup'], undefined, 'DocumentDB parameter group without audit logs', groupParam('audit_logs', (v) => v === 'enabled', 'audit_logs is not enabled'), 'Set audit_logs: enabled.', 'medium', 'security', { Description: 'd', Family: 'docdb4.0', Parameters: { audit_logs: 'enabled' } }, { Description: 'd', Family: 'docdb4.0', Parameters: { tls: 'enabled' } }, LOG],
  ['cfn-neptune-logging-disabled', ['AWS::Neptune::DBCluster'], undefined, 'Neptune cluster without audit logs', (r) => (asStrings(r.get('EnableCloudwatchLogsExports')).includes('audit') || !isKnown(r.get('EnableCloudwatchLogsExports') ?? []) ? [] : [{ path: r.has('EnableCloudwatchLogsExports') ? 'EnableCloudwatchLogsExports' : undefined, message: 'audit logs are not exported' }]), 'Set EnableCloudwatchLogsExports: [audit].', 'medium', 'security', { EnableCloudwatchLogsExports: ['audit'] }, {}, LOG],
  ['cfn-rds-cluster-iam-auth-disabled', ['AWS::RDS::DBCluster'], undefined, 'RDS cluster without IAM database authentication', on('EnableIAMDatabaseAuthentication', 'IAM database authentication'), 'Set EnableIAMDatabaseAuthentication: true.', 'medium', 'security', { EnableIAMDatabaseAuthentication: true }, { EnableIAMDatabaseAuthentication: false }],
  ['cfn-rds-instance-single-az', ['AWS::RDS::DBInstance'], undefined, 'RDS instance in a single availability zone', (r) => (String(r.get('Engine') ?? '').startsWith('aurora') || r.has('DBClusterIdentifier') ? [] : on('MultiAZ', 'Multi-AZ')(r, { resources: [], referencing: () => [], resolve: () => [] })), 'Set MultiAZ: true for production databases.', 'low', 'reliability', { MultiAZ: true, Engine: 'postgres' }, { MultiAZ: false, Engine: 'postgres' }, BAK],
  ['cfn-dynamodb-global-table-no-pitr', ['AWS::DynamoDB::GlobalTable'], undefined, 'DynamoDB global table replica without point-in-time recovery', (r) => r.each('Replicas').filter((x) => isObject(x.value) && !isTrue((x.value.PointInTimeRecoverySpecification as Record<string, Value> | undefined)?.PointInTimeRecoveryEnabled)).map((x) => ({ path: x.path, message: 'a replica has point-in-time recovery off' })), 'Set PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled: true on every replica.', 'medium', 'reliability', { Replicas: [{ Region: 'eu-west-1', PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }] }, { Replicas: [{ Region: 'eu-west-1' }] }, BAK],
  ['cfn-qldb-permissions-allow-all', ['AWS::QLDB::Ledger'], undefined, 'QLDB ledger uses the ALLOW_ALL permissions mode', is('PermissionsMode', ['STANDARD'], 'PermissionsMode'), 'Set PermissionsMode: STANDARD.', 'medium', 'security', { PermissionsMode: 'STANDARD' }, { PermissionsMode: 'ALLOW_ALL' }],
  ['cfn-qldb-deletion-protection-disabled', ['AWS::QLDB::Ledger'], undefined, 'QLDB ledger without deletion protection', falseIs('DeletionProtection', 'deletion protection is off'), 'Keep DeletionProtection: true.', 'low', 'reliability', { PermissionsMode: 'STANDARD', DeletionProtection: true }, { PermissionsMode: 'STANDARD', DeletionProtection: false }, BAK],
  // Search, logs, analytics, encryption at rest
  ['cfn-es-logs-disabled', ['AWS::Elasticsearch::Domain', 'AWS::OpenSearchService::Domain'], ['elasticsearch_logs_disabled'], 'Search domain does not publish logs', esLogs, 'Publish INDEX_SLOW_LOGS, SEARCH_SLOW_LOGS, ES_APPLICATION_LOGS and AUDIT_LOGS in LogPublishingOptions.', 'medium', 'security', { LogPublishingOptions: { ES_APPLICATION_LOGS: { CloudWatchLogsLogGroupArn: 'arn', Enabled: true } } }, { LogPublishingOptions: { ES_APPLICATION_LOGS: { CloudWatchLogsLogGroupArn: 'arn', Enabled: false } } }, LOG],
  ['cfn-es-slow-logs-disabled', ['AWS::Elasticsearch::Domain', 'AWS::OpenSearchService::Domain'], ['elasticsearch_without_slow_logs'], 'Search domain does not publish slow logs', (r) => { const opts = r.get('LogPublishingOptions'); if (opts !== undefined && !isKnown(opts)) return []; const on = isObject(opts) ? Object.entries(opts).some(([k, v]) => /^(INDEX|SEARCH)_SLOW_LOGS$/.test(k) && isObject(v) && v.Enabled !== false && v.Enabled !== 'false') : false; return on ? [] : [{ path: r.has('LogPublishingOptions') ? 'LogPublishingOptions' : undefined, message: 'neither INDEX_SLOW_LOGS nor SEARCH_SLOW_LOGS is published' }]; }, 'Publish INDEX_SLOW_LOGS and SEARCH_SLOW_LOGS in LogPublishingOptions.', 'low', 'performance', { LogPublishingOptions: { SEARCH_SLOW_LOGS: { CloudWatchLogsLogGroupArn: 'arn', Enabled: true } } }, { LogPublishingOptions: { ES_APPLICATION_LOGS: { CloudWatchLogsLogGroupArn: 'arn', Enabled: true } } }, LOG],
  ['cfn-db-security-group-public', ['AWS::RDS::DBSecurityGroup', 'AWS::RDS::DBSecurityGroupIngress'], ['db_security_group_with_public_scope'], 'DB security group open to the internet', (r) => (r.kind === 'AWS::RDS::DBSecurityGroupIngress' ? [{ value: r.get('CIDRIP'), path: 'CIDRIP' }] : r.each('DBSecurityGroupIngress').map((x) => ({ value: isObject(x.value) ? x.value.CIDRIP : undefined, path: `${x.path}.CIDRIP` }))).filter((x) => x.value === '0.0.0.0/0' || x.value === '::/0').map((x) => ({ path: x.path, message: 'ingress is open to the internet' })), 'Restrict CIDRIP to your networks (or move to VPC security groups).', 'critical', 'security', { GroupDescription: 'd', DBSecurityGroupIngress: [{ CIDRIP: '10.0.0.0/24' }] }, { GroupDescription: 'd', DBSecurityGroupIngress: [{ CIDRIP: '0.0.0.0/0' }] }, PUB],
  ['cfn-log-group-no-retention', ['AWS::Logs::LogGroup'], undefined, 'CloudWatch log group keeps logs forever', has('RetentionInDays', 'RetentionInDays'), 'Set RetentionInDays.', 'low', 'cost', { RetentionInDays: 30 }, {}],
  ['cfn-log-group-no-kms', ['AWS::Logs::LogGroup'], undefined, 'CloudWatch log group not encrypted with KMS', has('KmsKeyId', 'KmsKeyId'), 'Set KmsKeyId.', 'medium', 'security', { RetentionInDays: 30, KmsKeyId: 'arn' }, { RetentionInDays: 30 }, ENC],
  ['cfn-athena-workgroup-config-not-enforced', ['AWS::Athena::WorkGroup'], undefined, 'Athena workgroup lets clients override its settings', falseIs('WorkGroupConfiguration.EnforceWorkGroupConfiguration', 'clients may override the workgroup configuration, including encryption'), 'Set WorkGroupConfiguration.EnforceWorkGroupConfiguration: true.', 'medium', 'security', { Name: 'w', WorkGroupConfiguration: { EnforceWorkGroupConfiguration: true } }, { Name: 'w', WorkGroupConfiguration: { EnforceWorkGroupConfiguration: false } }, ENC],
  ['cfn-codebuild-artifacts-unencrypted', ['AWS::CodeBuild::Project'], undefined, 'CodeBuild artifacts not encrypted', (r) => [...r.all('Artifacts.EncryptionDisabled'), ...r.all('SecondaryArtifacts.EncryptionDisabled')].filter((x) => isTrue(x.value)).map((x) => ({ path: x.path, message: 'artifact encryption is disabled' })), 'Remove EncryptionDisabled: true.', 'medium', 'security', { Artifacts: { Type: 'S3', EncryptionDisabled: false } }, { Artifacts: { Type: 'S3', EncryptionDisabled: true } }, ENC],
  ['cfn-glue-catalog-unencrypted', ['AWS::Glue::DataCatalogEncryptionSettings'], undefined, 'Glue Data Catalog not encrypted', (r) => { const hits: Hit[] = []; const mode = r.get('DataCatalogEncryptionSettings.EncryptionAtRest.CatalogEncryptionMode'); if (isKnown(mode ?? 'DISABLED') && mode !== 'SSE-KMS') hits.push({ path: 'DataCatalogEncryptionSettings', message: 'the catalog is not encrypted with KMS' }); const pw = r.get('DataCatalogEncryptionSettings.ConnectionPasswordEncryption.ReturnConnectionPasswordEncrypted'); if (isKnown(pw ?? false) && !isTrue(pw)) hits.push({ path: 'DataCatalogEncryptionSettings', message: 'connection passwords are returned unencrypted' }); return hits; }, 'Set CatalogEncryptionMode: SSE-KMS and ReturnConnectionPasswordEncrypted: true.', 'medium', 'security', { CatalogId: '1', DataCatalogEncryptionSettings: { EncryptionAtRest: { CatalogEncryptionMode: 'SSE-KMS', SseAwsKmsKeyId: 'k' }, ConnectionPasswordEncryption: { ReturnConnectionPasswordEncrypted: true, KmsKeyId: 'k' } } }, { CatalogId: '1', DataCatalogEncryptionSettings: { EncryptionAtRest: { CatalogEncryptionMode: 'DISABLED' } } }, ENC],
  ['cfn-glue-security-configuration-unencrypted', ['AWS::Glue::SecurityConfiguration'], undefined, 'Glue security configuration leaves data unencrypted', glueSecurityConfig, 'Enable CloudWatch, job bookmark and S3 encryption with KMS.', 'medium', 'security', { Name: 'c', EncryptionConfiguration: { CloudWatchEncryption: { CloudWatchEncryptionMode: 'SSE-KMS' }, JobBookmarksEncryption: { JobBookmarksEncryptionMode: 'CSE-KMS' }, S3Encryptions: [{ S3EncryptionMode: 'SSE-KMS' }] } }, { Name: 'c', EncryptionConfiguration: { CloudWatchEncryption: { CloudWatchEncryptionMode: 'DISABLED' }, S3Encryptions: [{ S3EncryptionMode: 'SSE-KMS' }] } }, ENC],
  ['cfn-glue-no-security-configuration', ['AWS::Glue::Job', 'AWS::Glue::Crawler', 'AWS::Glue::DevEndpoint'], undefined, 'Glue job, crawler or endpoint without a security configuration', (r) => (r.has(r.kind === 'AWS::Glue::Crawler' ? 'CrawlerSecurityConfiguration' : 'SecurityConfiguration') ? [] : [{ message: 'no security configuration is associated' }]), 'Associate a Glue security configuration that encrypts data.', 'medium', 'security', { Role: 'r', Command: { Name: 'glueetl' }, SecurityConfiguration: 'c' }, { Role: 'r', Command: { Name: 'glueetl' } }, ENC],
  ['cfn-timestream-no-cmk', ['AWS::Timestream::Database'], undefined, 'Timestream database without a customer managed key', has('KmsKeyId', 'KmsKeyId'), 'Set KmsKeyId.', 'low', 'security', { KmsKeyId: 'arn' }, {}, ENC],
  ['cfn-backup-vault-no-cmk', ['AWS::Backup::BackupVault'], undefined, 'Backup vault without a customer managed key', has('EncryptionKeyArn', 'EncryptionKeyArn'), 'Set EncryptionKeyArn.', 'low', 'security', { BackupVaultName: 'v', EncryptionKeyArn: 'arn' }, { BackupVaultName: 'v' }, ENC],
  ['cfn-workspaces-volume-unencrypted', ['AWS::WorkSpaces::Workspace'], undefined, 'WorkSpaces volumes not encrypted', (r) => ['UserVolumeEncryptionEnabled', 'RootVolumeEncryptionEnabled'].filter((p) => !isTrue(r.get(p)) && isKnown(r.get(p) ?? false)).map((p) => ({ path: r.has(p) ? p : undefined, message: `${p} is not true` })), 'Set UserVolumeEncryptionEnabled and RootVolumeEncryptionEnabled with a VolumeEncryptionKey.', 'medium', 'security', { BundleId: 'b', DirectoryId: 'd', UserName: 'u', UserVolumeEncryptionEnabled: true, RootVolumeEncryptionEnabled: true, VolumeEncryptionKey: 'k' }, { BundleId: 'b', DirectoryId: 'd', UserName: 'u' }, ENC],
  // IAM, network
  ['cfn-iam-policy-service-wildcard', ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy', 'AWS::IAM::Role', 'AWS::IAM::User', 'AWS::IAM::Group'], undefined, 'IAM policy allows every action of a service on every resource', serviceWildcard, 'List the actions the workload needs and scope Resource to its ARNs.', 'high', 'security', { PolicyName: 'p', PolicyDocument: { Statement: [{ Effect: 'Allow', Action: ['s3:GetObject'], Resource: 'arn:aws:s3:::b/*' }] } }, { PolicyName: 'p', PolicyDocument: { Statement: [{ Effect: 'Allow', Action: ['s3:*', 'ec2:*'], Resource: '*' }] } }, ['SOC2:CC6.3']],
  ['cfn-iam-role-cross-account-unguarded', ['AWS::IAM::Role'], ['cross_account_iam_assume_role_policy_without_external_id_or_mfa'], 'Cross-account role trust without external ID or MFA', (r) => ((policyStatements(r.get('AssumeRolePolicyDocument') ?? null) ?? []).some(unguardedCrossAccount) ? [{ path: 'AssumeRolePolicyDocument', message: 'a cross-account principal may assume the role without ExternalId or MFA' }] : []), 'Require an sts:ExternalId (third parties) or aws:MultiFactorAuthPresent condition.', 'medium', 'security', { AssumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'sts:ExternalId': 'x' } } }] } }, { AssumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' }, Action: 'sts:AssumeRole' }] } }, ['SOC2:CC6.1']],
  ['cfn-vpc-endpoint-service-auto-accept', ['AWS::EC2::VPCEndpointService'], undefined, 'VPC endpoint service accepts connections automatically', falseIs('AcceptanceRequired', 'connections are accepted without review'), 'Set AcceptanceRequired: true.', 'medium', 'security', { AcceptanceRequired: true }, { AcceptanceRequired: false }, PUB],
  ['cfn-transfer-server-public', ['AWS::Transfer::Server'], undefined, 'Transfer server endpoint is public', (r) => { const t = r.get('EndpointType'); return t === undefined || t === 'PUBLIC' ? [{ path: t === undefined ? undefined : 'EndpointType', message: 'the endpoint is public' }] : []; }, 'Use EndpointType: VPC.', 'medium', 'security', { EndpointType: 'VPC' }, { EndpointType: 'PUBLIC' }, PUB],
];

export const cfnBreadthRules: Rule[] = ROWS.map(([id, kinds, kics, title, check, fix, sev, cat, pass, failProps, compliance]) => {
  const doc = (props: Props) => (isObject(props.Resources as Value) ? cfnTemplate(props.Resources as Parameters<typeof cfnTemplate>[0]) : cfnRes(kinds[0] ?? '', props));
  return cf(id, {
    title, desc: describeRisk(title, compliance, cat), sev, cat, kinds, check, fix, kics: kics?.length ? kics : undefined, compliance,
    pass: [doc(pass)], fail: [doc(failProps)],
  });
});
