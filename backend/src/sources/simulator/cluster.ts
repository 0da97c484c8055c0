import { crashAfter, leakedBytes, type Fault, type PodView } from './faults.js';
import { seasonality } from './model.js';
import { isoSeconds, type KubeObject, type ObjectStore } from './objects.js';
import { formatMi, formatMilli, parseQuantity } from './quantity.js';
import { hashInts, hashString, k8sSuffix } from './random.js';
import type { ServiceSpec, Topology } from './topology.js';

export const REVISION = 'deployment.kubernetes.io/revision';
const ADDRESS_VARS: Record<string, string> = {
  productcatalogservice: 'PRODUCT_CATALOG_SERVICE_ADDR',
  currencyservice: 'CURRENCY_SERVICE_ADDR',
  cartservice: 'CART_SERVICE_ADDR',
  recommendationservice: 'RECOMMENDATION_SERVICE_ADDR',
  shippingservice: 'SHIPPING_SERVICE_ADDR',
  checkoutservice: 'CHECKOUT_SERVICE_ADDR',
  adservice: 'AD_SERVICE_ADDR',
  paymentservice: 'PAYMENT_SERVICE_ADDR',
  emailservice: 'EMAIL_SERVICE_ADDR',
  'redis-cart': 'REDIS_ADDR',
};
const BACKOFF_START_MS = 10_000;
const BACKOFF_MAX_MS = 300_000;
const EVENT_TTL_MS = 3_600_000;

/** What the simulator knows about a pod besides its API object: container state and counters. */
export interface PodRuntime extends PodView {
  name: string;
  namespace: string;
  rsName: string;
  rsUid: string;
  hash: string;
  container: string;
  noiseId: number;
  ip: string;
  createdAt: number;
  phase: 'Pending' | 'Running';
  state: 'creating' | 'running' | 'backoff';
  ready: boolean;
  restartCount: number;
  consecutiveCrashes: number;
  backoffUntil?: number;
  lastTerminated?: { reason: string; exitCode: number; startedAt: number; finishedAt: number };
  /** Set by a graceful DELETE: the pod shows Terminating until then, and no controller counts it. */
  terminatingUntil?: number;
  cpuLimit: number;
  memoryBaseBytes: number;
  counters: { ok: number; err: number; cpuSeconds: number; latencySumSec: number };
}

export interface ClusterDeps {
  store: ObjectStore;
  topology: Topology;
  seed: number;
  now: () => number;
  faults: () => Fault[];
  /** How long a container takes to start, and then to pass its readiness probe. */
  podStartMs?: number;
  podReadyMs?: number;
}

export interface Cluster {
  readonly pods: Map<string, PodRuntime>;
  /** Builds namespaces, nodes, and each service's Deployment, history of ReplicaSets, pods and Service. */
  bootstrap(): void;
  /** Moves pods through their lifecycle and the controllers towards the desired state. */
  step(): void;
  reconcile(): void;
  /** Runs the controllers for one deployment right after an API write. */
  reconcileDeployment(namespace: string, name: string): void;
  deletePod(namespace: string, name: string): boolean;
  /** A graceful DELETE: the pod is Terminating for `graceSeconds` (0: gone at once), its controller replaces it now. */
  terminatePod(namespace: string, name: string, graceSeconds: number): KubeObject | undefined;
  /** Gives a pod created through the API (no ReplicaSet) a container lifecycle. */
  runPod(namespace: string, name: string): void;
  /** Reconciles Endpoints and EndpointSlices of every Service now (after a Service or Pod write). */
  syncEndpoints(): void;
  event(involved: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string, component: string): void;
  nodes(): string[];
  snapshotRuntime(): { pods: PodRuntime[]; counters: { pod: number; ip: number } };
  restoreRuntime(s: { pods: PodRuntime[]; counters: { pod: number; ip: number } }): void;
}

interface Owned {
  rs: KubeObject;
  revision: number;
}

