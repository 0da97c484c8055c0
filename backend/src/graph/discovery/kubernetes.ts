import { AppsV1Api, CoreV1Api, type KubeConfig, type V1Container, type V1PodTemplateSpec } from '@kubernetes/client-node';
import type { WorkloadSource } from '../discovery.js';
import type { KnownService, WorkloadSpec } from './podspec.js';

/** The parts of a Deployment/StatefulSet and of a Service that reference discovery reads. */
export interface WorkloadObject {
  kind: string;
  namespace: string;
  name: string;
  template?: V1PodTemplateSpec;
}

export interface ServiceObject {
  namespace: string;
  name: string;
  selector?: Record<string, string>;
}

/**
 * Maps workloads to what reference discovery reads: every container's env values, args and command,
 * under the name of the Service that selects the workload's pods (else the workload's own name).
 */
export function workloadSpecs(workloads: readonly WorkloadObject[], services: readonly ServiceObject[]): WorkloadSpec[] {
  return workloads.map((w) => {
    const labels = w.template?.metadata?.labels ?? {};
    const selecting = services.find(
      (s) =>
        s.namespace === w.namespace &&
        s.selector &&
        Object.keys(s.selector).length > 0 &&
        Object.entries(s.selector).every(([k, v]) => labels[k] === v),
    );
    const containers: V1Container[] = [...(w.template?.spec?.initContainers ?? []), ...(w.template?.spec?.containers ?? [])];
    const env: Record<string, string> = {};
    for (const c of containers) for (const e of c.env ?? []) if (e.value) env[`${c.name}/${e.name}`] = e.value;
    return {
      service: selecting?.name ?? w.name,
      namespace: w.namespace,
      kind: w.kind,
      env,
      args: containers.flatMap((c) => c.args ?? []),
      command: containers.flatMap((c) => c.command ?? []),
    };
  });
}

/** Lists Deployments, StatefulSets and Services through the Kubernetes API (read-only verbs). */
export function kubeWorkloadSource(kubeConfig: KubeConfig): WorkloadSource {
  const apps = kubeConfig.makeApiClient(AppsV1Api);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  return {
    async listWorkloads() {
      const [deployments, statefulSets, svcList] = await Promise.all([
        apps.listDeploymentForAllNamespaces(),
        // A cluster (or the simulator) that does not serve StatefulSets simply has none.
        apps.listStatefulSetForAllNamespaces().catch((err: unknown) => {
          if ((err as { code?: number }).code === 404) return { items: [] };
          throw err;
        }),
        core.listServiceForAllNamespaces(),
      ]);
      const workloads: WorkloadObject[] = [
        ...deployments.items.map((d) => ({ kind: 'Deployment', namespace: d.metadata?.namespace ?? 'default', name: d.metadata?.name ?? '', template: d.spec?.template })),
        ...statefulSets.items.map((d) => ({ kind: 'StatefulSet', namespace: d.metadata?.namespace ?? 'default', name: d.metadata?.name ?? '', template: d.spec?.template })),
      ].filter((w) => w.name);
      const services: ServiceObject[] = svcList.items
        .map((s) => ({ namespace: s.metadata?.namespace ?? 'default', name: s.metadata?.name ?? '', selector: s.spec?.selector }))
        .filter((s) => s.name && s.name !== 'kubernetes');
      const known: KnownService[] = services.map((s) => ({ name: s.name, namespace: s.namespace }));
      return { workloads: workloadSpecs(workloads, services), services: known };
    },
  };
}
