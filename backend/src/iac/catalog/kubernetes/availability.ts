import { isObject, type Resource, type Value } from '../../model.js';
import { deployment, goodPod, k8, k8sDocs } from '../dsl.js';
import { sub } from './helpers.js';

const labelsMatch = (selector: Value | undefined, labels: Value | undefined) =>
  isObject(selector ?? null) && isObject(labels ?? null) && Object.keys(selector as object).length > 0 && Object.entries(selector as Record<string, Value>).every(([k, v]) => (labels as Record<string, Value>)[k] === v);

const hpa = (target: string, extra: Record<string, unknown> = {}) =>
  k8sDocs({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'h', namespace: 'shop' }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: target }, minReplicas: 2, maxReplicas: 6, ...extra } });
const pdb = (app: string) => k8sDocs({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'p', namespace: 'shop' }, spec: { minAvailable: 1, selector: { matchLabels: { app } } } });

/** Rules that keep workloads available through voluntary disruptions and autoscaling. */
export const availabilityRules = [
  k8('k8s-deployment-no-pdb', {
    title: 'Replicated Deployment without a PodDisruptionBudget', desc: 'Node drains and upgrades may evict every replica at once when no budget protects the pods.',
    sev: 'low', cat: 'reliability', kinds: ['Deployment', 'StatefulSet'],
    check: (r, ctx) => {
      const replicas = r.get('spec.replicas');
      if (typeof replicas !== 'number' || replicas < 2) return [];
      const labels = r.get('spec.template.metadata.labels');
      const covered = ctx.resources.some((x: Resource) => x.kind === 'PodDisruptionBudget' && labelsMatch(sub(x.attrs, 'spec.selector.matchLabels'), labels));
      return covered ? [] : [{ path: 'spec.selector', message: 'no PodDisruptionBudget in the same manifests selects these pods' }];
    },
    fix: 'Add a PodDisruptionBudget (minAvailable or maxUnavailable) whose selector matches the pod labels.',
    kics: ['deployment_without_pod_disruption_budget'], refs: { kubeLinter: ['no-pod-disruption-budget'] }, compliance: ['SOC2:A1.2'],
    pass: [deployment(goodPod()) + '---\n' + pdb('web')], fail: [deployment(goodPod()) + '---\n' + pdb('other')],
  }),
  k8('k8s-hpa-target-sets-replicas', {
    title: 'Autoscaled Deployment also sets spec.replicas', desc: 'Every apply resets the replica count the HorizontalPodAutoscaler chose, causing scale flapping.',
    sev: 'low', cat: 'reliability', kinds: ['Deployment', 'StatefulSet'],
    check: (r, ctx) => {
      if (r.get('spec.replicas') === undefined) return [];
      const name = r.get('metadata.name');
      const scaled = ctx.resources.some((x) => x.kind === 'HorizontalPodAutoscaler' && sub(x.attrs, 'spec.scaleTargetRef.name') === name && sub(x.attrs, 'spec.scaleTargetRef.kind') === r.kind);
      return scaled ? [{ path: 'spec.replicas', message: 'spec.replicas is set on a workload an HPA scales' }] : [];
    },
    fix: 'Remove spec.replicas from workloads scaled by a HorizontalPodAutoscaler.',
    kics: ['hpa_targeted_deployments_with_configured_replica_count'],
    pass: [deployment(goodPod(), {}, { replicas: undefined }) + '---\n' + hpa('web')], fail: [deployment(goodPod()) + '---\n' + hpa('web')],
  }),
  k8('k8s-hpa-object-metric-incomplete', {
    title: 'HPA Object metric without a complete target object', desc: 'An Object metric must name the apiVersion, kind and name of the object it reads, or the autoscaler cannot fetch it.',
    sev: 'medium', cat: 'reliability', kinds: ['HorizontalPodAutoscaler'],
    check: (r) =>
      r.each('spec.metrics').filter((m) => sub(m.value, 'type') === 'Object').filter((m) => {
        const o = sub(m.value, 'object.describedObject') ?? sub(m.value, 'object.target');
        return !isObject(o ?? null) || ['apiVersion', 'kind', 'name'].some((k) => (o as Record<string, Value>)[k] === undefined);
      }).map((m) => ({ path: `${m.path}.object`, message: 'describedObject lacks apiVersion, kind or name' })),
    fix: 'Give describedObject its apiVersion, kind and name.',
    kics: ['hpa_targets_invalid_object'],
    pass: [hpa('web', { metrics: [{ type: 'Object', object: { metric: { name: 'rps' }, describedObject: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'main' }, target: { type: 'Value', value: '10k' } } }] })],
    fail: [hpa('web', { metrics: [{ type: 'Object', object: { metric: { name: 'rps' }, describedObject: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress' }, target: { type: 'Value', value: '10k' } } }] })],
  }),
  k8('k8s-deployment-single-replica', {
    title: 'Deployment runs a single replica', desc: 'One replica means every rollout, eviction or node failure is an outage.',
    sev: 'low', cat: 'reliability', kinds: ['Deployment'],
    check: (r, ctx) => {
      const replicas = r.get('spec.replicas');
      const name = r.get('metadata.name');
      if (ctx.resources.some((x) => x.kind === 'HorizontalPodAutoscaler' && sub(x.attrs, 'spec.scaleTargetRef.name') === name)) return [];
      return replicas === 1 ? [{ path: 'spec.replicas', message: 'replicas is 1', fix: { path: 'spec.replicas', value: 2 } }] : [];
    },
    fix: 'Run at least 2 replicas (with anti-affinity and a PodDisruptionBudget) or autoscale.',
    pass: [deployment(goodPod())], fail: [deployment(goodPod(), {}, { replicas: 1 })],
  }),
];