export function createCluster(deps: ClusterDeps): Cluster {
  const { store, topology, seed } = deps;
  const START_DELAY_MS = deps.podStartMs ?? 2_000;
  const READY_DELAY_MS = deps.podReadyMs ?? 3_000;
  const ns = topology.namespace;
  const specs = new Map(topology.services.map((s) => [s.name, s]));
  const pods = new Map<string, PodRuntime>();
  let podCounter = 0;
  let ipCounter = 0;
  const iso = (t: number) => isoSeconds(new Date(t));
  const nowIso = () => iso(deps.now());
  const nodeCount = Math.max(3, Math.ceil(topology.services.reduce((n, s) => n + s.replicas, 0) / 100));
  const nodeNames = Array.from({ length: nodeCount }, (_, i) => `sim-node-${k8sSuffix(hashInts(seed, 900, i), 4)}-${i + 1}`);
  const eventIndex = new Map<string, string>();

  function event(involved: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string, component: string) {
    const m = involved.metadata;
    const k = `${m.uid}|${reason}|${message}`;
    const existingName = eventIndex.get(k);
    const existing = existingName ? store.get('events', m.namespace, existingName) : undefined;
    if (existing) {
      store.update('events', { ...existing, count: Number(existing.count ?? 1) + 1, lastTimestamp: nowIso() });
      return;
    }
    const name = `${m.name}.${(hashInts(seed, store.resourceVersion, hashString(k)) * 4096 + (store.resourceVersion % 4096)).toString(16)}`;
    eventIndex.set(k, name);
    store.create('events', {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace: m.namespace ?? 'default' },
      involvedObject: {
        kind: involved.kind,
        namespace: m.namespace,
        name: m.name,
        uid: m.uid,
        apiVersion: involved.apiVersion,
        resourceVersion: m.resourceVersion,
        ...(involved.kind === 'Pod' ? { fieldPath: `spec.containers{${containerOf(involved)}}` } : {}),
      },
      reason,
      message,
      source: { component },
      firstTimestamp: nowIso(),
      lastTimestamp: nowIso(),
      count: 1,
      type,
      eventTime: null,
      reportingComponent: component,
      reportingInstance: '',
    });
  }

  function expireEvents() {
    const cutoff = deps.now() - EVENT_TTL_MS;
    const all = store.list('events');
    if (all.length < 50) return;
    for (const e of all) {
      if (Date.parse(String(e.lastTimestamp)) < cutoff) {
        store.delete('events', e.metadata.namespace, e.metadata.name);
        for (const [k, v] of eventIndex) if (v === e.metadata.name) eventIndex.delete(k);
      }
    }
  }

  function bootstrap() {
    const created = deps.now() - 30 * 86_400_000;
    for (const name of ['default', 'kube-system', ns]) {
      if (store.get('namespaces', undefined, name)) continue;
      store.create('namespaces', {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name, labels: { 'kubernetes.io/metadata.name': name }, creationTimestamp: iso(created) },
        spec: { finalizers: ['kubernetes'] },
        status: { phase: 'Active' },
      });
    }
    nodeNames.forEach((name, i) => store.create('nodes', nodeObject(name, i, created)));
    topology.services.forEach((spec, i) => bootstrapService(spec, i, created));
  }

  function nodeObject(name: string, i: number, created: number): Parameters<ObjectStore['create']>[1] {
    return {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name,
        creationTimestamp: iso(created),
        labels: {
          'kubernetes.io/hostname': name,
          'kubernetes.io/os': 'linux',
          'kubernetes.io/arch': 'amd64',
          'topology.kubernetes.io/zone': `sim-zone-${'abc'[i % 3]}`,
        },
      },
      spec: { podCIDR: `10.8.${i}.0/24` },
      status: {
        capacity: { cpu: '8', memory: '32Gi', pods: '110' },
        allocatable: { cpu: '7910m', memory: '29Gi', pods: '110' },
        conditions: [
          { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: iso(created), lastTransitionTime: iso(created) },
        ],
        addresses: [
          { type: 'InternalIP', address: `10.128.0.${10 + i}` },
          { type: 'Hostname', address: name },
        ],
        nodeInfo: {
          machineID: hex32(hashInts(seed, 901, i)),
          systemUUID: uuidOf(hashInts(seed, 902, i)),
          bootID: uuidOf(hashInts(seed, 903, i)),
          kernelVersion: '6.1.0-31-cloud-amd64',
          osImage: 'Debian GNU/Linux 12 (bookworm)',
          containerRuntimeVersion: 'containerd://1.7.24',
          kubeletVersion: 'v1.32.4',
          kubeProxyVersion: 'v1.32.4',
          operatingSystem: 'linux',
          architecture: 'amd64',
        },
        daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
        images: [],
      },
    };
  }

  /** The service-address variables Online Boutique's manifests set, so config-based discovery sees the calls. */
  function addressEnv(spec: ServiceSpec): Array<{ name: string; value: string }> {
    return topology.edges
      .filter((e) => e.source === spec.name)
      .map((e) => {
        const target = specs.get(e.target);
        const name = ADDRESS_VARS[e.target] ?? `${e.target.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_ADDR`;
        return { name, value: `${e.target}:${target?.port ?? 8080}` };
      });
  }

  function template(spec: ServiceSpec, version: string) {
    const image =
      spec.language === 'redis'
        ? `redis:${version}`
        : `us-central1-docker.pkg.dev/google-samples/microservices-demo/${spec.name}:${version}`;
    return {
      metadata: { labels: { app: spec.name } },
      spec: {
        terminationGracePeriodSeconds: 5,
        containers: [
          {
            name: spec.language === 'redis' ? 'redis' : 'server',
            image,
            ports: [{ containerPort: spec.port, protocol: 'TCP' }],
            env: [{ name: 'PORT', value: String(spec.port) }, ...addressEnv(spec)],
            resources: {
              requests: { cpu: formatMilli(spec.cpuLimit / 5), memory: formatMi((spec.memoryBaseMiB * 2 ** 20) / 1.5) },
              limits: { cpu: formatMilli(spec.cpuLimit), memory: `${spec.memoryLimitMiB}Mi` },
            },
            readinessProbe: { periodSeconds: 5, tcpSocket: { port: spec.port } },
            livenessProbe: { periodSeconds: 10, tcpSocket: { port: spec.port } },
          },
        ],
      },
    };
  }

  function bootstrapService(spec: ServiceSpec, index: number, created: number) {
    const versions = spec.language === 'redis' ? ['7.0-alpine', '7.2-alpine'] : ['v0.10.0', 'v0.10.1', spec.version];
    const dep = store.create('deployments', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: spec.name,
        namespace: ns,
        labels: { app: spec.name },
        annotations: { [REVISION]: String(versions.length) },
        generation: 1,
        creationTimestamp: iso(created + index * 60_000),
      },
      spec: {
        replicas: spec.replicas,
        selector: { matchLabels: { app: spec.name } },
        template: template(spec, versions[versions.length - 1] as string),
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
        revisionHistoryLimit: 10,
        progressDeadlineSeconds: 600,
      },
      status: {},
    });
    versions.forEach((version, i) => {
      const tpl = template(spec, version);
      const revisionTime = created + (i + 1) * 5 * 86_400_000 + index * 600_000;
      const rs = createReplicaSet(dep, tpl, i + 1, i === versions.length - 1 ? spec.replicas : 0, revisionTime);
      if (i !== versions.length - 1) return;
      for (let p = 0; p < spec.replicas; p++) createPod(rs, revisionTime + p * 20_000, true);
    });
    store.create('services', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: spec.name, namespace: ns, labels: { app: spec.name }, creationTimestamp: iso(created + index * 60_000) },
      spec: {
        type: spec.name === 'frontend' ? 'LoadBalancer' : 'ClusterIP',
        clusterIP: `10.12.${Math.floor(index / 200)}.${(index % 200) + 10}`,
        clusterIPs: [`10.12.${Math.floor(index / 200)}.${(index % 200) + 10}`],
        selector: { app: spec.name },
        ports: [{ name: spec.language === 'redis' ? 'tcp-redis' : 'grpc', port: spec.name === 'frontend' ? 80 : spec.port, targetPort: spec.port, protocol: 'TCP' }],
        sessionAffinity: 'None',
      },
      status: { loadBalancer: spec.name === 'frontend' ? { ingress: [{ ip: '203.0.113.10' }] } : {} },
    });
    store.create('endpoints', { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: spec.name, namespace: ns, labels: { app: spec.name } }, subsets: [] });
    reconcileDeploymentObject(store.get('deployments', ns, spec.name) as KubeObject);
  }

  const hashCache = new WeakMap<object, string>();
  function templateHash(tpl: unknown): string {
    const cached = typeof tpl === 'object' && tpl !== null ? hashCache.get(tpl) : undefined;
    if (cached) return cached;
    const hash = k8sSuffix(hashString(stableStringify(withoutEmpty(tpl))), 10);
    if (typeof tpl === 'object' && tpl !== null) hashCache.set(tpl, hash);
    return hash;
  }

  function createReplicaSet(dep: KubeObject, tpl: unknown, revision: number, replicas: number, at?: number): KubeObject {
    const hash = templateHash(tpl);
    const t = tpl as { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> } };
    const labels = { ...(t.metadata?.labels ?? {}), 'pod-template-hash': hash };
    const depAnn = Object.fromEntries(
      Object.entries(dep.metadata.annotations ?? {}).filter(([k]) => !k.startsWith('deployment.kubernetes.io/') && k !== 'kubectl.kubernetes.io/last-applied-configuration'),
    );
    const spec = dep.spec as { replicas?: number; selector: { matchLabels: Record<string, string> } };
    return store.create('replicasets', {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${dep.metadata.name}-${hash}`,
        namespace: dep.metadata.namespace,
        labels,
        annotations: {
          ...depAnn,
          [REVISION]: String(revision),
          'deployment.kubernetes.io/desired-replicas': String(spec.replicas ?? 1),
          'deployment.kubernetes.io/max-replicas': String((spec.replicas ?? 1) + 1),
        },
        generation: 1,
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: dep.metadata.name, uid: dep.metadata.uid, controller: true, blockOwnerDeletion: true }],
        ...(at !== undefined ? { creationTimestamp: iso(at) } : {}),
      },
      spec: {
        replicas,
        selector: { matchLabels: { ...spec.selector.matchLabels, 'pod-template-hash': hash } },
        template: { ...(tpl as object), metadata: { ...(t.metadata ?? {}), labels } },
      },
      status: { replicas: 0, observedGeneration: 1 },
    });
  }

  function pickNode(service: string): string {
    const pressured = new Set(
      deps.faults().filter((f) => f.scenario === 'noisy-neighbour' && !f.resolvedAt && (f.endsAt ?? Infinity) > deps.now()).map((f) => f.params.node),
    );
    const load = new Map(nodeNames.map((n) => [n, 0]));
    for (const p of pods.values()) load.set(p.node, (load.get(p.node) ?? 0) + (p.service === service ? 5 : 1));
    const candidates = nodeNames.filter((n) => !pressured.has(n));
    const pool = candidates.length ? candidates : nodeNames;
    return pool.reduce((best, n) => ((load.get(n) ?? 0) < (load.get(best) ?? 0) ? n : best), pool[0] as string);
  }

  function createPod(rs: KubeObject, at: number, alreadyRunning = false): PodRuntime {
    const service = rs.metadata.labels?.app ?? rs.metadata.name;
    const spec = specs.get(service);
    const tpl = (rs.spec as { template: { metadata: { labels: Record<string, string>; annotations?: Record<string, string> }; spec: Record<string, unknown> } }).template;
    const container = (tpl.spec.containers as Array<{ name: string; image: string; env?: Array<{ name: string; value?: string }>; resources?: { limits?: Record<string, string> } }>)[0];
    podCounter++;
    let name = `${rs.metadata.name}-${k8sSuffix(hashInts(seed, podCounter, 77), 5)}`;
    while (pods.has(name)) name = `${rs.metadata.name}-${k8sSuffix(hashInts(seed, podCounter, ++ipCounter), 5)}`;
    ipCounter++;
    const memoryLimit = parseQuantity(container?.resources?.limits?.memory) ?? (spec?.memoryLimitMiB ?? 256) * 2 ** 20;
    const rt: PodRuntime = {
      name,
      namespace: rs.metadata.namespace ?? ns,
      service,
      rsName: rs.metadata.name,
      rsUid: rs.metadata.uid,
      hash: rs.metadata.labels?.['pod-template-hash'] ?? '',
      container: container?.name ?? 'server',
      image: container?.image ?? '',
      env: Object.fromEntries((container?.env ?? []).map((e) => [e.name, e.value ?? ''])),
      node: pickNode(service),
      noiseId: hashInts(seed, podCounter) % 1_000_000,
      ip: `10.8.${Math.floor(ipCounter / 250) % 250}.${(ipCounter % 250) + 2}`,
      createdAt: at,
      containerStartedAt: at,
      phase: alreadyRunning ? 'Running' : 'Pending',
      state: alreadyRunning ? 'running' : 'creating',
      ready: alreadyRunning,
      restartCount: 0,
      consecutiveCrashes: 0,
      cpuLimit: parseQuantity(container?.resources?.limits?.cpu) ?? spec?.cpuLimit ?? 0.5,
      memoryBaseBytes: (spec?.memoryBaseMiB ?? 64) * 2 ** 20,
      memoryBytes: 0,
      memoryLimitBytes: memoryLimit,
      counters: { ok: 0, err: 0, cpuSeconds: 0, latencySumSec: 0 },
    };
    rt.memoryBytes = alreadyRunning ? memoryOf(rt, deps.now()) : 0;
    pods.set(name, rt);
    store.create('pods', podObject(rt, tpl));
    if (!alreadyRunning) {
      event(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${name}`, 'replicaset-controller');
      const pod = store.get('pods', rt.namespace, name) as KubeObject;
      event(pod, 'Normal', 'Scheduled', `Successfully assigned ${rt.namespace}/${name} to ${rt.node}`, 'default-scheduler');
    }
    return rt;
  }

  function podObject(rt: PodRuntime, tpl: { metadata: { labels: Record<string, string>; annotations?: Record<string, string> }; spec: Record<string, unknown> }) {
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: rt.name,
        generateName: `${rt.rsName}-`,
        namespace: rt.namespace,
        labels: { ...tpl.metadata.labels },
        ...(tpl.metadata.annotations ? { annotations: { ...tpl.metadata.annotations } } : {}),
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rt.rsName, uid: rt.rsUid, controller: true, blockOwnerDeletion: true }],
        creationTimestamp: iso(rt.createdAt),
      },
      spec: {
        ...tpl.spec,
        nodeName: rt.node,
        restartPolicy: 'Always',
        dnsPolicy: 'ClusterFirst',
        schedulerName: 'default-scheduler',
        serviceAccountName: 'default',
        enableServiceLinks: true,
        priority: 0,
      },
      status: podStatus(rt),
    };
  }

  function podStatus(rt: PodRuntime) {
    const since = iso(rt.createdAt);
    const readyStatus = rt.ready ? 'True' : 'False';
    const cond = (type: string, status: string) => ({ type, status, lastProbeTime: null, lastTransitionTime: since });
    const state =
      rt.state === 'running'
        ? { running: { startedAt: iso(rt.containerStartedAt) } }
        : rt.state === 'backoff'
          ? { waiting: { reason: 'CrashLoopBackOff', message: `back-off ${Math.round(backoffMs(rt) / 1000)}s restarting failed container=${rt.container} pod=${rt.name}_${rt.namespace}(${podUid(rt)})` } }
          : { waiting: { reason: 'ContainerCreating' } };
    const last = rt.lastTerminated;
    return {
      phase: rt.phase,
      conditions: [cond('PodReadyToStartContainers', rt.phase === 'Running' ? 'True' : 'False'), cond('Initialized', 'True'), cond('Ready', readyStatus), cond('ContainersReady', readyStatus), cond('PodScheduled', 'True')],
      hostIP: nodeIp(rt.node),
      hostIPs: [{ ip: nodeIp(rt.node) }],
      podIP: rt.ip,
      podIPs: [{ ip: rt.ip }],
      startTime: since,
      qosClass: 'Burstable',
      containerStatuses: [
        {
          name: rt.container,
          image: rt.image,
          imageID: `${rt.image.split(':')[0]}@sha256:${hashInts(hashString(rt.image)).toString(16).padStart(8, '0').repeat(8)}`,
          containerID: `containerd://${hashInts(seed, rt.noiseId, rt.restartCount).toString(16).padStart(8, '0').repeat(8)}`,
          ready: rt.ready,
          started: rt.state === 'running',
          restartCount: rt.restartCount,
          state,
          lastState: last
            ? { terminated: { exitCode: last.exitCode, reason: last.reason, startedAt: iso(last.startedAt), finishedAt: iso(last.finishedAt), containerID: `containerd://${hashInts(seed, rt.noiseId, rt.restartCount - 1).toString(16).padStart(8, '0').repeat(8)}` } }
            : {},
        },
      ],
    };
  }

  function podUid(rt: PodRuntime): string {
    return store.get('pods', rt.namespace, rt.name)?.metadata.uid ?? '';
  }

  function nodeIp(node: string): string {
    return `10.128.0.${10 + Math.max(0, nodeNames.indexOf(node))}`;
  }

  function syncPod(rt: PodRuntime) {
    const current = store.get('pods', rt.namespace, rt.name);
    if (current) store.update('pods', { ...current, status: podStatus(rt) });
  }

  function backoffMs(rt: PodRuntime): number {
    return Math.min(BACKOFF_MAX_MS, BACKOFF_START_MS * 2 ** Math.max(0, rt.consecutiveCrashes - 1));
  }

  function memoryOf(rt: PodRuntime, now: number): number {
    if (rt.state !== 'running') return 0;
    return rt.memoryBaseBytes * (1 + 0.12 * seasonality(now)) + leakedBytes(deps.faults(), rt, now);
  }

  function podEvent(rt: PodRuntime, type: 'Normal' | 'Warning', reason: string, message: string) {
    const pod = store.get('pods', rt.namespace, rt.name);
    if (pod) event(pod, type, reason, message, 'kubelet');
  }

  function startContainer(rt: PodRuntime, now: number) {
    rt.phase = 'Running';
    rt.state = 'running';
    rt.containerStartedAt = now;
    rt.backoffUntil = undefined;
    podEvent(rt, 'Normal', 'Pulled', `Container image "${rt.image}" already present on machine`);
    podEvent(rt, 'Normal', 'Created', `Created container: ${rt.container}`);
    podEvent(rt, 'Normal', 'Started', `Started container ${rt.container}`);
  }

  function terminate(rt: PodRuntime, now: number, reason: 'Error' | 'OOMKilled', exitCode: number) {
    // Running for ten minutes resets the kubelet's back-off.
    if (now - rt.containerStartedAt > 600_000) rt.consecutiveCrashes = 0;
    rt.consecutiveCrashes++;
    rt.restartCount++;
    rt.lastTerminated = { reason, exitCode, startedAt: rt.containerStartedAt, finishedAt: now };
    rt.state = 'backoff';
    rt.ready = false;
    rt.backoffUntil = now + backoffMs(rt);
    rt.memoryBytes = 0;
    if (reason === 'OOMKilled') {
      podEvent(rt, 'Warning', 'OOMKilled', `Container ${rt.container} was OOM-killed (memory limit ${formatMi(rt.memoryLimitBytes)})`);
    }
    podEvent(rt, 'Warning', 'BackOff', `Back-off restarting failed container ${rt.container} in pod ${rt.name}_${rt.namespace}(${podUid(rt)})`);
  }

  /** One pod's lifecycle at `now`; returns whether its API object must change. */
  function stepPod(rt: PodRuntime, now: number): boolean {
    const faults = deps.faults();
    if (rt.state === 'creating') {
      if (now - rt.createdAt < START_DELAY_MS) return false;
      startContainer(rt, now);
      return true;
    }
    if (rt.state === 'backoff') {
      if ((rt.backoffUntil ?? 0) > now) return false;
      startContainer(rt, now);
      return true;
    }
    rt.memoryBytes = memoryOf(rt, now);
    if (rt.memoryBytes >= rt.memoryLimitBytes) {
      terminate(rt, now, 'OOMKilled', 137);
      return true;
    }
    const crashIn = crashAfter(faults, rt, now);
    if (crashIn !== undefined && now - rt.containerStartedAt >= crashIn) {
      terminate(rt, now, 'Error', 1);
      return true;
    }
    if (!rt.ready && now - rt.containerStartedAt >= READY_DELAY_MS) {
      rt.ready = true;
      return true;
    }
    return false;
  }

  function deletePodRuntime(rt: PodRuntime, reasonEvents: boolean) {
    const pod = store.get('pods', rt.namespace, rt.name);
    if (reasonEvents && pod) event(pod, 'Normal', 'Killing', `Stopping container ${rt.container}`, 'kubelet');
    pods.delete(rt.name);
    store.delete('pods', rt.namespace, rt.name);
    const rs = store.get('replicasets', rt.namespace, rt.rsName);
    if (rs && reasonEvents) event(rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${rt.name}`, 'replicaset-controller');
  }

  function podsOf(rsName: string): PodRuntime[] {
    const out: PodRuntime[] = [];
    for (const p of pods.values()) if (p.rsName === rsName && p.terminatingUntil === undefined) out.push(p);
    return out;
  }

  function owned(dep: KubeObject): Owned[] {
    return store
      .list('replicasets', dep.metadata.namespace)
      .filter((rs) => rs.metadata.ownerReferences?.some((o) => o.uid === dep.metadata.uid))
      .map((rs) => ({ rs, revision: Number(rs.metadata.annotations?.[REVISION] ?? 0) }))
      .sort((a, b) => a.revision - b.revision);
  }

  function rsReplicas(rs: KubeObject): number {
    return Number((rs.spec as { replicas?: number }).replicas ?? 0);
  }

  function scaleRs(dep: KubeObject, rs: KubeObject, to: number): KubeObject {
    const from = rsReplicas(rs);
    if (from === to) return rs;
    const next = store.update('replicasets', {
      ...rs,
      metadata: {
        ...rs.metadata,
        generation: (rs.metadata.generation ?? 1) + 1,
        annotations: { ...rs.metadata.annotations, 'deployment.kubernetes.io/desired-replicas': String((dep.spec as { replicas?: number }).replicas ?? 1) },
      },
      spec: { ...(rs.spec as object), replicas: to },
    });
    event(dep, 'Normal', 'ScalingReplicaSet', `Scaled ${to > from ? 'up' : 'down'} replica set ${rs.metadata.name} from ${from} to ${to}`, 'deployment-controller');
    return next;
  }

  function available(rs: KubeObject): number {
    return podsOf(rs.metadata.name).filter((p) => p.ready).length;
  }

  function rollingParams(replicas: number) {
    const surge = Math.ceil(replicas * 0.25);
    let unavailable = Math.floor(replicas * 0.25);
    if (surge === 0 && unavailable === 0) unavailable = 1;
    return { surge, unavailable };
  }

  /** The deployment controller: the RS for the current template, rolling update, history limit, status. */
  function reconcileDeploymentObject(depIn: KubeObject) {
    let dep = depIn;
    const spec = dep.spec as { replicas?: number; template: unknown; paused?: boolean; revisionHistoryLimit?: number };
    const replicas = spec.replicas ?? 1;
    const hash = templateHash(spec.template);
    let all = owned(dep);
    const maxRevision = all.reduce((m, o) => Math.max(m, o.revision), 0);
    let current = all.find((o) => o.rs.metadata.labels?.['pod-template-hash'] === hash);
    if (!current) {
      const onlyNew = all.every((o) => rsReplicas(o.rs) === 0);
      const rs = createReplicaSet(dep, spec.template, maxRevision + 1, 0);
      current = { rs, revision: maxRevision + 1 };
      if (onlyNew) current.rs = scaleRs(dep, rs, replicas);
    } else if (current.revision < maxRevision) {
      // A rollback: the old ReplicaSet becomes the newest revision again, as in Kubernetes.
      const history = [current.rs.metadata.annotations?.[`${REVISION}-history`], String(current.revision)].filter(Boolean).join(',');
      current.rs = store.update('replicasets', {
        ...current.rs,
        metadata: { ...current.rs.metadata, annotations: { ...current.rs.metadata.annotations, [REVISION]: String(maxRevision + 1), [`${REVISION}-history`]: history } },
      });
      current.revision = maxRevision + 1;
    }
    if (dep.metadata.annotations?.[REVISION] !== String(current.revision)) {
      dep = store.update('deployments', { ...dep, metadata: { ...dep.metadata, annotations: { ...dep.metadata.annotations, [REVISION]: String(current.revision) } } });
    }
    all = owned(dep);
    const newRs = all.find((o) => o.rs.metadata.name === current.rs.metadata.name)?.rs ?? current.rs;
    const old = all.filter((o) => o.rs.metadata.name !== newRs.metadata.name).map((o) => o.rs);
    if (!spec.paused) rollingUpdate(dep, newRs, old, replicas);
    pruneHistory(dep, spec.revisionHistoryLimit ?? 10);
    for (const o of owned(dep)) reconcileReplicaSet(o.rs);
    writeDeploymentStatus(dep, hash);
  }

  function rollingUpdate(dep: KubeObject, newRsIn: KubeObject, oldIn: KubeObject[], replicas: number) {
    let newRs = newRsIn;
    const activeOld = oldIn.filter((rs) => rsReplicas(rs) > 0);
    if (activeOld.length === 0) {
      scaleRs(dep, newRs, replicas);
      return;
    }
    const { surge, unavailable } = rollingParams(replicas);
    const total = () => rsReplicas(newRs) + oldIn.reduce((n, rs) => n + rsReplicas(store.get('replicasets', rs.metadata.namespace, rs.metadata.name) ?? rs), 0);
    if (rsReplicas(newRs) < replicas) {
      const up = Math.min(replicas + surge - total(), replicas - rsReplicas(newRs));
      if (up > 0) newRs = scaleRs(dep, newRs, rsReplicas(newRs) + up);
    } else if (rsReplicas(newRs) > replicas) newRs = scaleRs(dep, newRs, replicas);
    const minAvailable = replicas - unavailable;
    const newUnavailable = rsReplicas(newRs) - available(newRs);
    let budget = total() - minAvailable - newUnavailable;
    if (budget <= 0) return;
    const olds = activeOld.map((rs) => store.get('replicasets', rs.metadata.namespace, rs.metadata.name) ?? rs);
    // First remove old pods that are not available anyway, then available ones down to minAvailable.
    for (const rs of olds) {
      const unhealthy = rsReplicas(rs) - available(rs);
      const cut = Math.min(budget, unhealthy);
      if (cut > 0) {
        scaleRs(dep, rs, rsReplicas(rs) - cut);
        budget -= cut;
      }
    }
    const availableAll = [newRs, ...olds].reduce((n, rs) => n + available(rs), 0);
    let down = availableAll - minAvailable;
    for (const rsIn of olds) {
      if (down <= 0) break;
      const rs = store.get('replicasets', rsIn.metadata.namespace, rsIn.metadata.name) ?? rsIn;
      const cut = Math.min(rsReplicas(rs), down);
      if (cut > 0) {
        scaleRs(dep, rs, rsReplicas(rs) - cut);
        down -= cut;
      }
    }
  }

  function pruneHistory(dep: KubeObject, limit: number) {
    const idle = owned(dep).filter((o) => rsReplicas(o.rs) === 0 && podsOf(o.rs.metadata.name).length === 0);
    const current = dep.metadata.annotations?.[REVISION];
    const removable = idle.filter((o) => String(o.revision) !== current);
    for (const o of removable.slice(0, Math.max(0, removable.length - limit))) store.delete('replicasets', o.rs.metadata.namespace, o.rs.metadata.name);
  }

  /** The ReplicaSet controller: as many pods as asked, removing the least useful first. */
  function reconcileReplicaSet(rs: KubeObject) {
    const want = rsReplicas(rs);
    const have = podsOf(rs.metadata.name);
    for (let i = have.length; i < want; i++) createPod(rs, deps.now());
    if (have.length > want) {
      const victims = [...have].sort((a, b) => Number(a.ready) - Number(b.ready) || b.createdAt - a.createdAt).slice(0, have.length - want);
      for (const v of victims) deletePodRuntime(v, true);
    }
    const mine = podsOf(rs.metadata.name);
    const ready = mine.filter((p) => p.ready).length;
    const status = { replicas: mine.length, fullyLabeledReplicas: mine.length, readyReplicas: ready, availableReplicas: ready, observedGeneration: rs.metadata.generation ?? 1 };
    const fresh = store.get('replicasets', rs.metadata.namespace, rs.metadata.name);
    const old = (fresh?.status ?? {}) as Record<string, unknown>;
    const changed = (Object.keys(status) as Array<keyof typeof status>).some((k) => old[k] !== status[k]);
    if (fresh && changed) store.update('replicasets', { ...fresh, status });
  }

  function writeDeploymentStatus(depIn: KubeObject, hash: string) {
    const dep = store.get('deployments', depIn.metadata.namespace, depIn.metadata.name) ?? depIn;
    const replicasWanted = (dep.spec as { replicas?: number }).replicas ?? 1;
    const all = owned(dep);
    const podsAll = all.flatMap((o) => podsOf(o.rs.metadata.name));
    const updated = podsAll.filter((p) => p.hash === hash);
    const ready = podsAll.filter((p) => p.ready).length;
    const newRsName = all.find((o) => o.rs.metadata.labels?.['pod-template-hash'] === hash)?.rs.metadata.name ?? '';
    const complete = updated.length === replicasWanted && podsAll.length === replicasWanted && updated.every((p) => p.ready);
    const { unavailable } = rollingParams(replicasWanted);
    const prev = (dep.status ?? {}) as { conditions?: Array<{ type: string; reason?: string; lastTransitionTime?: string }> };
    const since = (type: string, reason: string) => {
      const c = prev.conditions?.find((x) => x.type === type);
      return c && c.reason === reason && c.lastTransitionTime ? c.lastTransitionTime : nowIso();
    };
    const availableOk = ready >= replicasWanted - unavailable;
    const progressingReason = complete ? 'NewReplicaSetAvailable' : 'ReplicaSetUpdated';
    const status = compact({
      observedGeneration: dep.metadata.generation ?? 1,
      replicas: podsAll.length,
      updatedReplicas: updated.length,
      readyReplicas: ready,
      availableReplicas: ready,
      unavailableReplicas: Math.max(0, podsAll.length - ready),
      conditions: [
        { type: 'Available', status: availableOk ? 'True' : 'False', reason: availableOk ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable', message: availableOk ? 'Deployment has minimum availability.' : 'Deployment does not have minimum availability.', lastUpdateTime: since('Available', availableOk ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable'), lastTransitionTime: since('Available', availableOk ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable') },
        { type: 'Progressing', status: 'True', reason: progressingReason, message: complete ? `ReplicaSet "${newRsName}" has successfully progressed.` : `ReplicaSet "${newRsName}" is progressing.`, lastUpdateTime: since('Progressing', progressingReason), lastTransitionTime: since('Progressing', progressingReason) },
      ],
    });
    if (stableStringify(status) !== stableStringify(dep.status)) store.update('deployments', { ...dep, status });
  }

  const endpointKeys = new Map<string, string>();
  /** Endpoints and an EndpointSlice per Service, from the ready pods its selector matches (what the endpoint controllers keep). */
  function syncEndpoints() {
    const readyBy = new Map<string, PodRuntime[]>();
    for (const p of pods.values()) {
      if (!p.ready || p.terminatingUntil !== undefined) continue;
      const list = readyBy.get(p.service);
      if (list) list.push(p);
      else readyBy.set(p.service, [p]);
    }
    for (const svc of store.list('services')) {
      const selector = (svc.spec as { selector?: Record<string, string> } | undefined)?.selector;
      if (!selector || Object.keys(selector).length === 0) continue;
      const namespace = svc.metadata.namespace ?? 'default';
      const spec = specs.get(svc.metadata.name);
      const ready = (
        spec && namespace === ns && selector.app === spec.name && Object.keys(selector).length === 1
          ? (readyBy.get(spec.name) ?? [])
          : [...pods.values()].filter((p) => p.ready && p.terminatingUntil === undefined && p.namespace === namespace && labelsMatch(store.get('pods', namespace, p.name), selector))
      ).sort((a, b) => a.name.localeCompare(b.name));
      const ports = ((svc.spec as { ports?: Array<{ name?: string; port: number; targetPort?: number | string; protocol?: string }> }).ports ?? []).map((p) => ({
        ...(p.name ? { name: p.name } : {}),
        port: typeof p.targetPort === 'number' ? p.targetPort : p.port,
        protocol: p.protocol ?? 'TCP',
      }));
      const key = `${ready.map((p) => `${p.name}@${p.ip}`).join(',')}|${JSON.stringify(ports)}`;
      const id = `${namespace}/${svc.metadata.name}`;
      if (endpointKeys.get(id) === key && store.get('endpoints', namespace, svc.metadata.name) && store.get('endpointslices', namespace, `${svc.metadata.name}-sim`)) continue;
      endpointKeys.set(id, key);
      writeEndpoints(svc, ready, ports);
    }
  }

  function writeEndpoints(svc: KubeObject, ready: PodRuntime[], ports: Array<{ name?: string; port: number; protocol: string }>) {
    const namespace = svc.metadata.namespace ?? 'default';
    const name = svc.metadata.name;
    const owner = [{ apiVersion: 'v1', kind: 'Service', name, uid: svc.metadata.uid, controller: true, blockOwnerDeletion: true }];
    const subsets = ready.length ? [{ addresses: ready.map((p) => ({ ip: p.ip, nodeName: p.node, targetRef: { kind: 'Pod', namespace, name: p.name, uid: podUid(p) } })), ports }] : [];
    const ep = store.get('endpoints', namespace, name);
    if (!ep) store.create('endpoints', { apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace, labels: { ...svc.metadata.labels } }, subsets });
    else if (stableStringify(subsets) !== stableStringify(ep.subsets)) store.update('endpoints', { ...ep, subsets });
    const sliceName = `${name}-sim`;
    const endpoints = ready.map((p) => ({
      addresses: [p.ip],
      conditions: { ready: true, serving: true, terminating: false },
      nodeName: p.node,
      targetRef: { kind: 'Pod', namespace, name: p.name, uid: podUid(p) },
      zone: `sim-zone-${'abc'[Math.max(0, nodeNames.indexOf(p.node)) % 3]}`,
    }));
    const slice = store.get('endpointslices', namespace, sliceName);
    // The endpointslice controller always names ports ("" when unnamed); kubectl describe dereferences the name.
    const body = { addressType: 'IPv4', endpoints, ports: ports.map((p) => ({ name: '', ...p })) };
    if (!slice) {
      store.create('endpointslices', {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { name: sliceName, namespace, labels: { 'kubernetes.io/service-name': name, 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' }, ownerReferences: owner },
        ...body,
      });
    } else if (stableStringify(body) !== stableStringify({ addressType: slice.addressType, endpoints: slice.endpoints, ports: slice.ports })) store.update('endpointslices', { ...slice, ...body });
  }

  function terminatePod(namespace: string, name: string, graceSeconds: number): KubeObject | undefined {
    const rt = pods.get(name);
    const pod = store.get('pods', namespace, name);
    if (!pod) return undefined;
    if (!rt || rt.namespace !== namespace || graceSeconds <= 0) {
      if (rt && rt.namespace === namespace) deletePodRuntime(rt, true);
      else store.delete('pods', namespace, name);
      const rs = rt ? store.get('replicasets', namespace, rt.rsName) : undefined;
      if (rs) reconcileReplicaSet(rs);
      syncEndpoints();
      return { ...pod, metadata: { ...pod.metadata, deletionTimestamp: nowIso(), deletionGracePeriodSeconds: 0 } };
    }
    if (rt.terminatingUntil !== undefined) return pod;
    rt.terminatingUntil = deps.now() + graceSeconds * 1000;
    rt.ready = false;
    event(pod, 'Normal', 'Killing', `Stopping container ${rt.container}`, 'kubelet');
    const marked = store.update('pods', { ...pod, metadata: { ...pod.metadata, deletionTimestamp: iso(rt.terminatingUntil), deletionGracePeriodSeconds: graceSeconds }, status: podStatus(rt) });
    const rs = store.get('replicasets', namespace, rt.rsName);
    if (rs) reconcileReplicaSet(rs);
    syncEndpoints();
    return marked;
  }

  /** A pod without a ReplicaSet (kubectl run, create -f pod.yaml): the kubelet's part only. */
  function runPod(namespace: string, name: string) {
    const pod = store.get('pods', namespace, name);
    if (!pod || pods.has(name)) return;
    const container = ((pod.spec as { containers?: Array<{ name: string; image: string; env?: Array<{ name: string; value?: string }>; resources?: { limits?: Record<string, string> } }> }).containers ?? [])[0];
    podCounter++;
    ipCounter++;
    const service = pod.metadata.labels?.app ?? pod.metadata.labels?.run ?? name;
    const rt: PodRuntime = {
      name,
      namespace,
      service,
      rsName: '',
      rsUid: '',
      hash: '',
      container: container?.name ?? 'main',
      image: container?.image ?? '',
      env: Object.fromEntries((container?.env ?? []).map((e) => [e.name, e.value ?? ''])),
      node: (pod.spec as { nodeName?: string }).nodeName ?? pickNode(service),
      noiseId: hashInts(seed, podCounter) % 1_000_000,
      ip: `10.8.${Math.floor(ipCounter / 250) % 250}.${(ipCounter % 250) + 2}`,
      createdAt: deps.now(),
      containerStartedAt: deps.now(),
      phase: 'Pending',
      state: 'creating',
      ready: false,
      restartCount: 0,
      consecutiveCrashes: 0,
      cpuLimit: parseQuantity(container?.resources?.limits?.cpu) ?? 0.5,
      memoryBaseBytes: 64 * 2 ** 20,
      memoryBytes: 0,
      memoryLimitBytes: parseQuantity(container?.resources?.limits?.memory) ?? 256 * 2 ** 20,
      counters: { ok: 0, err: 0, cpuSeconds: 0, latencySumSec: 0 },
    };
    pods.set(name, rt);
    store.update('pods', {
      ...pod,
      spec: { restartPolicy: 'Always', dnsPolicy: 'ClusterFirst', schedulerName: 'default-scheduler', serviceAccountName: 'default', terminationGracePeriodSeconds: 30, ...(pod.spec as object), nodeName: rt.node },
      status: podStatus(rt),
    });
    event(pod, 'Normal', 'Scheduled', `Successfully assigned ${namespace}/${name} to ${rt.node}`, 'default-scheduler');
  }

  function reconcile() {
    for (const dep of store.list('deployments')) reconcileDeploymentObject(dep);
    syncEndpoints();
  }

  return {
    pods,
    bootstrap() {
      bootstrap();
      syncEndpoints();
    },
    step() {
      const now = deps.now();
      for (const rt of [...pods.values()]) {
        if (rt.terminatingUntil !== undefined) {
          if (rt.terminatingUntil <= now) deletePodRuntime(rt, false);
        } else if (stepPod(rt, now)) syncPod(rt);
      }
      reconcile();
      expireEvents();
    },
    reconcile,
    reconcileDeployment(namespace, name) {
      const dep = store.get('deployments', namespace, name);
      if (dep) reconcileDeploymentObject(dep);
      syncEndpoints();
    },
    terminatePod,
    runPod,
    syncEndpoints,
    deletePod(namespace, name) {
      const rt = pods.get(name);
      if (!rt || rt.namespace !== namespace) return false;
      deletePodRuntime(rt, true);
      const rs = store.get('replicasets', rt.namespace, rt.rsName);
      if (rs) reconcileReplicaSet(rs);
      return true;
    },
    event,
    nodes: () => [...nodeNames],
    snapshotRuntime: () => ({ pods: [...pods.values()].map((p) => structuredClone(p)), counters: { pod: podCounter, ip: ipCounter } }),
    restoreRuntime(s) {
      pods.clear();
      for (const p of s.pods) pods.set(p.name, structuredClone(p));
      podCounter = s.counters.pod;
      ipCounter = s.counters.ip;
    },
  };
}

const hex32 = (n: number) => (n >>> 0).toString(16).padStart(8, '0').repeat(4);
const uuidOf = (n: number) => {
  const h = hex32(n);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

function labelsMatch(pod: KubeObject | undefined, selector: Record<string, string>): boolean {
  const labels = pod?.metadata.labels ?? {};
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

function containerOf(pod: KubeObject): string {
  const containers = (pod.spec as { containers?: Array<{ name: string }> } | undefined)?.containers;
  return containers?.[0]?.name ?? 'server';
}

/** Drops nulls and empty objects, the zero values Go clients send (`creationTimestamp: null`). */
function withoutEmpty(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutEmpty);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const w = withoutEmpty(v);
    if (w === null || w === undefined || (typeof w === 'object' && !Array.isArray(w) && Object.keys(w).length === 0)) continue;
    out[k] = w;
  }
  return out;
}

/** Drops undefined fields so status comparisons are stable. */
function compact<T>(value: T): T {
  return JSON.parse(JSON.stringify(value ?? null)) as T;
}

/** JSON with sorted keys: equal content, equal text (template hashes, change detection). */
export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
}
