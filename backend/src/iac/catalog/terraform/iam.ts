import { isObject, type Resource, type Value } from '../../model.js';
import { actionMatches, asStrings, policyStatements, type Statement } from '../../engine/checks.js';
import type { CheckFn, RuleContext } from '../../engine/rule.js';
import { policyFromDocument } from '../../parsers/terraform/project.js';
import { tf } from '../dsl.js';
import { unguardedCrossAccount } from '../shared.js';

/** Known IAM privilege-escalation paths (Rhino Security Labs): every action of a path must be allowed. */
const ESCALATION_PATHS: string[][] = [
  ['iam:CreatePolicyVersion'],
  ['iam:SetDefaultPolicyVersion'],
  ['iam:CreateAccessKey'],
  ['iam:CreateLoginProfile'],
  ['iam:UpdateLoginProfile'],
  ['iam:AttachUserPolicy'],
  ['iam:AttachGroupPolicy'],
  ['iam:AttachRolePolicy'],
  ['iam:PutUserPolicy'],
  ['iam:PutGroupPolicy'],
  ['iam:PutRolePolicy'],
  ['iam:AddUserToGroup'],
  ['iam:UpdateAssumeRolePolicy', 'sts:AssumeRole'],
  ['iam:PassRole', 'ec2:RunInstances'],
  ['iam:PassRole', 'lambda:CreateFunction', 'lambda:InvokeFunction'],
  ['iam:PassRole', 'glue:CreateDevEndpoint'],
  ['iam:PassRole', 'cloudformation:CreateStack'],
  ['glue:UpdateDevEndpoint'],
  ['lambda:UpdateFunctionCode'],
];

type Principal = 'group' | 'role' | 'user';

/** Every policy statement that applies to the principal: inline policies and attached managed policies. */
function principalStatements(res: Resource, ctx: RuleContext, p: Principal): Statement[] {
  const docs: Value[] = [];
  for (const inline of ctx.referencing(res, `aws_iam_${p}_policy`, p)) docs.push(inline.attrs.policy ?? null);
  if (p === 'role' && res.attrs.inline_policy !== undefined) for (const x of Array.isArray(res.attrs.inline_policy) ? res.attrs.inline_policy : []) if (isObject(x)) docs.push(x.policy ?? null);
  const attachments = [...ctx.referencing(res, `aws_iam_${p}_policy_attachment`, p), ...ctx.referencing(res, 'aws_iam_policy_attachment', `${p}s`)];
  for (const a of attachments) for (const pol of ctx.resolve(a.attrs.policy_arn, 'aws_iam_policy')) docs.push(pol.attrs.policy ?? null);
  for (const pol of ctx.resolve(res.attrs.managed_policy_arns, 'aws_iam_policy')) docs.push(pol.attrs.policy ?? null);
  return docs.filter((d) => d !== null).flatMap((d) => policyStatements(d) ?? []);
}

function escalation(p: Principal): CheckFn {
  return (r, ctx) => {
    const allowed = principalStatements(r.res, ctx, p).filter((s) => s.effect.toLowerCase() === 'allow');
    const can = (action: string) => allowed.some((s) => s.actions.some((a) => actionMatches(a, action)));
    const paths = ESCALATION_PATHS.filter((path) => path.every(can));
    return paths.length ? [{ message: `the ${p}'s policies allow privilege escalation through ${paths.map((x) => x.join(' + ')).join('; ')}` }] : [];
  };
}

const KICS = (p: Principal, names: string[]) => names.map((n) => `${p}_with_privilege_escalation_by_actions_${n}`);
const policyTf = (p: Principal, actions: string[]) =>
  `resource "aws_iam_${p}" "x" {\n  name = "x"\n}\nresource "aws_iam_${p}_policy" "p" {\n  name = "p"\n  ${p} = aws_iam_${p}.x.name\n  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = ${JSON.stringify(actions)}, Resource = "*" }] })\n}\n`;

