/**
 * Kubernetes protobuf request bodies (`application/vnd.kubernetes.protobuf`), decoded to the JSON the
 * rest of the server handles. kubectl's typed clients send them for `create deployment|configmap|secret|
 * namespace|service` and `auth can-i`; a server that refuses them (415) makes those commands fail, as
 * client-go only falls back to JSON for CBOR. Only the messages and fields those commands send are known
 * (field numbers from k8s.io/api's generated.proto); unknown fields are skipped, as proto3 readers do.
 */

export class ProtoDecodeError extends Error {}

type Kind = 'string' | 'int' | 'bool' | 'bytes' | 'map' | 'mapBytes' | 'time' | 'intOrString' | 'quantityMap' | string;
interface FieldSpec {
  name: string;
  kind: Kind;
  repeated?: boolean;
}
type MessageSpec = Record<number, FieldSpec>;

const f = (name: string, kind: Kind, repeated = false): FieldSpec => ({ name, kind, repeated });

const MESSAGES: Record<string, MessageSpec> = {
  Unknown: { 1: f('typeMeta', 'TypeMeta'), 2: f('raw', 'bytes'), 3: f('contentEncoding', 'string'), 4: f('contentType', 'string') },
  TypeMeta: { 1: f('apiVersion', 'string'), 2: f('kind', 'string') },
  ObjectMeta: {
    1: f('name', 'string'),
    2: f('generateName', 'string'),
    3: f('namespace', 'string'),
    5: f('uid', 'string'),
    6: f('resourceVersion', 'string'),
    7: f('generation', 'int'),
    8: f('creationTimestamp', 'time'),
    11: f('labels', 'map'),
    12: f('annotations', 'map'),
    13: f('ownerReferences', 'OwnerReference', true),
    14: f('finalizers', 'string', true),
  },
  OwnerReference: { 1: f('kind', 'string'), 3: f('name', 'string'), 4: f('uid', 'string'), 5: f('apiVersion', 'string'), 6: f('controller', 'bool'), 7: f('blockOwnerDeletion', 'bool') },
  LabelSelector: { 1: f('matchLabels', 'map'), 2: f('matchExpressions', 'LabelSelectorRequirement', true) },
  LabelSelectorRequirement: { 1: f('key', 'string'), 2: f('operator', 'string'), 3: f('values', 'string', true) },
  Deployment: { 1: f('metadata', 'ObjectMeta'), 2: f('spec', 'DeploymentSpec') },
  DeploymentSpec: {
    1: f('replicas', 'int'),
    2: f('selector', 'LabelSelector'),
    3: f('template', 'PodTemplateSpec'),
    4: f('strategy', 'DeploymentStrategy'),
    5: f('minReadySeconds', 'int'),
    6: f('revisionHistoryLimit', 'int'),
    7: f('paused', 'bool'),
    9: f('progressDeadlineSeconds', 'int'),
  },
  DeploymentStrategy: { 1: f('type', 'string'), 2: f('rollingUpdate', 'RollingUpdateDeployment') },
  RollingUpdateDeployment: { 1: f('maxUnavailable', 'intOrString'), 2: f('maxSurge', 'intOrString') },
  PodTemplateSpec: { 1: f('metadata', 'ObjectMeta'), 2: f('spec', 'PodSpec') },
  Pod: { 1: f('metadata', 'ObjectMeta'), 2: f('spec', 'PodSpec') },
  PodSpec: {
    2: f('containers', 'Container', true),
    3: f('restartPolicy', 'string'),
    4: f('terminationGracePeriodSeconds', 'int'),
    5: f('activeDeadlineSeconds', 'int'),
    6: f('dnsPolicy', 'string'),
    7: f('nodeSelector', 'map'),
    8: f('serviceAccountName', 'string'),
    10: f('nodeName', 'string'),
    11: f('hostNetwork', 'bool'),
    20: f('initContainers', 'Container', true),
  },
  Container: {
    1: f('name', 'string'),
    2: f('image', 'string'),
    3: f('command', 'string', true),
    4: f('args', 'string', true),
    5: f('workingDir', 'string'),
    6: f('ports', 'ContainerPort', true),
    7: f('env', 'EnvVar', true),
    8: f('resources', 'ResourceRequirements'),
    13: f('terminationMessagePath', 'string'),
    14: f('imagePullPolicy', 'string'),
    16: f('stdin', 'bool'),
    17: f('stdinOnce', 'bool'),
    18: f('tty', 'bool'),
    20: f('terminationMessagePolicy', 'string'),
  },
  ContainerPort: { 1: f('name', 'string'), 2: f('hostPort', 'int'), 3: f('containerPort', 'int'), 4: f('protocol', 'string'), 5: f('hostIP', 'string') },
  EnvVar: { 1: f('name', 'string'), 2: f('value', 'string') },
  ResourceRequirements: { 1: f('limits', 'quantityMap'), 2: f('requests', 'quantityMap') },
  ConfigMap: { 1: f('metadata', 'ObjectMeta'), 2: f('data', 'map'), 3: f('binaryData', 'mapBytes'), 4: f('immutable', 'bool') },
  Secret: { 1: f('metadata', 'ObjectMeta'), 2: f('data', 'mapBytes'), 3: f('type', 'string'), 4: f('stringData', 'map'), 5: f('immutable', 'bool') },
  Namespace: { 1: f('metadata', 'ObjectMeta'), 2: f('spec', 'NamespaceSpec') },
  NamespaceSpec: { 1: f('finalizers', 'string', true) },
  ServiceAccount: { 1: f('metadata', 'ObjectMeta') },
  Service: { 1: f('metadata', 'ObjectMeta'), 2: f('spec', 'ServiceSpec') },
  ServiceSpec: { 1: f('ports', 'ServicePort', true), 2: f('selector', 'map'), 3: f('clusterIP', 'string'), 4: f('type', 'string'), 5: f('externalIPs', 'string', true), 7: f('sessionAffinity', 'string'), 11: f('externalName', 'string') },
  ServicePort: { 1: f('name', 'string'), 2: f('protocol', 'string'), 3: f('port', 'int'), 4: f('targetPort', 'intOrString'), 5: f('nodePort', 'int') },
  SelfSubjectAccessReview: { 1: f('metadata', 'ObjectMeta'), 2: f('spec', 'SelfSubjectAccessReviewSpec') },
  SelfSubjectAccessReviewSpec: { 1: f('resourceAttributes', 'ResourceAttributes'), 2: f('nonResourceAttributes', 'NonResourceAttributes') },
  ResourceAttributes: { 1: f('namespace', 'string'), 2: f('verb', 'string'), 3: f('group', 'string'), 4: f('version', 'string'), 5: f('resource', 'string'), 6: f('subresource', 'string'), 7: f('name', 'string') },
  NonResourceAttributes: { 1: f('path', 'string'), 2: f('verb', 'string') },
  SelfSubjectRulesReview: { 1: f('metadata', 'ObjectMeta'), 2: f('spec', 'SelfSubjectRulesReviewSpec') },
  SelfSubjectRulesReviewSpec: { 1: f('namespace', 'string') },
  DeleteOptions: { 1: f('gracePeriodSeconds', 'int'), 2: f('preconditions', 'Preconditions'), 4: f('propagationPolicy', 'string'), 5: f('dryRun', 'string', true) },
  Preconditions: { 1: f('uid', 'string'), 2: f('resourceVersion', 'string') },
};
const MAP_ENTRY: MessageSpec = { 1: f('key', 'string'), 2: f('value', 'string') };

