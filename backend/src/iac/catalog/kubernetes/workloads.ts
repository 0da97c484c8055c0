import { isObject, type Value } from '../../model.js';
import { asList, asStrings, isFalse, isTrue } from '../../engine/checks.js';
import type { ResourceView } from '../../engine/view.js';
import { deployment, goodContainer, goodPod, k8, k8sDocs } from '../dsl.js';
import { perContainer, podField, podMetaOf, podSpecOf, sub, WORKLOADS } from './helpers.js';

const W = WORKLOADS;
const BATCH = ['Job', 'CronJob'];
const PSS = (n: string) => [`CIS-K8S-1.8:${n}`, 'SOC2:CC6.8'];
const caps = (c: Record<string, Value>, key: 'add' | 'drop') => asStrings(sub(c, `securityContext.capabilities.${key}`)).map((x) => x.toUpperCase().replace(/^CAP_/, ''));
const podSec = (r: ResourceView, field: string) => {
  const base = podSpecOf(r);
  return base ? r.get(`${base}.securityContext.${field}`) : undefined;
};
const containerOrPod = (c: Record<string, Value>, r: ResourceView, field: string) => sub(c, `securityContext.${field}`) ?? podSec(r, field);
const fail = (c: Record<string, unknown>) => deployment(goodPod({}, c));

/** Anti-affinity only spreads replicas when one of its terms selects the pod's own labels. */
function antiAffinityEffective(r: ResourceView): boolean {
  const anti = r.get('spec.template.spec.affinity.podAntiAffinity');
  if (!isObject(anti)) return false;
  const labels = r.get('spec.template.metadata.labels');
  const terms = [
    ...asList(anti.requiredDuringSchedulingIgnoredDuringExecution),
    ...asList(anti.preferredDuringSchedulingIgnoredDuringExecution).map((t) => sub(t, 'podAffinityTerm') ?? null),
  ];
  return terms.some((t) => {
    const match = sub(t, 'labelSelector.matchLabels');
    if (!isObject(match ?? null)) return sub(t, 'labelSelector.matchExpressions') !== undefined;
    return isObject(labels) && Object.entries(match as Record<string, Value>).every(([k, v]) => labels[k] === v);
  });
}
const passD = deployment(goodPod());


