import { isObject, type Span, type Value } from '../model.js';
import { asList, asStrings, isKnown, policyStatements, type Statement } from '../engine/checks.js';
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

export const isPublic = (r: IngressRule) => r.cidrs.some((c) => PUBLIC_CIDRS.has(c));

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
  return r
    .each('ingress')
    .map((x) => (Array.isArray(x.value) ? undefined : toRule(x.value, x.path, ['cidr_blocks', 'ipv6_cidr_blocks'])))
    .filter((x): x is IngressRule => x !== undefined);
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
  return isKnown(v) ? (policyStatements(v) ?? []) : [];
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

export function spanOf(res: { pos: Map<string, Span>; span: Span }, path: string): Span {
  return res.pos.get(path) ?? res.span;
}

export const noHits: Hit[] = [];