class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}
  get done() {
    return this.pos >= this.buf.length;
  }
  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (this.pos >= this.buf.length) throw new ProtoDecodeError('truncated varint');
      const b = this.buf[this.pos++] as number;
      result |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return result;
      shift += 7n;
      if (shift > 63n) throw new ProtoDecodeError('varint too long');
    }
  }
  bytes(): Buffer {
    const len = Number(this.varint());
    if (this.pos + len > this.buf.length) throw new ProtoDecodeError('truncated field');
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }
  skip(wire: number) {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.bytes();
    else if (wire === 5) this.pos += 4;
    else throw new ProtoDecodeError(`unsupported wire type ${wire}`);
  }
}

function decodeMessage(buf: Buffer, type: string): Record<string, unknown> {
  const spec = type === 'MapEntry' ? MAP_ENTRY : MESSAGES[type];
  if (!spec) throw new ProtoDecodeError(`unknown message ${type}`);
  const r = new Reader(buf);
  const out: Record<string, unknown> = {};
  while (!r.done) {
    const tag = Number(r.varint());
    const field = spec[tag >> 3];
    const wire = tag & 7;
    if (!field) {
      r.skip(wire);
      continue;
    }
    const value = decodeValue(r, wire, field.kind);
    if (field.kind === 'map' || field.kind === 'mapBytes' || field.kind === 'quantityMap') {
      const [k, v] = value as [string, unknown];
      out[field.name] = { ...(out[field.name] as object), [k]: v };
    } else if (field.repeated) {
      const list = (out[field.name] as unknown[] | undefined) ?? [];
      list.push(value);
      out[field.name] = list;
    } else out[field.name] = value;
  }
  return out;
}

