import { isObject } from '../../model.js';
import { asStrings } from '../../engine/checks.js';
import type { CheckFn } from '../../engine/rule.js';
import { deployment, goodContainer, goodPod, k8, k8sDocs } from '../dsl.js';
import { grantsRule, psp, PSP_OK, role } from './access.js';
import { containers, perContainer, podSpecOf, sub } from './helpers.js';

const PSS = (id: string) => [`CIS-K8S-1.8:${id}`];
const clusterRole = (rules: unknown[]) => k8sDocs({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'r' }, rules });
const ingress = (annotations: Record<string, string>) =>
  k8sDocs({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'i', namespace: 'app', annotations }, spec: { rules: [{ host: 'a.example.com' }] } });

/** NGINX ingress `*-snippet` annotations, whose text is pasted into the controller's configuration (CVE-2021-25742). */
const snippets = (r: Parameters<CheckFn>[0]) =>
  Object.entries(isObject(r.get('metadata.annotations')) ? (r.get('metadata.annotations') as Record<string, unknown>) : {})
    .filter(([k, v]) => /^nginx\.(ingress\.kubernetes\.io|org)\/[a-z-]*snippets?$/.test(k) && typeof v === 'string')
    .map(([k, v]) => ({ key: k, text: String(v) }));

const snippetCheck = (match: (text: string) => boolean, message: string): CheckFn => (r) =>
  snippets(r).filter((s) => match(s.text)).map((s) => ({ path: `metadata.annotations.${s.key}`, message: `${s.key}: ${message}` }));

const wildcardRule: CheckFn = (r) =>
  r.each('rules').filter((x) => ['apiGroups', 'resources', 'verbs'].some((k) => asStrings(sub(x.value, k)).includes('*'))).map((x) => ({ path: x.path, message: 'the rule uses a wildcard in apiGroups, resources or verbs' }));

