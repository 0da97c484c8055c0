import type { KubeObject, ResourceName } from './objects.js';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The defaults the API server fills into a new object, for the kinds people create in their first hour. */
export function applyDefaults(resource: ResourceName, input: KubeObject, ctx: { uid: () => string; services: () => KubeObject[] }): KubeObject {
  const o = structuredClone(input) as Any;
  o.metadata ??= {};
  switch (resource) {
    case 'namespaces':
      o.metadata.labels = { ...o.metadata.labels, 'kubernetes.io/metadata.name': o.metadata.name };
      o.spec = { finalizers: ['kubernetes'], ...o.spec };
      o.status = { phase: 'Active' };
      break;
    case 'deployments':
    case 'replicasets':
      o.metadata.generation = 1;
      o.spec = { replicas: 1, revisionHistoryLimit: 10, ...o.spec };
      if (resource === 'deployments') {
        o.spec.progressDeadlineSeconds ??= 600;
        o.spec.strategy ??= { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } };
      }
      if (o.spec.template) o.spec.template = { ...o.spec.template, spec: podSpecDefaults(o.spec.template.spec) };
      o.status = {};
      break;
    case 'pods':
      o.spec = podSpecDefaults(o.spec);
      o.status = { phase: 'Pending', qosClass: 'BestEffort' };
      break;
    case 'services':
      o.spec = serviceSpecDefaults(o.spec ?? {}, ctx.services());
      o.status = { loadBalancer: {} };
      break;
    case 'secrets':
      o.type ??= 'Opaque';
      if (o.stringData && typeof o.stringData === 'object') {
        o.data = { ...o.data, ...Object.fromEntries(Object.entries(o.stringData as Record<string, string>).map(([k, v]) => [k, Buffer.from(String(v)).toString('base64')])) };
        delete o.stringData;
      }
      break;
    default:
      break;
  }
  return o as KubeObject;
}

function podSpecDefaults(spec: Any | undefined): Any {
  const s: Any = { restartPolicy: 'Always', terminationGracePeriodSeconds: 30, dnsPolicy: 'ClusterFirst', schedulerName: 'default-scheduler', securityContext: {}, ...spec };
  if (Array.isArray(s.containers)) {
    s.containers = s.containers.map((c: Any) => ({
      terminationMessagePath: '/dev/termination-log',
      terminationMessagePolicy: 'File',
      imagePullPolicy: typeof c?.image === 'string' && (!c.image.includes(':') || c.image.endsWith(':latest')) ? 'Always' : 'IfNotPresent',
      resources: {},
      ...c,
      ...(Array.isArray(c?.ports) ? { ports: c.ports.map((p: Any) => ({ protocol: 'TCP', ...p })) } : {}),
    }));
  }
  return s;
}

/** ClusterIP allocation from 10.96.0.0/16, skipping addresses in use; ports get TCP and targetPort = port. */
function serviceSpecDefaults(spec: Any, services: KubeObject[]): Any {
  const s: Any = { type: 'ClusterIP', sessionAffinity: 'None', ...spec };
  if (s.type !== 'ExternalName' && !s.clusterIP) {
    const used = new Set(services.map((x) => (x.spec as Any)?.clusterIP));
    let n = 100;
    while (used.has(`10.96.${Math.floor(n / 250)}.${(n % 250) + 1}`)) n++;
    s.clusterIP = `10.96.${Math.floor(n / 250)}.${(n % 250) + 1}`;
  }
  if (s.clusterIP && !s.clusterIPs) s.clusterIPs = [s.clusterIP];
  s.ipFamilies ??= ['IPv4'];
  s.ipFamilyPolicy ??= 'SingleStack';
  s.internalTrafficPolicy ??= 'Cluster';
  if (Array.isArray(s.ports)) s.ports = s.ports.map((p: Any) => ({ protocol: 'TCP', targetPort: p?.port, ...p }));
  return s;
}
