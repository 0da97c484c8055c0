import { isObject, type Value } from '../../model.js';
import { asList, asStrings, isTrue } from '../../engine/checks.js';
import type { CheckFn } from '../../engine/rule.js';
import { deployment, goodPod, k8, k8sDocs } from '../dsl.js';
import { podSpecOf, sub, WORKLOADS } from './helpers.js';

const ROLES = ['Role', 'ClusterRole'];
export const role = (rules: unknown[]) => k8sDocs({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'r', namespace: 'app' }, rules });

/** Fires when a Role/ClusterRole rule grants one of `verbs` on one of `resources` (wildcards count). */
export function grantsRule(resources: string[], verbs: string[], message: string): CheckFn {
  return (r) =>
    r.each('rules').filter((x) => {
      const res = asStrings(sub(x.value, 'resources'));
      const vb = asStrings(sub(x.value, 'verbs'));
      return res.some((v) => v === '*' || resources.includes(v)) && vb.some((v) => v === '*' || verbs.includes(v));
    }).map((x) => ({ path: x.path, message }));
}

export const psp = (spec: Record<string, unknown>) => k8sDocs({ apiVersion: 'policy/v1beta1', kind: 'PodSecurityPolicy', metadata: { name: 'p' }, spec });
export const PSP_OK = { privileged: false, allowPrivilegeEscalation: false, requiredDropCapabilities: ['ALL'], hostPID: false, hostIPC: false, hostNetwork: false, runAsUser: { rule: 'MustRunAsNonRoot' }, seLinux: { rule: 'RunAsAny' }, fsGroup: { rule: 'RunAsAny' }, supplementalGroups: { rule: 'RunAsAny' }, volumes: ['configMap'] };