/** Volume sources that live and die with the pod or belong to it alone. */
const POD_PRIVATE_VOLUMES = ['emptyDir', 'configMap', 'secret', 'projected', 'downwardAPI', 'persistentVolumeClaim', 'ephemeral'];
export const workloadRules = [
  k8('k8s-container-no-liveness-probe', {
    title: 'Container without liveness probe', desc: 'Without a liveness probe a hung process is never restarted.',
    sev: 'medium', cat: 'reliability', kinds: ['*'],
    check: perContainer((c, r) => !BATCH.includes(r.kind) && c.livenessProbe === undefined && 'no liveness probe'),
    fix: 'Add a livenessProbe (httpGet, tcpSocket or exec) to the container.',
    kics: ['liveness_probe_is_not_defined'], refs: { kubeLinter: ['no-liveness-probe'], polaris: ['livenessProbeMissing'] },
    pass: [passD], fail: [fail({ livenessProbe: undefined })],
  }),
  k8('k8s-container-no-readiness-probe', {
    title: 'Container without readiness probe', desc: 'Without a readiness probe traffic reaches pods before they can serve it.',
    sev: 'medium', cat: 'reliability', kinds: ['*'],
    check: perContainer((c, r) => !BATCH.includes(r.kind) && c.readinessProbe === undefined && 'no readiness probe'),
    fix: 'Add a readinessProbe to the container.',
    kics: ['readiness_probe_is_not_configured'], refs: { kubeLinter: ['no-readiness-probe'], polaris: ['readinessProbeMissing'] },
    pass: [passD], fail: [fail({ readinessProbe: undefined })],
  }),
  k8('k8s-container-no-cpu-limit', {
    title: 'Container without CPU limit', desc: 'An unlimited container can starve its neighbours of CPU.',
    sev: 'low', cat: 'performance', kinds: ['*'],
    check: perContainer((c) => sub(c, 'resources.limits.cpu') === undefined && 'no CPU limit', { init: true }),
    fix: 'Set resources.limits.cpu on the container.',
    kics: ['cpu_limits_not_set'], refs: { kubeLinter: ['unset-cpu-requirements'], polaris: ['cpuLimitsMissing'] },
    pass: [passD], fail: [fail({ resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { memory: '1Gi' } } })],
  }),
  k8('k8s-container-no-cpu-request', {
    title: 'Container without CPU request', desc: 'Without a request the scheduler cannot place the pod on a node with room for it.',
    sev: 'low', cat: 'performance', kinds: ['*'],
    check: perContainer((c) => sub(c, 'resources.requests.cpu') === undefined && 'no CPU request', { init: true }),
    fix: 'Set resources.requests.cpu on the container.',
    kics: ['cpu_requests_not_set'], refs: { polaris: ['cpuRequestsMissing'] },
    pass: [passD], fail: [fail({ resources: { requests: { memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } } })],
  }),
  k8('k8s-container-no-memory-limit', {
    title: 'Container without memory limit', desc: 'An unlimited container can exhaust node memory and trigger evictions.',
    sev: 'medium', cat: 'reliability', kinds: ['*'],
    check: perContainer((c) => sub(c, 'resources.limits.memory') === undefined && 'no memory limit', { init: true }),
    fix: 'Set resources.limits.memory on the container.',
    kics: ['memory_limits_not_defined'], refs: { kubeLinter: ['unset-memory-requirements'], polaris: ['memoryLimitsMissing'] },
    pass: [passD], fail: [fail({ resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1' } } })],
  }),
  k8('k8s-container-no-memory-request', {
    title: 'Container without memory request', desc: 'Without a memory request pods are scheduled onto nodes without room and evicted first.',
    sev: 'low', cat: 'reliability', kinds: ['*'],
    check: perContainer((c) => sub(c, 'resources.requests.memory') === undefined && 'no memory request', { init: true }),
    fix: 'Set resources.requests.memory on the container.',
    kics: ['memory_requests_not_defined'], refs: { polaris: ['memoryRequestsMissing'] },
    pass: [passD], fail: [fail({ resources: { requests: { cpu: '1' }, limits: { cpu: '1', memory: '1Gi' } } })],
  }),
  k8('k8s-container-privilege-escalation-allowed', {
    title: 'Container allows privilege escalation', desc: 'setuid binaries can gain more privileges than the process started with.',
    sev: 'high', cat: 'security', kinds: ['*'],
    check: perContainer((c) => !isFalse(sub(c, 'securityContext.allowPrivilegeEscalation')) && 'allowPrivilegeEscalation is not false', { init: true, at: 'securityContext.allowPrivilegeEscalation', fix: false }),
    fix: 'Set securityContext.allowPrivilegeEscalation: false.',
    kics: ['privilege_escalation_allowed'], refs: { kubeLinter: ['privilege-escalation-container'], polaris: ['privilegeEscalationAllowed'] }, compliance: PSS('5.2.5'),
    pass: [passD], fail: [fail({ securityContext: { allowPrivilegeEscalation: true } })],
  }),
  k8('k8s-container-low-uid', {
    title: 'Container runs with a low UID', desc: 'UIDs below 10000 may collide with host users when isolation fails.',
    sev: 'medium', cat: 'security', kinds: ['*'],
    check: perContainer((c, r) => {
      const uid = containerOrPod(c, r, 'runAsUser');
      return (uid === undefined || (typeof uid === 'number' && uid < 10000)) && 'runAsUser is unset or below 10000';
    }, { init: true, at: 'securityContext.runAsUser' }),
    fix: 'Set securityContext.runAsUser to 10000 or more.',
    kics: ['containers_run_with_low_uid'],
    pass: [passD], fail: [fail({ securityContext: { runAsUser: 1000, allowPrivilegeEscalation: false } })],
  }),
  k8('k8s-container-unmasked-proc', {
    title: 'Container uses an unmasked /proc', desc: 'procMount: Unmasked exposes kernel interfaces normally hidden from containers.',
    sev: 'high', cat: 'security', kinds: ['*'],
    check: (r, ctx) =>
      r.kind === 'PodSecurityPolicy'
        ? asStrings(r.get('spec.allowedProcMountTypes')).includes('Unmasked') ? [{ path: 'spec.allowedProcMountTypes', message: 'the policy admits Unmasked /proc' }] : []
        : perContainer((c) => sub(c, 'securityContext.procMount') === 'Unmasked' && 'procMount is Unmasked', { init: true, at: 'securityContext.procMount' })(r, ctx),
    fix: 'Remove securityContext.procMount or set it to Default.',
    kics: ['container_runs_unmasked'], compliance: PSS('5.2.1'),
    pass: [passD], fail: [fail({ securityContext: { procMount: 'Unmasked' } })],
  }),
  k8('k8s-container-capabilities-added', {
    title: 'Container adds Linux capabilities', desc: 'Added capabilities widen what a compromised process can do.',
    sev: 'medium', cat: 'security', kinds: ['*'],
    check: perContainer((c) => {
      const extra = caps(c, 'add').filter((x) => x !== 'NET_BIND_SERVICE');
      return extra.length > 0 && `adds capabilities ${extra.join(', ')}`;
    }, { init: true, at: 'securityContext.capabilities.add' }),
    fix: 'Remove securityContext.capabilities.add (only NET_BIND_SERVICE is allowed by the restricted Pod Security Standard), or justify each capability with a suppression.',
    kics: ['containers_with_added_capabilities'], compliance: PSS('5.2.8'),
    pass: [passD, fail({ securityContext: { capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } } })], fail: [fail({ securityContext: { capabilities: { add: ['NET_ADMIN'] } } })],
  }),
  k8('k8s-container-sys-admin-capability', {
    title: 'Container has CAP_SYS_ADMIN', desc: 'SYS_ADMIN is close to root on the node.',
    sev: 'critical', cat: 'security', kinds: ['*'],
    check: perContainer((c) => caps(c, 'add').includes('SYS_ADMIN') && 'adds SYS_ADMIN', { init: true, at: 'securityContext.capabilities.add' }),
    fix: 'Remove SYS_ADMIN from securityContext.capabilities.add.',
    kics: ['containers_with_sys_admin_capabilities'], compliance: PSS('5.2.8'),
    pass: [passD], fail: [fail({ securityContext: { capabilities: { add: ['SYS_ADMIN'] } } })],
  }),
  k8('k8s-container-net-raw-not-dropped', {
    title: 'Container does not drop NET_RAW', desc: 'NET_RAW allows packet spoofing and ARP attacks inside the cluster network.',
    sev: 'medium', cat: 'security', kinds: ['*'],
    check: perContainer((c) => !caps(c, 'drop').some((x) => x === 'ALL' || x === 'NET_RAW') && 'NET_RAW (or ALL) is not dropped', { init: true }),
    fix: 'Add ALL (or NET_RAW) to securityContext.capabilities.drop.',
    kics: ['net_raw_capabilities_not_being_dropped'], compliance: PSS('5.2.7'),
    pass: [passD], fail: [fail({ securityContext: { capabilities: { drop: ['CHOWN'] } } })],
  }),
  k8('k8s-pod-docker-socket-mounted', {
    title: 'Docker socket mounted into a pod', desc: 'Access to the container runtime socket is root on the node.',
    sev: 'critical', cat: 'security', kinds: ['*'],
    check: (r) => {
      const base = podSpecOf(r);
      return base ? r.each(`${base}.volumes`).filter((x) => /docker\.sock|containerd\.sock|crio\.sock/.test(String(sub(x.value, 'hostPath.path') ?? ''))).map((x) => ({ path: `${x.path}.hostPath.path`, message: 'the runtime socket is mounted through hostPath' })) : [];
    },
    fix: 'Remove the hostPath volume for the runtime socket.',
    kics: ['docker_daemon_socket_is_exposed_to_containers'], refs: { kubeLinter: ['docker-sock'], polaris: ['hostPathSet'] },
    pass: [passD], fail: [deployment(goodPod({ volumes: [{ name: 'sock', hostPath: { path: '/var/run/docker.sock' } }] }))],
  }),
  k8('k8s-container-image-pull-policy-not-always', {
    title: 'Image pull policy is not Always', desc: 'With IfNotPresent a node may run a stale or tampered cached image for a mutable tag.',
    sev: 'low', cat: 'security', kinds: ['*'],
    check: perContainer((c) => c.imagePullPolicy !== 'Always' && !(typeof c.image === 'string' && c.image.includes('@sha256:')) && `imagePullPolicy is ${String(c.imagePullPolicy ?? 'unset')}`, { at: 'imagePullPolicy', fix: 'Always' }),
    fix: 'Set imagePullPolicy: Always, or pin the image by digest.',
    kics: ['image_pull_policy_of_container_is_not_always'],
    pass: [passD, deployment(goodPod({}, { imagePullPolicy: 'IfNotPresent' }))], fail: [fail({ imagePullPolicy: 'IfNotPresent', image: 'nginx:1.25' })],
  }),
  k8('k8s-container-image-without-digest', {
    title: 'Image not pinned by digest', desc: 'A tag can be moved to a different image; a digest cannot.',
    sev: 'low', cat: 'security', kinds: ['*'],
    check: perContainer((c) => typeof c.image === 'string' && !c.image.includes('@') && 'image is not pinned by digest', { init: true, at: 'image' }),
    fix: 'Reference the image as name@sha256:<digest>.',
    kics: ['image_without_digest'],
    pass: [passD], fail: [fail({ image: 'nginx:1.25' })],
  }),
  k8('k8s-container-image-latest-tag', {
    title: 'Image uses the latest tag or no tag', desc: 'latest changes under you; rollbacks and audits need a fixed version.',
    sev: 'medium', cat: 'reliability', kinds: ['*'],
    check: perContainer((c) => {
      if (typeof c.image !== 'string' || c.image.includes('@')) return false;
      const last = c.image.split('/').pop() ?? '';
      return (!last.includes(':') || last.endsWith(':latest')) && `image ${c.image} has no fixed tag`;
    }, { init: true, at: 'image' }),
    fix: 'Use an explicit version tag or a digest.',
    kics: ['invalid_image'], refs: { kubeLinter: ['latest-tag'], polaris: ['tagNotSpecified'] },
    pass: [passD], fail: [fail({ image: 'nginx:latest' }), fail({ image: 'nginx' })],
  }),
  k8('k8s-pod-host-ipc', {
    title: 'Pod shares the host IPC namespace', desc: 'hostIPC lets the pod read shared memory of host processes.',
    sev: 'high', cat: 'security', kinds: ['*'],
    check: podField('hostIPC', isTrue, 'hostIPC is true', false), fix: 'Remove hostIPC or set it to false.',
    kics: ['shared_host_ipc_namespace'], refs: { kubeLinter: ['host-ipc'], polaris: ['hostIPCSet'] }, compliance: PSS('5.2.3'),
    pass: [passD], fail: [deployment(goodPod({ hostIPC: true }))],
  }),
  k8('k8s-pod-host-pid', {
    title: 'Pod shares the host PID namespace', desc: 'hostPID lets the pod see and signal every process on the node.',
    sev: 'high', cat: 'security', kinds: ['*'],
    check: podField('hostPID', isTrue, 'hostPID is true', false), fix: 'Remove hostPID or set it to false.',
    kics: ['shared_host_pid_namespace'], refs: { kubeLinter: ['host-pid'], polaris: ['hostPIDSet'] }, compliance: PSS('5.2.2'),
    pass: [passD], fail: [deployment(goodPod({ hostPID: true }))],
  }),
  k8('k8s-pod-host-network', {
    title: 'Pod uses the host network', desc: 'hostNetwork bypasses network policies and exposes node interfaces.',
    sev: 'high', cat: 'security', kinds: ['*'],
    check: podField('hostNetwork', isTrue, 'hostNetwork is true', false), fix: 'Remove hostNetwork or set it to false.',
    refs: { kubeLinter: ['host-network'], polaris: ['hostNetworkSet'] }, compliance: PSS('5.2.4'),
    pass: [passD], fail: [deployment(goodPod({ hostNetwork: true }))],
  }),
  k8('k8s-container-seccomp-unconfined', {
    title: 'Container without a seccomp profile', desc: 'Without RuntimeDefault seccomp every syscall is allowed.',
    sev: 'medium', cat: 'security', kinds: ['*'],
    check: perContainer((c, r) => {
      const ann = r.get(`${podMetaOf(r)}.annotations`);
      const annSet = isObject(ann) && Object.keys(ann).some((k) => k.startsWith('seccomp.security.alpha.kubernetes.io/') || k.startsWith('container.seccomp.security.alpha.kubernetes.io/'));
      const t = containerOrPod(c, r, 'seccompProfile.type') ?? sub(containerOrPod(c, r, 'seccompProfile') ?? null, 'type');
      const type = t ?? (isObject(sub(c, 'securityContext') ?? null) ? sub(c, 'securityContext.seccompProfile.type') : undefined);
      if (annSet) return false;
      return (type === undefined || type === 'Unconfined') && 'no RuntimeDefault or Localhost seccomp profile';
    }),
    fix: 'Set securityContext.seccompProfile.type: RuntimeDefault on the pod or container.',
    kics: ['seccomp_profile_is_not_configured'], compliance: PSS('5.7.2'),
    pass: [passD], fail: [deployment({ ...goodPod(), securityContext: { runAsNonRoot: true }, containers: [goodContainer({ securityContext: { runAsUser: 10001, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } } })] })],
  }),
  k8('k8s-container-no-apparmor', {
    title: 'Container without an AppArmor profile', desc: 'AppArmor confines what files and capabilities a container process may use.',
    sev: 'low', cat: 'security', kinds: ['*'],
    check: perContainer((c, r) => {
      const ann = r.get(`${podMetaOf(r)}.annotations`);
      const key = `container.apparmor.security.beta.kubernetes.io/${String(c.name ?? '')}`;
      const set = (isObject(ann) && ann[key] !== undefined) || containerOrPod(c, r, 'appArmorProfile') !== undefined;
      return !set && 'no AppArmor profile';
    }),
    fix: 'Annotate the pod with container.apparmor.security.beta.kubernetes.io/<container>: runtime/default (or set securityContext.appArmorProfile).',
    kics: ['missing_app_armor_config'], compliance: PSS('5.7.2'),
    pass: [deployment(goodPod({}, { securityContext: { ...(goodContainer().securityContext as object), appArmorProfile: { type: 'RuntimeDefault' } } }))], fail: [passD],
  }),
  k8('k8s-container-root-filesystem-writable', {
    title: 'Container root filesystem is writable', desc: 'A read-only root filesystem stops attackers from dropping tools into the image.',
    sev: 'low', cat: 'security', kinds: ['*'],
    check: perContainer((c) => !isTrue(sub(c, 'securityContext.readOnlyRootFilesystem')) && 'readOnlyRootFilesystem is not true', { init: true, at: 'securityContext.readOnlyRootFilesystem', fix: true }),
    fix: 'Set securityContext.readOnlyRootFilesystem: true and mount writable emptyDir volumes where needed.',
    kics: ['root_container_not_mounted_as_read_only'], refs: { kubeLinter: ['no-read-only-root-fs'], polaris: ['notReadOnlyRootFilesystem'] },
    pass: [passD], fail: [fail({ securityContext: { readOnlyRootFilesystem: false } })],
  }),
  k8('k8s-container-secrets-in-env', {
    title: 'Secrets passed as environment variables', desc: 'Environment variables leak into logs, crash dumps and child processes.',
    sev: 'low', cat: 'security', kinds: ['*'],
    check: perContainer((c) => {
      const env = asList(c.env).some((e) => sub(e, 'valueFrom.secretKeyRef') !== undefined);
      const envFrom = asList(c.envFrom).some((e) => sub(e, 'secretRef') !== undefined);
      return (env || envFrom) && 'reads a Secret through env/envFrom';
    }, { init: true }),
    fix: 'Mount the Secret as a volume instead of exposing it as environment variables.',
    kics: ['secrets_as_environment_variables'], compliance: ['CIS-K8S-1.8:5.4.1'],
    pass: [passD], fail: [fail({ env: [{ name: 'PW', valueFrom: { secretKeyRef: { name: 's', key: 'pw' } } }] })],
  }),
  k8('k8s-pod-sensitive-host-path', {
    title: 'Pod mounts a sensitive host directory', desc: 'Mounting /, /etc, /proc, /var (kubelet, runtime and other pods\' data) and similar host paths exposes the node.',
    sev: 'high', cat: 'security', kinds: ['*'],
    check: (r) => {
      const base = podSpecOf(r);
      const sensitive = /^\/(etc|proc|sys|root|boot|dev|var(?:\/lib|\/run|\/log)?|usr|bin|lib|sbin|home)?(\/.*)?$/;
      return base ? r.each(`${base}.volumes`).filter((x) => {
        const p = sub(x.value, 'hostPath.path');
        return typeof p === 'string' && sensitive.test(p) && !/\.sock$/.test(p);
      }).map((x) => ({ path: `${x.path}.hostPath.path`, message: `hostPath ${String(sub(x.value, 'hostPath.path'))} is mounted` })) : [];
    },
    fix: 'Replace the hostPath volume with a ConfigMap, Secret, emptyDir or a PersistentVolumeClaim.',
    kics: ['workload_mounting_with_sensitive_os_directory'], refs: { kubeLinter: ['sensitive-host-mounts'] },
    pass: [passD], fail: [deployment(goodPod({ volumes: [{ name: 'etc', hostPath: { path: '/etc' } }] }))],
  }),
  k8('k8s-container-host-path-writable', {
    title: 'Host directory mounted writable', desc: 'A writable hostPath mount lets a container modify the node.',
    sev: 'high', cat: 'security', kinds: ['*'],
    check: (r) => {
      const base = podSpecOf(r);
      if (!base) return [];
      const hostVols = new Set(asList(r.get(`${base}.volumes`)).filter((v) => sub(v, 'hostPath') !== undefined).map((v) => String(sub(v, 'name'))));
      return r.each(`${base}.containers`).flatMap((c) => asList(sub(c.value, 'volumeMounts')).map((m, i) => ({ m, path: `${c.path}.volumeMounts.${i}` })))
        .filter(({ m }) => hostVols.has(String(sub(m, 'name'))) && !isTrue(sub(m, 'readOnly')))
        .map(({ path }) => ({ path, message: 'a hostPath volume is mounted without readOnly: true' }));
    },
    fix: 'Set readOnly: true on volumeMounts of hostPath volumes.',
    pass: [deployment(goodPod({ volumes: [{ name: 'h', hostPath: { path: '/data' } }] }, { volumeMounts: [{ name: 'h', mountPath: '/d', readOnly: true }] }))],
    fail: [deployment(goodPod({ volumes: [{ name: 'h', hostPath: { path: '/data' } }] }, { volumeMounts: [{ name: 'h', mountPath: '/d' }] }))],
  }),
  k8('k8s-container-os-directory-mount-writable', {
    title: 'Volume mounted writable over an OS directory', desc: 'A writable volume mounted at /bin, /etc, /var/run and similar replaces system files in the container and is a common persistence trick.',
    sev: 'high', cat: 'security', kinds: ['*'],
    check: (r) => {
      const base = podSpecOf(r);
      if (!base) return [];
      const os = /^\/(bin|sbin|boot|dev|etc|lib|lib64|proc|sys|usr|var\/run|var\/lib|root)(\/|$)/;
      // Pod-private volumes (emptyDir, configMap, a claim…) only shadow the container's own files; node-level ones reach the host.
      const podPrivate = new Set(asList(r.get(`${base}.volumes`)).filter((v) => POD_PRIVATE_VOLUMES.some((k) => sub(v, k) !== undefined)).map((v) => String(sub(v, 'name'))));
      return [...r.each(`${base}.containers`), ...r.each(`${base}.initContainers`)]
        .flatMap((c) => asList(sub(c.value, 'volumeMounts')).map((m, i) => ({ m, path: `${c.path}.volumeMounts.${i}` })))
        .filter(({ m }) => typeof sub(m, 'mountPath') === 'string' && os.test(String(sub(m, 'mountPath'))) && !isTrue(sub(m, 'readOnly')) && !podPrivate.has(String(sub(m, 'name'))))
        .map(({ m, path }) => ({ path, message: `${String(sub(m, 'mountPath'))} is mounted writable`, fix: { path: `${path}.readOnly`, value: true } }));
    },
    fix: 'Mount volumes elsewhere, or set readOnly: true on mounts over OS directories.',
    kics: ['volume_mount_with_os_directory_write_permissions'],
    pass: [deployment(goodPod({ volumes: [{ name: 'v', emptyDir: {} }] }, { volumeMounts: [{ name: 'v', mountPath: '/etc/app' }] }))],
    fail: [deployment(goodPod({ volumes: [{ name: 'v', hostPath: { path: '/srv/app' } }] }, { volumeMounts: [{ name: 'v', mountPath: '/etc/app' }] }))],
  }),
  k8('k8s-container-host-port', {
    title: 'Container binds a host port', desc: 'hostPort ties the pod to a node port and limits scheduling.',
    sev: 'low', cat: 'reliability', kinds: ['*'],
    check: perContainer((c) => asList(c.ports).some((p) => sub(p, 'hostPort') !== undefined) && 'uses hostPort', { at: 'ports' }),
    fix: 'Remove hostPort and expose the port through a Service.',
    kics: ['workload_host_port_not_specified'], refs: { polaris: ['hostPortSet'] },
    pass: [passD], fail: [fail({ ports: [{ containerPort: 80, hostPort: 80 }] })],
  }),
  k8('k8s-container-privileged', {
    title: 'Privileged container', desc: 'A privileged container has every capability and device of the node.',
    sev: 'critical', cat: 'security', kinds: ['*'],
    check: perContainer((c) => isTrue(sub(c, 'securityContext.privileged')) && 'privileged is true', { init: true, at: 'securityContext.privileged', fix: false }),
    fix: 'Set securityContext.privileged: false.',
    refs: { kubeLinter: ['privileged-container'], polaris: ['privilegeEscalationAllowed'] }, compliance: PSS('5.2.1'),
    pass: [passD], fail: [fail({ securityContext: { privileged: true } })],
  }),
  k8('k8s-container-runs-as-root', {
    title: 'Container may run as root', desc: 'Without runAsNonRoot the image decides, and most images run as root.',
    sev: 'medium', cat: 'security', kinds: ['*'],
    check: perContainer((c, r) => !isTrue(containerOrPod(c, r, 'runAsNonRoot')) && containerOrPod(c, r, 'runAsUser') === undefined && 'runAsNonRoot is not set', { init: true }),
    fix: 'Set securityContext.runAsNonRoot: true (and a non-zero runAsUser).',
    refs: { kubeLinter: ['run-as-non-root'], polaris: ['runAsRootAllowed'] }, compliance: PSS('5.2.6'),
    pass: [passD], fail: [deployment({ containers: [{ name: 'a', image: 'a:1' }] })],
  }),
  k8('k8s-pod-service-account-token-automounted', {
    title: 'Service account token mounted automatically', desc: 'Pods that do not call the API should not carry a token for it.',
    sev: 'low', cat: 'security', kinds: ['*'],
    check: podField('automountServiceAccountToken', (v) => !isFalse(v), 'automountServiceAccountToken is not false', false),
    fix: 'Set automountServiceAccountToken: false unless the pod calls the Kubernetes API.',
    compliance: ['CIS-K8S-1.8:5.1.6'],
    pass: [passD], fail: [deployment({ ...goodPod(), automountServiceAccountToken: true })],
  }),
  k8('k8s-cronjob-no-starting-deadline', {
    title: 'CronJob without startingDeadlineSeconds', desc: 'Missed runs pile up after downtime when no deadline is set.',
    sev: 'low', cat: 'reliability', kinds: ['CronJob'],
    check: (r) => (r.get('spec.startingDeadlineSeconds') === undefined ? [{ path: 'spec', message: 'startingDeadlineSeconds is not set' }] : []),
    fix: 'Set spec.startingDeadlineSeconds.',
    kics: ['cronjob_deadline_not_configured'],
    pass: [k8sDocs({ apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'c' }, spec: { schedule: '* * * * *', startingDeadlineSeconds: 60, jobTemplate: { spec: { template: { spec: goodPod() } } } } })],
    fail: [k8sDocs({ apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'c' }, spec: { schedule: '* * * * *', jobTemplate: { spec: { template: { spec: goodPod() } } } } })],
  }),
  k8('k8s-statefulset-no-service-name', {
    title: 'StatefulSet without serviceName', desc: 'A StatefulSet needs a governing headless Service for stable network identities.',
    sev: 'low', cat: 'reliability', kinds: ['StatefulSet'],
    check: (r, ctx) => {
      const name = r.get('spec.serviceName');
      if (name === undefined) return [{ path: 'spec', message: 'spec.serviceName is not set' }];
      const svc = ctx.resources.find((x) => x.kind === 'Service' && sub(x.attrs, 'metadata.name') === name);
      // Only judged when the governing Service is defined alongside: it must be headless.
      return svc && sub(svc.attrs, 'spec.clusterIP') !== 'None' ? [{ path: 'spec.serviceName', message: `Service ${String(name)} is not headless (clusterIP: None)` }] : [];
    },
    fix: 'Set spec.serviceName to a headless Service (clusterIP: None) selecting the pods.',
    kics: ['statefulset_without_service_name'],
    pass: [k8sDocs({ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db' }, spec: { serviceName: 'db', selector: { matchLabels: { app: 'db' } }, template: { metadata: { labels: { app: 'db' } }, spec: goodPod() } } })],
    fail: [k8sDocs({ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db' }, spec: { selector: { matchLabels: { app: 'db' } }, template: { metadata: { labels: { app: 'db' } }, spec: goodPod() } } })],
  }),
  k8('k8s-statefulset-volume-claim-rwo-missing', {
    title: 'StatefulSet volume claim without ReadWriteOnce', desc: 'Each replica of a StatefulSet should own its volume exclusively.',
    sev: 'low', cat: 'reliability', kinds: ['StatefulSet'],
    check: (r) => r.each('spec.volumeClaimTemplates').filter((x) => !asStrings(sub(x.value, 'spec.accessModes')).includes('ReadWriteOnce')).map((x) => ({ path: `${x.path}.spec.accessModes`, message: 'volume claim template does not use ReadWriteOnce' })),
    fix: 'Use accessModes: [ReadWriteOnce] in volumeClaimTemplates.',
    kics: ['incorrect_volume_claim_access_mode_read_write_once'],
    pass: [k8sDocs({ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db' }, spec: { serviceName: 'db', template: { spec: goodPod() }, volumeClaimTemplates: [{ metadata: { name: 'd' }, spec: { accessModes: ['ReadWriteOnce'] } }] } })],
    fail: [k8sDocs({ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db' }, spec: { serviceName: 'db', template: { spec: goodPod() }, volumeClaimTemplates: [{ metadata: { name: 'd' }, spec: { accessModes: ['ReadWriteMany'] } }] } })],
  }),
  k8('k8s-workload-default-namespace', {
    title: 'Object in the default or a system namespace', desc: 'Workloads belong in their own namespace for RBAC, quotas and policies.',
    sev: 'low', cat: 'security', kinds: [...W, 'Service', 'ConfigMap', 'Secret', 'Role', 'RoleBinding', 'ServiceAccount', 'Ingress'],
    check: (r) => {
      const ns = r.get('metadata.namespace');
      return ns === undefined || ns === 'default' || ns === 'kube-system' || ns === 'kube-public' ? [{ path: ns === undefined ? 'metadata' : 'metadata.namespace', message: `namespace is ${String(ns ?? 'unset (default)')}` }] : [];
    },
    fix: 'Set metadata.namespace to an application namespace.',
    kics: ['using_unrecommended_namespace'], compliance: ['CIS-K8S-1.8:5.7.4'],
    pass: [passD], fail: [deployment(goodPod(), { namespace: 'default' })],
  }),
  k8('k8s-tiller-deployed', {
    title: 'Helm Tiller is deployed', desc: 'Tiller (Helm 2) runs with cluster-admin rights and an unauthenticated gRPC port.',
    sev: 'high', cat: 'security', kinds: ['*'],
    check: perContainer((c) => typeof c.image === 'string' && /tiller/i.test(c.image) && 'runs the Tiller image', { at: 'image' }),
    fix: 'Remove Tiller and upgrade to Helm 3.',
    kics: ['tiller_is_deployed'],
    pass: [passD], fail: [fail({ image: 'gcr.io/kubernetes-helm/tiller:v2.16.0' })],
  }),
  k8('k8s-dashboard-deployed', {
    title: 'Kubernetes dashboard is deployed', desc: 'The dashboard is a frequent target when exposed with broad rights.',
    sev: 'low', cat: 'security', kinds: ['*'],
    check: perContainer((c) => typeof c.image === 'string' && /kubernetes-dashboard|kubernetesui/i.test(c.image) && 'runs the Kubernetes dashboard', { at: 'image', init: true }),
    fix: 'Remove the dashboard or restrict its service account and network exposure.',
    kics: ['dashboard_is_enabled'],
    pass: [passD], fail: [fail({ image: 'kubernetesui/dashboard:v2.7.0' })],
  }),
  k8('k8s-deployment-no-anti-affinity', {
    title: 'Replicated Deployment without pod anti-affinity', desc: 'All replicas may land on one node and fail together.',
    sev: 'low', cat: 'reliability', kinds: ['Deployment'],
    check: (r) => {
      const replicas = r.get('spec.replicas');
      if (typeof replicas !== 'number' || replicas < 2) return [];
      if (r.get('spec.template.spec.topologySpreadConstraints') !== undefined) return [];
      return antiAffinityEffective(r) ? [] : [{ path: 'spec.template.spec', message: 'no pod anti-affinity (or one whose selector matches the pod labels) across nodes' }];
    },
    fix: 'Add podAntiAffinity (preferred, topologyKey kubernetes.io/hostname) or topologySpreadConstraints.',
    kics: ['deployment_has_no_pod_anti_affinity'], refs: { kubeLinter: ['no-anti-affinity'] },
    pass: [deployment({ ...goodPod(), affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'web' } } } }] } } })],
    fail: [passD],
  }),
  k8('k8s-statefulset-no-anti-affinity', {
    title: 'Replicated StatefulSet without pod anti-affinity', desc: 'Stateful replicas on one node lose quorum together.',
    sev: 'low', cat: 'reliability', kinds: ['StatefulSet'],
    check: (r) => {
      const replicas = r.get('spec.replicas');
      if (typeof replicas !== 'number' || replicas < 2) return [];
      if (r.get('spec.template.spec.topologySpreadConstraints') !== undefined) return [];
      return antiAffinityEffective(r) ? [] : [{ path: 'spec.template.spec', message: 'no pod anti-affinity (or one whose selector matches the pod labels) across nodes' }];
    },
    fix: 'Add podAntiAffinity with topologyKey kubernetes.io/hostname.',
    kics: ['statefulset_has_no_pod_anti_affinity'],
    pass: [k8sDocs({ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db' }, spec: { replicas: 3, serviceName: 'db', template: { spec: { ...goodPod(), topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule' }] } } } })],
    fail: [k8sDocs({ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db' }, spec: { replicas: 3, serviceName: 'db', template: { spec: goodPod() } } })],
  }),
  k8('k8s-metadata-label-invalid', {
    title: 'Label value is not a valid Kubernetes label', desc: 'Invalid label values are rejected by the API server.',
    sev: 'info', cat: 'reliability', kinds: ['*'],
    check: (r) => {
      const labels = r.get('metadata.labels');
      if (!isObject(labels)) return [];
      return Object.entries(labels).filter(([, v]) => typeof v === 'string' && !/^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(v)).map(([k]) => ({ path: `metadata.labels.${k}`, message: `label ${k} has an invalid value` }));
    },
    fix: 'Use at most 63 alphanumeric characters, -, _ or ., starting and ending alphanumeric.',
    kics: ['metadata_label_is_invalid'],
    pass: [passD], fail: [deployment(goodPod(), { labels: { app: '-bad value-' } })],
  }),
  k8('k8s-object-deprecated-api', {
    title: 'Object uses a removed or deprecated API version', desc: 'Removed API versions fail to apply on current clusters.',
    sev: 'medium', cat: 'reliability', kinds: ['*'],
    check: (r) => {
      const v = `${String(r.get('apiVersion'))}/${r.kind}`;
      const deprecated = /^(extensions\/v1beta1\/.*|apps\/v1beta[12]\/.*|policy\/v1beta1\/(PodSecurityPolicy|PodDisruptionBudget)|batch\/v1beta1\/CronJob|networking\.k8s\.io\/v1beta1\/.*|rbac\.authorization\.k8s\.io\/v1(alpha1|beta1)\/.*|autoscaling\/v2beta[12]\/.*|storage\.k8s\.io\/v1beta1\/.*|admissionregistration\.k8s\.io\/v1beta1\/.*|apiextensions\.k8s\.io\/v1beta1\/.*)$/;
      return deprecated.test(v) ? [{ path: 'apiVersion', message: `${String(r.get('apiVersion'))} is removed for ${r.kind}` }] : [];
    },
    fix: 'Move to the current API version (apps/v1, networking.k8s.io/v1, policy/v1, batch/v1…).',
    kics: ['object_is_using_a_deprecated_api_version'], refs: { kubeLinter: ['no-extensions-v1beta'] },
    pass: [passD], fail: [k8sDocs({ apiVersion: 'extensions/v1beta1', kind: 'Deployment', metadata: { name: 'a', namespace: 'x' }, spec: { template: { spec: goodPod() } } })],
  }),
];