const escalationRule = (p: Principal, kics: string[]) =>
  tf(`aws-iam-${p}-privilege-escalation`, {
    title: `IAM ${p} can escalate its own privileges`,
    desc: `The policies attached to the ${p} grant an action set known to let its holder gain more permissions (e.g. attaching policies, creating policy versions, passing roles to new compute).`,
    sev: 'high', cat: 'security', kinds: [`aws_iam_${p}`],
    check: escalation(p),
    fix: 'Remove the escalation actions, scope them to specific resources, or guard them with a permissions boundary.',
    kics: KICS(p, kics), refs: { cwe: ['CWE-269'] }, compliance: ['CIS-AWS-1.4:1.16', 'SOC2:CC6.3'],
    pass: [policyTf(p, ['s3:GetObject', 'iam:PassRole'])],
    fail: [policyTf(p, ['iam:PassRole', 'ec2:RunInstances']), policyTf(p, ['iam:*'])],
  });

const adminPolicy = (s: Statement) => s.effect.toLowerCase() === 'allow' && s.actions.some((a) => a === '*') && s.resources.some((x) => x === '*');

export const iamRules = [
  escalationRule('group', ['glue_UpdateDevEndpoint', 'iam_AttachGroupPolicy', 'iam_AttachRolePolicy', 'iam_AttachUserPolicy', 'iam_CreateAccessKey', 'iam_CreateLoginProfile', 'iam_CreatePolicyVersion', 'iam_PassRole_and_cloudformation_CreateStack', 'iam_PassRole_and_ec2_RunInstances', 'iam_PassRole_and_glue_CreateDevEndpoint', 'iam_PassRole_and_lambda_CreateFunction_and_lambda_InvokeFunction', 'iam_PutRolePolicy', 'iam_PutUserPolicy', 'iam_SetDefaultPolicyVersion', 'lambda_UpdateFunctionCode']),
  escalationRule('role', ['glue_UpdateDevEndpoint', 'iam_AddUserToGroup', 'iam_AttachGroupPolicy', 'iam_AttachUserPolicy', 'iam_CreateLoginProfile', 'iam_CreatePolicyVersion', 'iam_PassRole_and_cloudformation_CreateStack', 'iam_PassRole_and_ec2_RunInstances', 'iam_PassRole_and_glue_CreateDevEndpoint', 'iam_PutGroupPolicy', 'iam_UpdateAssumeRolePolicy_and_sts_AssumeRole', 'lambda_UpdateFunctionCode']),
  escalationRule('user', ['glue_UpdateDevEndpoint', 'iam_AddUserToGroup', 'iam_AttachGroupPolicy', 'iam_AttachRolePolicy', 'iam_AttachUserPolicy', 'iam_CreateLoginProfile', 'iam_PassRole_and_cloudformation_CreateStack', 'iam_PassRole_and_ec2_RunInstances', 'iam_PassRole_and_glue_CreateDevEndpoint', 'iam_PassRole_and_lambda_CreateFunction_and_lambda_InvokeFunction', 'iam_PutGroupPolicy', 'iam_PutRolePolicy', 'iam_SetDefaultPolicyVersion', 'iam_UpdateAssumeRolePolicy_and_sts_AssumeRole', 'iam_UpdateLoginProfile', 'lambda_UpdateFunctionCode']),
  tf('aws-iam-policy-full-admin', {
    title: 'IAM policy grants full administrative access',
    desc: 'A statement allowing "*" on "*" gives every permission in the account to whoever holds the policy.',
    sev: 'high', cat: 'security', kinds: ['aws_iam_policy', 'aws_iam_role_policy', 'aws_iam_user_policy', 'aws_iam_group_policy', 'data.aws_iam_policy_document'],
    check: (r) => {
      const doc = r.kind === 'data.aws_iam_policy_document' ? policyFromDocument(r.res.attrs) : (r.get('policy') ?? null);
      return (policyStatements(doc) ?? []).some(adminPolicy) ? [{ path: r.kind.startsWith('data.') ? 'statement' : 'policy', message: 'the policy allows "*" on "*"' }] : [];
    },
    fix: 'Grant only the actions and resources the holder needs; use AWS managed job-function policies where they fit.',
    kics: ['iam_policies_with_full_privileges'], refs: { cwe: ['CWE-732'] }, compliance: ['CIS-AWS-1.4:1.16', 'SOC2:CC6.3'],
    pass: ['resource "aws_iam_policy" "p" {\n  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = "*" }] })\n}\n'],
    fail: ['resource "aws_iam_policy" "p" {\n  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }] })\n}\n'],
  }),
  tf('aws-iam-role-assumable-by-anyone', {
    title: 'IAM role can be assumed by any principal',
    desc: 'A trust policy with Principal "*" (or AWS "*") lets any AWS account assume the role.',
    sev: 'critical', cat: 'security', kinds: ['aws_iam_role'],
    check: (r) => ((policyStatements(r.get('assume_role_policy') ?? null) ?? []).some((s) => s.effect.toLowerCase() === 'allow' && s.principalWildcard) ? [{ path: 'assume_role_policy', message: 'the trust policy allows any principal' }] : []),
    fix: 'Name the accounts, roles or services that may assume the role in the trust policy.',
    kics: ['iam_role_allows_all_principals_to_assume'], refs: { cwe: ['CWE-284'] }, compliance: ['SOC2:CC6.1'],
    pass: ['resource "aws_iam_role" "r" {\n  assume_role_policy = jsonencode({ Statement = [{ Effect = "Allow", Principal = { Service = "ec2.amazonaws.com" }, Action = "sts:AssumeRole" }] })\n}\n'],
    fail: ['resource "aws_iam_role" "r" {\n  assume_role_policy = jsonencode({ Statement = [{ Effect = "Allow", Principal = { AWS = "*" }, Action = "sts:AssumeRole" }] })\n}\n'],
  }),
  tf('aws-iam-role-cross-account-unguarded', {
    title: 'Cross-account role trust without external ID or MFA',
    desc: 'Another account may assume the role without an sts:ExternalId or MFA condition, which exposes it to the confused-deputy problem.',
    sev: 'medium', cat: 'security', kinds: ['aws_iam_role'],
    check: (r) => {
      const bad = (policyStatements(r.get('assume_role_policy') ?? null) ?? []).filter(unguardedCrossAccount);
      return bad.length ? [{ path: 'assume_role_policy', message: 'a cross-account principal may assume the role without ExternalId or MFA' }] : [];
    },
    fix: 'Add a Condition requiring sts:ExternalId (for third parties) or aws:MultiFactorAuthPresent (for people).',
    kics: ['cross_account_iam_assume_role_policy_without_external_id_or_mfa'], compliance: ['SOC2:CC6.1'],
    pass: ['resource "aws_iam_role" "r" {\n  assume_role_policy = jsonencode({ Statement = [{ Effect = "Allow", Principal = { AWS = "arn:aws:iam::123456789012:root" }, Action = "sts:AssumeRole", Condition = { Bool = { "aws:MultiFactorAuthPresent" = "true" } } }] })\n}\n'],
    fail: ['resource "aws_iam_role" "r" {\n  assume_role_policy = jsonencode({ Statement = [{ Effect = "Allow", Principal = { AWS = "arn:aws:iam::123456789012:root" }, Action = "sts:AssumeRole" }] })\n}\n'],
  }),
  tf('aws-iam-user-direct-policy', {
    title: 'IAM policy attached directly to a user',
    desc: 'Permissions attached to individual users drift and are hard to review; groups and roles keep them consistent.',
    sev: 'low', cat: 'security', kinds: ['aws_iam_user_policy', 'aws_iam_user_policy_attachment', 'aws_iam_policy_attachment'],
    check: (r) => (r.kind !== 'aws_iam_policy_attachment' || asStrings(r.get('users')).length > 0 || (r.get('users') !== undefined && Array.isArray(r.get('users')) && (r.get('users') as Value[]).length > 0) ? [{ path: r.kind === 'aws_iam_policy_attachment' ? 'users' : 'user', message: 'a policy is attached to a user' }] : []),
    fix: 'Attach the policy to a group (or a role) and add the user to that group.',
    kics: ['iam_policies_attached_to_user'], compliance: ['CIS-AWS-1.4:1.15'],
    pass: ['resource "aws_iam_group_policy_attachment" "a" {\n  group = "g"\n  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"\n}\n'],
    fail: ['resource "aws_iam_user_policy_attachment" "a" {\n  user = "u"\n  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"\n}\n'],
  }),
];