export const accessRules = [
  k8('k8s-rbac-pod-exec', {
    title: 'Role grants exec into pods', desc: 'pods/exec gives a shell in any pod the role reaches, with its secrets and tokens.',
    sev: 'high', cat: 'security', kinds: ROLES, check: grantsRule(['pods/exec'], ['create', 'get'], 'grants pods/exec'),
    fix: 'Remove pods/exec from the role; use break-glass access for debugging.', kics: ['rbac_roles_with_exec_permission'], compliance: ['CIS-K8S-1.8:5.1.3'],
    pass: [role([{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }])], fail: [role([{ apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] }])],
  }),
  k8('k8s-rbac-pod-attach', {
    title: 'Role grants attach to pods', desc: 'pods/attach connects to the running process of any pod in scope.',
    sev: 'high', cat: 'security', kinds: ROLES, check: grantsRule(['pods/attach'], ['create', 'get'], 'grants pods/attach'),
    fix: 'Remove pods/attach from the role.', kics: ['rbac_roles_with_attach_permission'],
    pass: [role([{ apiGroups: [''], resources: ['pods'], verbs: ['list'] }])], fail: [role([{ apiGroups: [''], resources: ['pods/attach'], verbs: ['create'] }])],
  }),
  k8('k8s-rbac-impersonate', {
    title: 'Role grants impersonation', desc: 'impersonate lets a subject act as any user, group or service account.',
    sev: 'high', cat: 'security', kinds: ROLES, check: grantsRule(['users', 'groups', 'serviceaccounts'], ['impersonate'], 'grants impersonate'),
    fix: 'Remove the impersonate verb.', kics: ['rbac_roles_with_impersonate_permission'], compliance: ['CIS-K8S-1.8:5.1.8'],
    pass: [role([{ apiGroups: [''], resources: ['users'], verbs: ['get'] }])], fail: [role([{ apiGroups: [''], resources: ['users'], verbs: ['impersonate'] }])],
  }),
  k8('k8s-rbac-read-secrets', {
    title: 'Role can read Secrets', desc: 'get/list/watch on secrets exposes every credential in scope.',
    sev: 'medium', cat: 'security', kinds: ROLES, check: grantsRule(['secrets'], ['get', 'list', 'watch'], 'grants read access to secrets'),
    fix: 'Limit secret access with resourceNames or remove it.', kics: ['rbac_roles_with_read_secrets_permissions'], compliance: ['CIS-K8S-1.8:5.1.2'],
    pass: [role([{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }])], fail: [role([{ apiGroups: [''], resources: ['secrets'], verbs: ['list'] }])],
  }),
  k8('k8s-rbac-escalate-bind', {
    title: 'Role allows privilege escalation through bind or escalate', desc: 'bind/escalate let a subject grant itself roles it does not hold.',
    sev: 'high', cat: 'security', kinds: ROLES, check: grantsRule(['roles', 'clusterroles', 'rolebindings', 'clusterrolebindings'], ['bind', 'escalate'], 'grants bind or escalate'),
    fix: 'Remove the bind and escalate verbs.', kics: ['rbac_roles_allow_privilege_escalation'], compliance: ['CIS-K8S-1.8:5.1.8'],
    pass: [role([{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles'], verbs: ['get'] }])], fail: [role([{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], verbs: ['bind'] }])],
  }),
  k8('k8s-rbac-cluster-admin-binding', {
    title: 'Binding grants cluster-admin', desc: 'cluster-admin is unrestricted superuser access to the cluster.',
    sev: 'high', cat: 'security', kinds: ['ClusterRoleBinding', 'RoleBinding'],
    check: (r) => (r.get('roleRef.name') === 'cluster-admin' ? [{ path: 'roleRef.name', message: 'binds cluster-admin' }] : []),
    fix: 'Bind a narrower role.', kics: ['cluster_admin_role_binding_with_super_user_permissions'], compliance: ['CIS-K8S-1.8:5.1.1'],
    pass: [k8sDocs({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'b' }, roleRef: { kind: 'ClusterRole', name: 'view' }, subjects: [] })],
    fail: [k8sDocs({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'b' }, roleRef: { kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [] })],
  }),
  k8('k8s-rbac-default-service-account-bound', {
    title: 'Role bound to the default service account', desc: 'Every pod without its own service account inherits the default one.',
    sev: 'medium', cat: 'security', kinds: ['RoleBinding', 'ClusterRoleBinding'],
    check: (r) => r.each('subjects').filter((x) => sub(x.value, 'kind') === 'ServiceAccount' && sub(x.value, 'name') === 'default').map((x) => ({ path: x.path, message: 'binds the default service account' })),
    fix: 'Create a dedicated service account for the workload and bind that.', kics: ['role_binding_to_default_service_account'], compliance: ['CIS-K8S-1.8:5.1.5'],
    pass: [k8sDocs({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'b', namespace: 'a' }, roleRef: { kind: 'Role', name: 'r' }, subjects: [{ kind: 'ServiceAccount', name: 'web' }] })],
    fail: [k8sDocs({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'b', namespace: 'a' }, roleRef: { kind: 'Role', name: 'r' }, subjects: [{ kind: 'ServiceAccount', name: 'default' }] })],
  }),
  k8('k8s-pod-default-service-account', {
    title: 'Workload uses the default service account', desc: 'Sharing the default service account mixes the permissions of unrelated workloads.',
    sev: 'low', cat: 'security', kinds: ['*'],
    check: (r) => {
      const base = podSpecOf(r);
      if (!base) return [];
      const sa = r.get(`${base}.serviceAccountName`) ?? r.get(`${base}.serviceAccount`);
      return sa === undefined || sa === 'default' ? [{ path: sa === undefined ? base : `${base}.serviceAccountName`, message: 'runs as the default service account' }] : [];
    },
    fix: 'Set serviceAccountName to a service account dedicated to the workload.', refs: { polaris: ['defaultServiceAccount'] }, compliance: ['CIS-K8S-1.8:5.1.5'],
    pass: [deployment(goodPod())], fail: [deployment({ ...goodPod(), serviceAccountName: 'default' })],
  }),
  k8('k8s-service-account-shared', {
    title: 'Service account shared by several workloads', desc: 'Workloads that share a service account share its permissions and tokens; a compromise of one grants the rights of all.',
    sev: 'low', cat: 'security', kinds: ['*'],
    check: (r, ctx) => {
      const base = podSpecOf(r);
      if (!base) return [];
      const sa = r.get(`${base}.serviceAccountName`);
      if (typeof sa !== 'string' || sa === 'default') return [];
      const ns = r.get('metadata.namespace') ?? 'default';
      const others = ctx.resources.filter((x) => x !== r.res && WORKLOADS.includes(x.kind) && (sub(x.attrs, 'metadata.namespace') ?? 'default') === ns && [sub(x.attrs, 'spec.serviceAccountName'), sub(x.attrs, 'spec.template.spec.serviceAccountName'), sub(x.attrs, 'spec.jobTemplate.spec.template.spec.serviceAccountName')].includes(sa));
      return others.length ? [{ path: `${base}.serviceAccountName`, message: `service account ${sa} is also used by ${others.map((o) => o.address).join(', ')}` }] : [];
    },
    fix: 'Give each workload its own service account.', kics: ['shared_service_account'], compliance: ['CIS-K8S-1.8:5.1.5'],
    pass: [k8sDocs({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a', namespace: 'x' }, spec: { serviceAccountName: 'a', containers: [{ name: 'c', image: 'c:1' }] } }, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'b', namespace: 'x' }, spec: { serviceAccountName: 'b', containers: [{ name: 'c', image: 'c:1' }] } })],
    fail: [k8sDocs({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a', namespace: 'x' }, spec: { serviceAccountName: 'shared', containers: [{ name: 'c', image: 'c:1' }] } }, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'b', namespace: 'x' }, spec: { serviceAccountName: 'shared', containers: [{ name: 'c', image: 'c:1' }] } })],
  }),
  k8('k8s-psp-privileged-or-root', {
    title: 'PodSecurityPolicy admits root containers', desc: 'runAsUser RunAsAny (or MustRunAs with UID 0) admits containers running as root.',
    sev: 'medium', cat: 'security', kinds: ['PodSecurityPolicy'],
    check: (r) => {
      const rule = r.get('spec.runAsUser.rule');
      const ranges = asList(r.get('spec.runAsUser.ranges'));
      return rule === 'RunAsAny' || (rule === 'MustRunAs' && ranges.some((x) => Number(sub(x, 'min')) === 0)) ? [{ path: 'spec.runAsUser.rule', message: 'root users are admitted' }] : [];
    },
    fix: 'Use runAsUser.rule: MustRunAsNonRoot.', kics: ['root_containers_admitted'], compliance: ['CIS-K8S-1.8:5.2.6'],
    pass: [psp(PSP_OK)], fail: [psp({ ...PSP_OK, runAsUser: { rule: 'RunAsAny' } })],
  }),
  k8('k8s-psp-host-pid', {
    title: 'PodSecurityPolicy allows host PID', desc: 'hostPID: true admits pods that see every node process.',
    sev: 'high', cat: 'security', kinds: ['PodSecurityPolicy'],
    check: (r) => (isTrue(r.get('spec.hostPID')) ? [{ path: 'spec.hostPID', message: 'hostPID is allowed' }] : []),
    fix: 'Set hostPID: false.', kics: ['psp_allows_sharing_host_pid'], compliance: ['CIS-K8S-1.8:5.2.2'],
    pass: [psp(PSP_OK)], fail: [psp({ ...PSP_OK, hostPID: true })],
  }),
  k8('k8s-psp-host-network', {
    title: 'PodSecurityPolicy allows host network', desc: 'hostNetwork: true admits pods on the node network.',
    sev: 'high', cat: 'security', kinds: ['PodSecurityPolicy'],
    check: (r) => (isTrue(r.get('spec.hostNetwork')) ? [{ path: 'spec.hostNetwork', message: 'hostNetwork is allowed' }] : []),
    fix: 'Set hostNetwork: false.', kics: ['psp_containers_share_host_network_namespace'], compliance: ['CIS-K8S-1.8:5.2.4'],
    pass: [psp(PSP_OK)], fail: [psp({ ...PSP_OK, hostNetwork: true })],
  }),
  k8('k8s-psp-allowed-capabilities', {
    title: 'PodSecurityPolicy allows added capabilities', desc: 'allowedCapabilities lets pods add kernel capabilities.',
    sev: 'medium', cat: 'security', kinds: ['PodSecurityPolicy'],
    check: (r) => (asList(r.get('spec.allowedCapabilities')).length ? [{ path: 'spec.allowedCapabilities', message: 'capabilities may be added' }] : []),
    fix: 'Remove allowedCapabilities.', kics: ['psp_with_added_capabilities'], compliance: ['CIS-K8S-1.8:5.2.8'],
    pass: [psp(PSP_OK)], fail: [psp({ ...PSP_OK, allowedCapabilities: ['NET_ADMIN'] })],
  }),
  k8('k8s-psp-net-raw-not-dropped', {
    title: 'PodSecurityPolicy does not drop NET_RAW', desc: 'requiredDropCapabilities should include NET_RAW or ALL.',
    sev: 'medium', cat: 'security', kinds: ['PodSecurityPolicy'],
    check: (r) => (asStrings(r.get('spec.requiredDropCapabilities')).some((c) => c === 'ALL' || c === 'NET_RAW') ? [] : [{ path: 'spec', message: 'NET_RAW is not a required drop' }]),
    fix: 'Add ALL (or NET_RAW) to requiredDropCapabilities.', kics: ['net_raw_capabilities_disabled_for_psp'], compliance: ['CIS-K8S-1.8:5.2.7'],
    pass: [psp(PSP_OK)], fail: [psp({ ...PSP_OK, requiredDropCapabilities: ['CHOWN'] })],
  }),
  k8('k8s-psp-capabilities-unlimited', {
    title: 'PodSecurityPolicy does not require dropping all capabilities', desc: 'Capabilities not dropped stay available to every admitted pod.',
    sev: 'low', cat: 'security', kinds: ['PodSecurityPolicy'],
    check: (r) => (r.get('spec.requiredDropCapabilities') === undefined ? [{ path: 'spec', message: 'requiredDropCapabilities is not set' }] : []),
    fix: 'Set requiredDropCapabilities: [ALL].', kics: ['not_limited_capabilities_for_pod_security_policy'], compliance: ['CIS-K8S-1.8:5.2.9'],
    pass: [psp(PSP_OK)], fail: [psp({ privileged: false })],
  }),
  k8('k8s-service-nodeport', {
    title: 'Service of type NodePort', desc: 'NodePort opens the port on every node, bypassing ingress controls.',
    sev: 'low', cat: 'security', kinds: ['Service'],
    check: (r) => (r.get('spec.type') === 'NodePort' ? [{ path: 'spec.type', message: 'type is NodePort' }] : []),
    fix: 'Use ClusterIP behind an Ingress or an internal LoadBalancer.', kics: ['service_type_is_nodeport'],
    pass: [k8sDocs({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'a' }, spec: { type: 'ClusterIP', ports: [{ port: 80 }] } })],
    fail: [k8sDocs({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'a' }, spec: { type: 'NodePort', ports: [{ port: 80 }] } })],
  }),
  k8('k8s-service-external-load-balancer', {
    title: 'Service exposed through a public load balancer', desc: 'A LoadBalancer without an internal annotation is reachable from the internet.',
    sev: 'medium', cat: 'security', kinds: ['Service'],
    check: (r) => {
      if (r.get('spec.type') !== 'LoadBalancer') return [];
      const ann = r.get('metadata.annotations');
      const internal = isObject(ann) && Object.entries(ann).some(([k, v]) => /internal|load-balancer-type|lb-type|load-balancer-scheme/i.test(k) && typeof v === 'string' && /^(true|internal)$/i.test(v.trim()));
      return internal ? [] : [{ path: 'spec.type', message: 'exposed through an internet-facing load balancer' }];
    },
    fix: 'Annotate the Service as internal for your cloud, or front it with an Ingress with authentication.', kics: ['service_with_external_load_balancer'],
    pass: [k8sDocs({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'a', annotations: { 'service.beta.kubernetes.io/aws-load-balancer-internal': 'true' } }, spec: { type: 'LoadBalancer', ports: [{ port: 80 }] } })],
    fail: [k8sDocs({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'a' }, spec: { type: 'LoadBalancer', ports: [{ port: 80 }] } })],
  }),
  k8('k8s-tiller-service-present', {
    title: 'Tiller service is still present', desc: 'A reachable Tiller service accepts unauthenticated Helm 2 commands.',
    sev: 'high', cat: 'security', kinds: ['Service'],
    check: (r) => {
      const name = String(r.get('metadata.name') ?? '');
      const sel = r.get('spec.selector');
      const tiller = /tiller/i.test(name) || (isObject(sel) && Object.values(sel).some((v: Value) => typeof v === 'string' && /tiller/i.test(v)));
      return tiller ? [{ path: 'metadata.name', message: 'a Tiller service exists' }] : [];
    },
    fix: 'Delete the Tiller service and deployment.', kics: ['tiller_service_is_not_deleted'],
    pass: [k8sDocs({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'a' }, spec: { selector: { app: 'web' } } })],
    fail: [k8sDocs({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'tiller-deploy', namespace: 'kube-system' }, spec: { selector: { app: 'helm', name: 'tiller' } } })],
  }),
  k8('k8s-network-policy-targets-no-pod', {
    title: 'NetworkPolicy selects no pod in the file', desc: 'A policy whose podSelector matches nothing protects nothing.',
    sev: 'low', cat: 'security', kinds: ['NetworkPolicy'],
    check: (r, ctx) => {
      const labels = r.get('spec.podSelector.matchLabels');
      if (!isObject(labels) || Object.keys(labels).length === 0) return [];
      const pods = ctx.resources.filter((x) => WORKLOADS.includes(x.kind));
      const match = pods.some((p) => {
        const meta = p.kind === 'Pod' ? sub(p.attrs, 'metadata.labels') : p.kind === 'CronJob' ? sub(p.attrs, 'spec.jobTemplate.spec.template.metadata.labels') : sub(p.attrs, 'spec.template.metadata.labels');
        return isObject(meta ?? null) && Object.entries(labels).every(([k, v]) => (meta as Record<string, Value>)[k] === v);
      });
      return pods.length && !match ? [{ path: 'spec.podSelector', message: 'the podSelector matches no workload defined alongside it' }] : [];
    },
    fix: 'Fix spec.podSelector so it selects the intended pods.', kics: ['network_policy_is_not_targeting_any_pod'],
    pass: [deployment(goodPod()) + '---\n' + k8sDocs({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'n', namespace: 'shop' }, spec: { podSelector: { matchLabels: { app: 'web' } } } })],
    fail: [deployment(goodPod()) + '---\n' + k8sDocs({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'n', namespace: 'shop' }, spec: { podSelector: { matchLabels: { app: 'nope' } } } })],
  }),
  k8('k8s-service-selects-no-pod', {
    title: 'Service selects no pod in the file', desc: 'A Service whose selector matches no workload has no endpoints.',
    sev: 'low', cat: 'reliability', kinds: ['Service'],
    check: (r, ctx) => {
      const sel = r.get('spec.selector');
      if (!isObject(sel) || Object.keys(sel).length === 0) return [];
      const pods = ctx.resources.filter((x) => WORKLOADS.includes(x.kind));
      const match = pods.some((p) => {
        const meta = p.kind === 'Pod' ? sub(p.attrs, 'metadata.labels') : sub(p.attrs, 'spec.template.metadata.labels');
        return isObject(meta ?? null) && Object.entries(sel).every(([k, v]) => (meta as Record<string, Value>)[k] === v);
      });
      return pods.length && !match ? [{ path: 'spec.selector', message: 'the selector matches no workload defined alongside it' }] : [];
    },
    fix: 'Fix spec.selector to match the pod template labels.', kics: ['service_does_not_target_pod'],
    pass: [deployment(goodPod()) + '---\n' + k8sDocs({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'shop' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } })],
    fail: [deployment(goodPod()) + '---\n' + k8sDocs({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'shop' }, spec: { selector: { app: 'api' }, ports: [{ port: 80 }] } })],
  }),
];
