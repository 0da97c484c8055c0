import { isObject, Unknown, UNKNOWN_MARK, type Value } from '../model.js';
import type { CheckFn, Hit } from '../engine/rule.js';
import { cf, cfnRes, deployment, goodPod, k8, k8sDocs, tf } from './dsl.js';

/**
 * Hard-coded secrets in any string attribute: EC2 user data, provider blocks, variable defaults, templates, environment
 * values, ConfigMaps. Two signals: a value with the shape of a known credential anywhere, and a literal value under a
 * secret-like name (attribute key, map key, or the `name` of a name/value pair).
 */

const SHAPES: Array<[string, RegExp]> = [
  ['an AWS access key id', /\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA)[0-9A-Z]{16}\b/],
  ['a private key', /-----BEGIN (?:RSA |EC |OPENSSH |DSA |PGP |ENCRYPTED )?PRIVATE KEY(?: BLOCK)?-----/],
  ['a GitHub token', /\bgh[pousr]_[A-Za-z0-9]{36,}\b/],
  ['a Slack token', /\bxox[abprs]-[A-Za-z0-9-]{10,}\b/],
  ['a Slack webhook', /https:\/\/hooks\.slack\.com\/services\/T[A-Za-z0-9]+\/[A-Za-z0-9]+\/[A-Za-z0-9]+/],
  ['a Google API key', /\bAIza[0-9A-Za-z_-]{35}\b/],
  ['a Stripe live key', /\b(?:sk|rk)_live_[0-9a-zA-Z]{20,}\b/],
  ['a JSON web token', /\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/],
  ['credentials in a URL', /\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@'"]+:(?!\$|\{)[^\s@/'"]{3,}@[\w.-]+/i],
];

/** Names whose value is a secret; `secret_arn`, `secretName`, `password_length` and the like end otherwise. */
const SECRET_NAME = /(?:^|[^a-z])(?:pass(?:word|wd|phrase)?|pwd|secret|secret[_-]?(?:access[_-]?)?key|(?:access|private|api|auth|client|master|signing|encryption)[_-]?(?:key|token|secret)|token|credentials?)$/i;
const NOT_SECRET_NAME = /(?:^|[_-])(?:public|no|min|max|require|requires|length|reset|policy|rotation|enabled?)[_-]?/i;