function decodeValue(r: Reader, wire: number, kind: Kind): unknown {
  if (wire === 0) {
    const n = r.varint();
    return kind === 'bool' ? n !== 0n : Number(BigInt.asIntN(64, n));
  }
  if (wire !== 2) throw new ProtoDecodeError(`unexpected wire type ${wire} for ${kind}`);
  const bytes = r.bytes();
  switch (kind) {
    case 'string':
      return bytes.toString('utf8');
    case 'bytes':
      return bytes;
    case 'map': {
      const e = decodeMessage(bytes, 'MapEntry');
      return [e.key ?? '', e.value ?? ''];
    }
    case 'mapBytes': {
      const e = decodeRaw(bytes);
      return [(e[1] as Buffer | undefined)?.toString('utf8') ?? '', ((e[2] as Buffer | undefined) ?? Buffer.alloc(0)).toString('base64')];
    }
    case 'quantityMap': {
      const e = decodeRaw(bytes);
      const q = e[2] ? (decodeRaw(e[2] as Buffer)[1] as Buffer | undefined) : undefined;
      return [(e[1] as Buffer | undefined)?.toString('utf8') ?? '', q?.toString('utf8') ?? '0'];
    }
    case 'time': {
      const t = decodeRaw(bytes);
      const seconds = Number(t[1] ?? 0n);
      return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    }
    case 'intOrString': {
      const v = decodeRaw(bytes);
      return Number(v[1] ?? 0n) === 1 ? ((v[3] as Buffer | undefined)?.toString('utf8') ?? '') : Number(BigInt.asIntN(32, (v[2] as bigint | undefined) ?? 0n));
    }
    default:
      return decodeMessage(bytes, kind);
  }
}

/** Field number → last raw value (bigint for varints, Buffer for length-delimited). */
function decodeRaw(buf: Buffer): Record<number, bigint | Buffer> {
  const r = new Reader(buf);
  const out: Record<number, bigint | Buffer> = {};
  while (!r.done) {
    const tag = Number(r.varint());
    const wire = tag & 7;
    if (wire === 0) out[tag >> 3] = r.varint();
    else if (wire === 2) out[tag >> 3] = r.bytes();
    else r.skip(wire);
  }
  return out;
}

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

export function isKubeProtobuf(contentType: string | undefined): boolean {
  return /^application\/vnd\.kubernetes\.protobuf/.test(contentType ?? '');
}

/** A protobuf body (magic `k8s\0` + runtime.Unknown) as the JSON object it encodes. */
export function decodeKubeProtobuf(body: Buffer): Record<string, unknown> {
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC)) throw new ProtoDecodeError('missing the k8s protobuf prefix');
  const unknown = decodeMessage(body.subarray(4), 'Unknown');
  const typeMeta = (unknown.typeMeta ?? {}) as { apiVersion?: string; kind?: string };
  const kind = typeMeta.kind ?? '';
  if (!MESSAGES[kind]) throw new ProtoDecodeError(`protobuf bodies of kind ${kind || '(none)'} are not supported by the simulated cluster; send JSON`);
  const object = decodeMessage((unknown.raw as Buffer | undefined) ?? Buffer.alloc(0), kind);
  return { apiVersion: typeMeta.apiVersion, kind, ...object };
}