export const k8sBreadthRules = [
  k8('k8s-psp-host-ipc', {
    title: 'PodSecurityPolicy allows host IPC', desc: 'Pods admitted by the policy may share the node IPC namespace.',
    sev: 'high', cat: 'security', kinds: ['PodSecurityPolicy'], check: (r) => (r.get('spec.hostIPC') === true ? [{ path: 'spec.hostIPC', message: 'hostIPC is allowed' }] : []),
    fix: 'Set hostIPC: false.', compliance: PSS('5.2.3'),
    pass: [psp(PSP_OK)], fail: [psp({ ...PSP_OK, hostIPC: true })],
  }),
  k8('k8s-psp-privilege-escalation', {
    title: 'PodSecurityPolicy allows privilege escalation', desc: 'allowPrivilegeEscalation defaults to true; setuid binaries can then gain root.',
    sev: 'high', cat: 'security', kinds: ['PodSecurityPolicy'], check: (r) => (r.get('spec.allowPrivilegeEscalation') === false ? [] : [{ path: r.has('spec.allowPrivilegeEscalation') ? 'spec.allowPrivilegeEscalation' : 'spec', message: 'privilege escalation is allowed' }]),
    fix: 'Set allowPrivilegeEscalation: false.', compliance: PSS('5.2.5'),
    pass: [psp(PSP_OK)], fail: [psp({ ...PSP_OK, allowPrivilegeEscalation: true })],
  }),
  k8('k8s-psp-seccomp-default-missing', {
    title: 'PodSecurityPolicy sets no default seccomp profile', desc: 'Without a default profile, admitted pods run unconfined.',
    sev: 'medium', cat: 'security', kinds: ['PodSecurityPolicy'],
    check: (r) => { const v = r.get('metadata.annotations.seccomp\\.security\\.alpha\\.kubernetes\\.io/defaultProfileName') ?? (isObject(r.get('metadata.annotations')) ? (r.get('metadata.annotations') as Record<string, unknown>)['seccomp.security.alpha.kubernetes.io/defaultProfileName'] : undefined); return v === 'runtime/default' || v === 'docker/default' ? [] : [{ path: 'metadata', message: 'no default seccomp profile (runtime/default) is set' }]; },
    fix: 'Annotate seccomp.security.alpha.kubernetes.io/defaultProfileName: runtime/default.', compliance: PSS('5.7.2'),
    pass: [k8sDocs({ apiVersion: 'policy/v1beta1', kind: 'PodSecurityPolicy', metadata: { name: 'p', annotations: { 'seccomp.security.alpha.kubernetes.io/defaultProfileName': 'runtime/default' } }, spec: PSP_OK })],
    fail: [psp(PSP_OK)],
  }),
  k8('k8s-pod-no-security-context', {
    title: 'Pod without a security context', desc: 'A pod-level securityContext sets non-root, fsGroup and seccomp defaults for every container.',
    sev: 'low', cat: 'security', kinds: ['*'],
    check: (r) => { const base = podSpecOf(r); if (!base) return []; const v = r.get(`${base}.securityContext`); return v === undefined || (isObject(v) && Object.keys(v).length === 0) ? [{ path: base, message: 'the pod has no securityContext' }] : []; },
    fix: 'Set spec.securityContext (runAsNonRoot, seccompProfile, fsGroup).', compliance: PSS('5.7.3'),
    pass: [deployment(goodPod())], fail: [deployment(goodPod({ securityContext: undefined }))],
  }),
  k8('k8s-container-no-security-context', {
    title: 'Container without a security context', desc: 'Each container should state privilege escalation, root filesystem and capabilities explicitly.',
    sev: 'low', cat: 'security', kinds: ['*'],
    check: perContainer((c) => (c.securityContext === undefined || (isObject(c.securityContext) && Object.keys(c.securityContext).length === 0)) && 'no securityContext', { init: true }),
    fix: 'Set securityContext on every container.', compliance: PSS('5.7.3'),
    pass: [deployment(goodPod())], fail: [deployment(goodPod({}, { securityContext: undefined }))],
  }),
  k8('k8s-container-capabilities-not-dropped', {
    title: 'Container does not drop all capabilities', desc: 'Default runtime capabilities (NET_RAW, CHOWN, SETUID…) stay available unless ALL is dropped.',
    sev: 'medium', cat: 'security', kinds: ['*'],
    check: perContainer((c) => !asStrings(sub(c, 'securityContext.capabilities.drop')).some((x) => x.toUpperCase() === 'ALL') && 'capabilities.drop does not include ALL', { init: true }),
    fix: 'Set securityContext.capabilities.drop: [ALL] and add back only what is needed.', compliance: PSS('5.2.9'),
    pass: [deployment(goodPod())], fail: [deployment(goodPod({}, { securityContext: { ...goodContainer().securityContext as object, capabilities: { drop: ['NET_RAW'] } } }))],
  }),
  k8('k8s-default-service-account-token-automount', {
    title: 'Default service account mounts its token', desc: 'Pods that name no service account get the default one; its token should not be mounted automatically.',
    sev: 'medium', cat: 'security', kinds: ['ServiceAccount'],
    check: (r) => (r.res.name === 'default' && r.get('automountServiceAccountToken') !== false ? [{ path: r.has('automountServiceAccountToken') ? 'automountServiceAccountToken' : undefined, message: 'the default service account automounts its token' }] : []),
    fix: 'Set automountServiceAccountToken: false on the default ServiceAccount.', compliance: PSS('5.1.5'),
    pass: [k8sDocs({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'app' }, automountServiceAccountToken: false })],
    fail: [k8sDocs({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'app' } })],
  }),
  k8('k8s-tiller-reachable', {
    title: 'Tiller listens on all interfaces', desc: 'Helm v2 Tiller has no authentication; reachable in-cluster it lets any pod install charts as cluster-admin.',
    sev: 'high', cat: 'security', kinds: ['*'],
    check: (r) => containers(r).filter(({ c }) => /tiller/.test(String(c.image ?? '')) && ![...asStrings(c.args), ...asStrings(c.command)].some((a) => /--listen=(localhost|127\.0\.0\.1)/.test(a))).map(({ c, path }) => ({ path, message: `container "${String(c.name ?? '?')}" runs Tiller without --listen=localhost` })),
    fix: 'Remove Tiller (Helm 3 needs none), or run it with --listen=localhost:44134.',
    pass: [deployment(goodPod({}, { image: 'gcr.io/kubernetes-helm/tiller:v2.16.1', args: ['--listen=localhost:44134'] }))],
    fail: [deployment(goodPod({}, { image: 'gcr.io/kubernetes-helm/tiller:v2.16.1' }))],
  }),
  k8('k8s-rbac-wildcard', {
    title: 'Role uses wildcards', desc: 'A "*" in apiGroups, resources or verbs grants today\'s and every future permission of that kind.',
    sev: 'medium', cat: 'security', kinds: ['Role', 'ClusterRole'], check: wildcardRule,
    fix: 'List the API groups, resources and verbs explicitly.', compliance: PSS('5.1.3'),
    pass: [role([{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }])], fail: [role([{ apiGroups: ['*'], resources: ['*'], verbs: ['get'] }])],
  }),
  k8('k8s-rbac-admission-webhook-control', {
    title: 'ClusterRole controls admission webhooks', desc: 'Whoever edits mutating/validating webhook configurations can rewrite or wave through every object.',
    sev: 'high', cat: 'security', kinds: ['ClusterRole'],
    check: grantsRule(['mutatingwebhookconfigurations', 'validatingwebhookconfigurations'], ['create', 'update', 'patch', 'delete'], 'grants write access to admission webhook configurations'),
    fix: 'Keep webhook configuration changes to cluster administrators.',
    pass: [clusterRole([{ apiGroups: ['admissionregistration.k8s.io'], resources: ['validatingwebhookconfigurations'], verbs: ['get', 'list'] }])],
    fail: [clusterRole([{ apiGroups: ['admissionregistration.k8s.io'], resources: ['mutatingwebhookconfigurations'], verbs: ['patch'] }])],
  }),
  k8('k8s-rbac-approve-csr', {
    title: 'ClusterRole can approve certificate signing requests', desc: 'Approving CSRs lets a subject mint client certificates for any user or node.',
    sev: 'high', cat: 'security', kinds: ['ClusterRole'],
    check: (r, ctx) => [...grantsRule(['certificatesigningrequests/approval'], ['update', 'patch'], 'grants CSR approval')(r, ctx), ...grantsRule(['signers'], ['approve'], 'grants approve on signers')(r, ctx)],
    fix: 'Leave CSR approval to the controller manager and cluster administrators.',
    pass: [clusterRole([{ apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests'], verbs: ['create', 'get'] }])],
    fail: [clusterRole([{ apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests/approval'], verbs: ['update'] }, { apiGroups: ['certificates.k8s.io'], resources: ['signers'], verbs: ['approve'] }])],
  }),
  k8('k8s-ingress-nginx-snippet', {
    title: 'Ingress uses NGINX configuration snippets', desc: 'Snippet annotations are pasted into the controller configuration and can read its service account token (CVE-2021-25742).',
    sev: 'medium', cat: 'security', kinds: ['Ingress'], check: snippetCheck(() => true, 'a configuration snippet'),
    fix: 'Remove *-snippet annotations and run the controller with allow-snippet-annotations: false.',
    pass: [ingress({ 'nginx.ingress.kubernetes.io/rewrite-target': '/' })], fail: [ingress({ 'nginx.ingress.kubernetes.io/configuration-snippet': 'more_set_headers "X-Frame-Options: DENY";' })],
  }),
  k8('k8s-ingress-nginx-snippet-lua', {
    title: 'Ingress NGINX snippet runs Lua code', desc: 'Lua in a snippet runs inside the ingress controller with its privileges (CVE-2021-25742).',
    sev: 'critical', cat: 'security', kinds: ['Ingress'], check: snippetCheck((t) => /_by_lua|lua_|content_by_lua/i.test(t), 'Lua code in a snippet'),
    fix: 'Remove the Lua snippet.',
    pass: [ingress({ 'nginx.ingress.kubernetes.io/configuration-snippet': 'more_set_headers "X-Frame-Options: DENY";' })], fail: [ingress({ 'nginx.ingress.kubernetes.io/server-snippet': 'location /x { content_by_lua_block { ngx.say("hi") } }' })],
  }),
  k8('k8s-ingress-nginx-snippet-alias', {
    title: 'Ingress NGINX snippet uses alias', desc: 'An alias directive in a snippet can serve files of the controller pod, including its token (CVE-2021-25742).',
    sev: 'critical', cat: 'security', kinds: ['Ingress'], check: snippetCheck((t) => /(^|[\s;{])alias\s/.test(t), 'an alias directive in a snippet'),
    fix: 'Remove the alias directive.',
    pass: [ingress({ 'nginx.ingress.kubernetes.io/configuration-snippet': 'more_set_headers "X-Frame-Options: DENY";' })], fail: [ingress({ 'nginx.ingress.kubernetes.io/server-snippet': 'location /t { alias /var/run/secrets/kubernetes.io/serviceaccount/; }' })],
  }),
];
