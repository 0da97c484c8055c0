import { isObject, type PositionIndex, type Span, type Value } from '../model.js';
import { asList, asStrings, policyStatements, type Statement } from '../engine/checks.js';
import type { CheckFn, Hit, RuleContext } from '../engine/rule.js';
import type { ResourceView } from '../engine/view.js';

/** Helpers shared by Terraform and CloudFormation rules over the same AWS attribute model. */

export const PUBLIC_CIDRS = new Set(['0.0.0.0/0', '::/0']);

export interface IngressRule {
  from: number | undefined;
  to: number | undefined;
  protocol: string;
  cidrs: string[];
  path: string;
  description: Value | undefined;
}

const num = (v: Value | undefined) => (typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' && !isNaN(Number(v)) ? Number(v) : undefined);

/** True when the rule's port range covers `port` (all protocols cover every port). */
export function coversPort(r: IngressRule, port: number): boolean {
  if (r.protocol === '-1' || r.protocol === 'all') return true;
  if (r.from === undefined || r.to === undefined) return false;
  if (r.from === -1 || r.to === -1) return r.from === -1 && r.to === -1 ? false : false;
  return r.from <= port && port <= r.to;
}

/** 0.0.0.0/0 or ::/0. Non-canonical forms such as 10.0.0.1/0 are rejected by EC2 and not treated as public. */
export const isPublic = (r: IngressRule) => r.cidrs.some((c) => PUBLIC_CIDRS.has(c.trim()));

/** Ingress rules of a Terraform security group (inline blocks) or standalone rule resource. */
export function tfIngress(r: ResourceView): IngressRule[] {
  const toRule = (x: Value, path: string, cidrKeys: string[], fromKey = 'from_port', toKey = 'to_port', protoKey = 'protocol'): IngressRule | undefined => {
    if (!isObject(x)) return undefined;
    const cidrs = cidrKeys.flatMap((k) => asStrings(x[k]));
    return { from: num(x[fromKey]), to: num(x[toKey]), protocol: String(x[protoKey] ?? ''), cidrs, path, description: x.description };
  };
  if (r.kind === 'aws_security_group_rule') {
    if (r.get('type') !== 'ingress') return [];
    const rule = toRule(r.res.attrs, '', ['cidr_blocks', 'ipv6_cidr_blocks']);
    return rule ? [rule] : [];
  }
  if (r.kind === 'aws_vpc_security_group_ingress_rule') {
    const rule = toRule(r.res.attrs, '', ['cidr_ipv4', 'cidr_ipv6'], 'from_port', 'to_port', 'ip_protocol');
    return rule ? [rule] : [];
  }
  if (r.has('ingress_cidr_blocks') || r.has('ingress_rules') || r.has('ingress_with_cidr_blocks')) return moduleIngress(r);
  return r
    .each('ingress')
    .map((x) => (Array.isArray(x.value) ? undefined : toRule(x.value, x.path, ['cidr_blocks', 'ipv6_cidr_blocks'])))
    .filter((x): x is IngressRule => x !== undefined);
}

/** Named rules of the terraform-aws-modules/security-group module (the common ones). */
const MODULE_RULES: Record<string, [number, number, string]> = {
  'ssh-tcp': [22, 22, 'tcp'], 'http-80-tcp': [80, 80, 'tcp'], 'https-443-tcp': [443, 443, 'tcp'], 'rdp-tcp': [3389, 3389, 'tcp'],
  'rdp-udp': [3389, 3389, 'udp'], 'mysql-tcp': [3306, 3306, 'tcp'], 'postgresql-tcp': [5432, 5432, 'tcp'], 'mssql-tcp': [1433, 1433, 'tcp'],
  'redis-tcp': [6379, 6379, 'tcp'], 'mongodb-27017-tcp': [27017, 27017, 'tcp'], 'all-all': [0, 65535, '-1'], 'all-tcp': [0, 65535, 'tcp'],
  'http-8080-tcp': [8080, 8080, 'tcp'], 'elasticsearch-rest-tcp': [9200, 9200, 'tcp'], 'memcached-tcp': [11211, 11211, 'tcp'],
};

/** Ingress of a security-group registry module: ingress_rules × ingress_cidr_blocks, plus ingress_with_cidr_blocks. */
function moduleIngress(r: ResourceView): IngressRule[] {
  const cidrs = asStrings(r.get('ingress_cidr_blocks'));
  const out: IngressRule[] = [];
  const names = asStrings(r.get('ingress_rules'));
  for (const n of names.length ? names : cidrs.length ? ['all-all'] : []) {
    const known = MODULE_RULES[n];
    out.push({ from: known?.[0], to: known?.[1], protocol: known?.[2] ?? 'tcp', cidrs, path: 'ingress_cidr_blocks', description: undefined });
  }
  r.each('ingress_with_cidr_blocks').forEach((x) => {
    if (!isObject(x.value)) return;
    const rule = typeof x.value.rule === 'string' ? MODULE_RULES[x.value.rule] : undefined;
    out.push({
      from: num(x.value.from_port) ?? rule?.[0],
      to: num(x.value.to_port) ?? rule?.[1],
      protocol: String(x.value.protocol ?? rule?.[2] ?? 'tcp'),
      cidrs: typeof x.value.cidr_blocks === 'string' ? x.value.cidr_blocks.split(',').map((c) => c.trim()) : asStrings(x.value.cidr_blocks),
      path: x.path,
      description: x.value.description,
    });
  });
  return out;
}

/** Ingress rules of a CloudFormation security group (inline) or `AWS::EC2::SecurityGroupIngress`. */
export function cfnIngress(r: ResourceView): IngressRule[] {
  const toRule = (x: Value, path: string): IngressRule | undefined => {
    if (!isObject(x)) return undefined;
    return {
      from: num(x.FromPort),
      to: num(x.ToPort),
      protocol: String(x.IpProtocol ?? ''),
      cidrs: [...asStrings(x.CidrIp), ...asStrings(x.CidrIpv6)],
      path,
      description: x.Description,
    };
  };
  if (r.kind === 'AWS::EC2::SecurityGroupIngress') {
    const rule = toRule(r.res.attrs, '');
    return rule ? [rule] : [];
  }
  return asList(r.get('SecurityGroupIngress'))
    .map((x, i) => toRule(x, `SecurityGroupIngress.${i}`))
    .filter((x): x is IngressRule => x !== undefined);
}

/** Fires for each ingress rule open to the internet that covers one of `ports`. */
export function publicPortCheck(ingress: (r: ResourceView) => IngressRule[], ports: number[], what: string): CheckFn {
  return (r) =>
    ingress(r)
      .filter((x) => isPublic(x) && ports.some((p) => coversPort(x, p)))
      .map((x) => ({ path: x.path || undefined, message: `${what} is open to the internet (${x.cidrs.join(', ')})` }));
}

/** Statements of the policy document at `path` (a JSON string or an object). */
export function statementsAt(r: ResourceView, path: string): Statement[] {
  const v = r.get(path);
  return v === undefined || v === null ? [] : (policyStatements(v) ?? []);
}

/** Fires once when any statement of the policy at `path` matches `bad`. */
export function policyCheck(path: string, bad: (s: Statement) => boolean, message: string): CheckFn {
  return (r) => (statementsAt(r, path).some(bad) ? [{ path, message }] : []);
}

export const allows = (s: Statement) => s.effect.toLowerCase() === 'allow';

/** Resources of `kind` that point at this one through `attr`, with their spans for reporting. */
export function related(r: ResourceView, ctx: RuleContext, kind: string | string[], attr: string | string[] = 'bucket') {
  return ctx.referencing(r.res, kind, attr);
}

export function spanOf(res: { pos: PositionIndex; span: Span }, path: string): Span {
  return res.pos.get(path) ?? res.span;
}

export const noHits: Hit[] = [];

/** An Allow statement trusting another account (ARN or id) without an sts:ExternalId or MFA condition. */
export function unguardedCrossAccount(s: Statement): boolean {
  if (s.effect.toLowerCase() !== 'allow' || !s.principals.some((p) => /^arn:aws:iam::\d+:|^\d{12}$/.test(p))) return false;
  const cond = isObject(s.condition) ? s.condition : {};
  const keys = Object.values(cond).flatMap((c) => (isObject(c) ? Object.entries(c) : []));
  const externalId = keys.some(([k]) => k.toLowerCase() === 'sts:externalid');
  const mfa = keys.some(([k, v]) => k.toLowerCase() === 'aws:multifactorauthpresent' && asStrings(v).concat(typeof v === 'boolean' ? [String(v)] : []).includes('true'));
  return !externalId && !mfa;
}