/** In free text (scripts, templates, config files): `password = xyz`, `export AWS_SECRET_ACCESS_KEY=xyz`. */
const ASSIGNMENT = /(?:^|[^a-z0-9])((?:[a-z0-9]+[_-])*(?:pass(?:word|wd)?|pwd|secret|secret[_-]?access[_-]?key|api[_-]?key|access[_-]?token|auth[_-]?token|client[_-]?secret|private[_-]?key|token))["']?\s*[:=]\s*["']?([^\s"'`;,]{6,})/gi;

/** Values that are references, placeholders or generated at deploy time, not secrets. */
function isPlaceholder(v: string): boolean {
  const s = v.trim();
  if (s.length < 4) return true;
  if (/^(?:true|false|null|none|nil|undefined|yes|no|on|off|required|optional|string|secret|password|sensitive)$/i.test(s)) return true;
  if (/^[*xX#.\-_]+$/.test(s) || /^<.*>$/.test(s) || /^\[.*\]$/.test(s)) return true;
  if (/^\$|\$\{|\$\(|^\{\{|^%\{|^@Microsoft\.KeyVault|\{\{resolve:/.test(s)) return true;
  if (/^(?:arn:|projects\/|\/|\.\/|~\/|file:|vault:|ssm:|secretsmanager:|https?:\/\/(?![^\s/]*@))/.test(s)) return true;
  if (/(?:CHANGE[_-]?ME|REPLACE|PLACEHOLDER|YOUR[_-]|EXAMPLE|DUMMY|REDACTED|TODO)/i.test(s)) return true;
  return false;
}

/** `MasterUserPassword` → `Master_User_Password`, so camelCase names match like snake_case ones. */
const words = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2');
/** Annotation and label keys (`…/auth-secret`) name other objects; only credential shapes count there. */
const isSecretName = (name: string) => !name.includes('/') && SECRET_NAME.test(words(name)) && !NOT_SECRET_NAME.test(words(name));

const redact = (v: string) => (v.length <= 8 ? '***' : `${v.slice(0, 4)}…`);

interface Found {
  path: string;
  what: string;
}

/** Cheap gates: most strings hold none of these, and the full patterns run only on those that do. */
const MAYBE_SHAPE = /A[KSGIRN][A-Z]{2}[0-9A-Z]{16}|-----BEGIN|gh[pousr]_|xox[abprs]-|hooks\.slack|AIza|_live_|eyJ|:\/\/[^\s/@]+:[^\s/@]+@/;
const MAYBE_ASSIGNMENT = /(?:pass|pwd|secret|key|token)["']?\s*[:=]/i;

/** Secrets inside one string (shapes and assignments); base64 user data is decoded first. */
function inText(text: string): string[] {
  const out = MAYBE_SHAPE.test(text) ? SHAPES.filter(([, re]) => re.test(text)).map(([what]) => what) : [];
  if (!MAYBE_ASSIGNMENT.test(text)) return out;
  for (const m of text.matchAll(ASSIGNMENT)) {
    const [, name = '', value = ''] = m;
    if (!isPlaceholder(value) && !NOT_SECRET_NAME.test(name)) out.push(`a hard-coded ${name.toLowerCase()} (${redact(value)})`);
  }
  return out;
}

function decodedBase64(v: string): string | undefined {
  const s = v.replace(/\s+/g, '');
  if (s.length < 24 || s.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(s)) return undefined;
  const text = Buffer.from(s, 'base64').toString('utf8');
  return /^[\t\n\r\x20-\x7e]+$/.test(text) ? text : undefined;
}

/** What a string's text holds, remembered for long strings: count/for_each instances repeat them (1,000 × 131 kB took 1.7 s). */
const longStringFindings = new Map<string, string[]>();
function secretsInString(v: string): string[] {
  const remembered = longStringFindings.get(v);
  if (remembered) return remembered;
  const found = inText(v);
  const decoded = decodedBase64(v);
  if (decoded) found.push(...inText(decoded).map((w) => `${w}, base64-encoded`));
  if (v.length >= 1024) {
    if (longStringFindings.size >= 256) longStringFindings.clear(); // bounded: a cache, never a store
    longStringFindings.set(v, found);
  }
  return found;
}

/** Walks every string of a value; `name` is the key the value sits under (or the `name` of a name/value pair). */
function walk(v: Value | undefined, path: string, name: string, out: Found[], depth = 0): void {
  if (v === undefined || v === null || depth > 40) return;
  if (v instanceof Unknown) {
    // A template with unknown parts: its literal parts can still hold a secret.
    if (v.text) for (const what of inText(v.text.split(UNKNOWN_MARK).join(' '))) out.push({ path, what });
    return;
  }
  if (typeof v === 'string') {
    const named = isSecretName(name) && !isPlaceholder(v) && !/\s/.test(v.trim());
    const found = [...secretsInString(v)];
    if (/^\s*[[{]/.test(v) && v.length < 200_000) {
      try {
        walk(JSON.parse(v) as Value, path, name, out, depth + 1);
        return;
      } catch {
        // not JSON: scanned as text
      }
    }
    if (named && !found.length) found.push(`a hard-coded ${name} (${redact(v)})`);
    for (const what of new Set(found)) out.push({ path, what });
    return;
  }
  if (Array.isArray(v)) {
    v.forEach((x, i) => walk(x, path ? `${path}.${i}` : String(i), name, out, depth + 1));
    return;
  }
  if (isObject(v)) {
    // Environment-style pairs: {name: DB_PASSWORD, value: "…"} (Kubernetes, ECS) carry the name beside the value.
    const pairName = v.name ?? v.Name;
    for (const [k, x] of Object.entries(v)) {
      const key = (k === 'value' || k === 'Value') && typeof pairName === 'string' ? pairName : k;
      walk(x, path ? `${path}.${k}` : k, key, out, depth + 1);
    }
  }
}

/** Fires once per attribute that holds a secret. */
function secretsCheck(skip: (kind: string) => boolean = () => false): CheckFn {
  return (r) => {
    if (skip(r.kind)) return [];
    const out: Found[] = [];
    // A variable's default sits under the variable's own name.
    if (r.kind === 'variable') walk(r.get('default'), 'default', r.res.name, out);
    else walk(r.res.attrs, '', '', out);
    const byPath = new Map<string, string[]>();
    for (const f of out) byPath.set(f.path, [...(byPath.get(f.path) ?? []), f.what]);
    return [...byPath].map(([path, whats]): Hit => ({ path: path || undefined, message: `${[...new Set(whats)].join('; ')} in ${path || 'the resource'}` }));
  };
}

const FIX = 'Move the secret to a secret store (AWS Secrets Manager or SSM Parameter Store, a Kubernetes Secret from an external secret manager) and reference it; rotate the exposed value.';
const AWS_KEY = 'AKIA' + 'Z7QX4PLM3N2R5T6V';

export const secretRules = [
  tf('aws-hardcoded-secret', {
    title: 'Hard-coded secret in Terraform',
    desc: 'A credential written into the configuration (user data, provider block, variable default, environment, template) is readable by everyone with the repository or the state.',
    sev: 'high', cat: 'security', kinds: ['*'],
    check: secretsCheck(),
    fix: FIX, compliance: ['SOC2:CC6.1', 'CIS-AWS-1.4:1.12'], kics: ['hardcoded_aws_access_key'],
    pass: [
      'provider "aws" {\n  region = "eu-west-1"\n}\nvariable "db_password" {\n  type = string\n  sensitive = true\n}\nresource "aws_db_instance" "d" {\n  password = var.db_password\n  manage_master_user_password = true\n}',
      'resource "aws_instance" "i" {\n  user_data = "#!/bin/bash\\nexport DB_PASSWORD=$(aws ssm get-parameter --name /db/password)"\n}',
    ],
    fail: [
      `provider "aws" {\n  region = "eu-west-1"\n  access_key = "${AWS_KEY}"\n  secret_key = "kWcrlUX5JEDGM/LtmEENI/aVmYvHNif5zB+d9+ct"\n}`,
      'variable "db_password" {\n  default = "Sup3rS3cret!"\n}',
      `resource "aws_instance" "i" {\n  user_data = <<-EOF\n    #!/bin/bash\n    export AWS_ACCESS_KEY_ID=${AWS_KEY}\n  EOF\n}`,
      'resource "aws_lambda_function" "f" {\n  environment {\n    variables = {\n      API_TOKEN = "9f8e7d6c5b4a39281706f5e4d3c2b1a0"\n    }\n  }\n}',
      'resource "aws_db_instance" "d" {\n  password = "hunter2hunter2"\n}',
    ],
  }),
  cf('cfn-hardcoded-secret', {
    title: 'Hard-coded secret in a CloudFormation template',
    desc: 'A credential written into a template property (user data, environment, passwords, client secrets) is readable by everyone with the template or stack.',
    sev: 'high', cat: 'security', kinds: ['*'],
    check: secretsCheck(),
    fix: `${FIX} In CloudFormation use {{resolve:secretsmanager:…}} or a NoEcho parameter without a default.`,
    compliance: ['SOC2:CC6.1'],
    kics: ['alexa_skill_plaintext_client_secret_exposed', 'amplify_app_basic_auth_config_password_exposed', 'amplify_branch_basic_auth_config_password_exposed', 'dms_endpoint_mongo_db_settings_password_exposed', 'dms_endpoint_password_exposed', 'docdb_cluster_master_password_in_plaintext', 'refresh_token_is_exposed', 'directory_service_microsoft_ad_password_set_to_plaintext_or_default_ref', 'cloudformation_specifying_credentials_not_safe'],
    pass: [cfnRes('AWS::RDS::DBInstance', { MasterUserPassword: '{{resolve:secretsmanager:db:SecretString:password}}', MasterUsername: 'admin' })],
    fail: [
      cfnRes('AWS::RDS::DBInstance', { MasterUserPassword: 'Sup3rS3cret!', MasterUsername: 'admin' }),
      cfnRes('AWS::Lambda::Function', { Environment: { Variables: { AWS_ACCESS_KEY_ID: AWS_KEY } } }),
      cfnRes('AWS::Amplify::App', { BasicAuthConfig: { EnableBasicAuth: true, Username: 'admin', Password: 'amplify-pass-123' } }),
    ],
  }),
  k8('k8s-hardcoded-secret', {
    title: 'Hard-coded secret in a Kubernetes manifest',
    desc: 'A credential in an env value, a ConfigMap or an annotation is stored unencrypted and readable by anyone who can read the object.',
    sev: 'high', cat: 'security', kinds: ['*'],
    // Secrets are where credentials belong (their exposure is an RBAC question, see k8s-rbac-read-secrets).
    check: secretsCheck((kind) => kind === 'Secret' || kind === 'SealedSecret'),
    fix: 'Put the value in a Secret (ideally synced from an external secret manager) and reference it with secretKeyRef; rotate the exposed value.',
    compliance: ['SOC2:CC6.1', 'CIS-K8S-1.8:5.4.1'],
    pass: [deployment(goodPod({}, { env: [{ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } }, { name: 'LOG_LEVEL', value: 'debug' }] }))],
    fail: [
      deployment(goodPod({}, { env: [{ name: 'DB_PASSWORD', value: 'Sup3rS3cret!' }] })),
      k8sDocs({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'a' }, data: { 'app.properties': `aws.accessKeyId=${AWS_KEY}\nlog.level=info\n` } }),
    ],
  }),
];
