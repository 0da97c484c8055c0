import type { Simulator } from './simulator.js';

const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const labels = (l: Record<string, string>) =>
  `{${Object.entries(l)
    .map(([k, v]) => `${k}="${esc(v)}"`)
    .join(',')}}`;
const num = (v: number) => (Number.isFinite(v) ? String(Math.round(v * 1e6) / 1e6) : 'NaN');

/**
 * The simulator's metrics in Prometheus text format, named as real exporters name them: application
 * request counters and a latency summary per pod, cAdvisor container metrics, kube-state-metrics.
 */
export function exposition(sim: Omit<Simulator, 'metrics' | 'logs' | 'traces'>): string {
  const frame = sim.latestFrame();
  const out: string[] = [];
  const families: Record<string, string[]> = {
    http_requests_total: ['# HELP http_requests_total Requests served, by status code.', '# TYPE http_requests_total counter'],
    http_request_duration_seconds: ['# HELP http_request_duration_seconds Request latency.', '# TYPE http_request_duration_seconds summary'],
    container_cpu_usage_seconds_total: ['# HELP container_cpu_usage_seconds_total Cumulative cpu time consumed in seconds.', '# TYPE container_cpu_usage_seconds_total counter'],
    container_memory_working_set_bytes: ['# HELP container_memory_working_set_bytes Current working set in bytes.', '# TYPE container_memory_working_set_bytes gauge'],
    container_spec_memory_limit_bytes: ['# HELP container_spec_memory_limit_bytes Memory limit for the container.', '# TYPE container_spec_memory_limit_bytes gauge'],
    kube_pod_container_status_restarts_total: ['# HELP kube_pod_container_status_restarts_total The number of container restarts per container.', '# TYPE kube_pod_container_status_restarts_total counter'],
    kube_pod_status_ready: ['# HELP kube_pod_status_ready Describes whether the pod is ready to serve requests.', '# TYPE kube_pod_status_ready gauge'],
    kube_deployment_spec_replicas: ['# HELP kube_deployment_spec_replicas Number of desired pods for a deployment.', '# TYPE kube_deployment_spec_replicas gauge'],
    kube_deployment_status_replicas_available: ['# HELP kube_deployment_status_replicas_available The number of available replicas per deployment.', '# TYPE kube_deployment_status_replicas_available gauge'],
  };
  for (const rt of sim.podCounters()) {
    const m = frame?.pods.get(rt.name);
    const base = { namespace: rt.namespace, service: rt.service, pod: rt.name };
    const c = { namespace: rt.namespace, pod: rt.name, container: rt.container };
    families.http_requests_total?.push(`http_requests_total${labels({ ...base, code: '200' })} ${num(rt.counters.ok)}`, `http_requests_total${labels({ ...base, code: '500' })} ${num(rt.counters.err)}`);
    if (m && m.request_rate > 0) {
      const q = families.http_request_duration_seconds as string[];
      q.push(
        `http_request_duration_seconds${labels({ ...base, quantile: '0.5' })} ${num(m.latency_p50 / 1000)}`,
        `http_request_duration_seconds${labels({ ...base, quantile: '0.95' })} ${num(m.latency_p95 / 1000)}`,
        `http_request_duration_seconds${labels({ ...base, quantile: '0.99' })} ${num(m.latency_p99 / 1000)}`,
      );
    }
    families.http_request_duration_seconds?.push(
      `http_request_duration_seconds_sum${labels(base)} ${num(rt.counters.latencySumSec)}`,
      `http_request_duration_seconds_count${labels(base)} ${num(rt.counters.ok + rt.counters.err)}`,
    );
    families.container_cpu_usage_seconds_total?.push(`container_cpu_usage_seconds_total${labels(c)} ${num(rt.counters.cpuSeconds)}`);
    families.container_memory_working_set_bytes?.push(`container_memory_working_set_bytes${labels(c)} ${num(Math.round(m?.memory ?? rt.memoryBytes))}`);
    families.container_spec_memory_limit_bytes?.push(`container_spec_memory_limit_bytes${labels(c)} ${num(rt.memoryLimitBytes)}`);
    families.kube_pod_container_status_restarts_total?.push(`kube_pod_container_status_restarts_total${labels({ ...c, uid: '' })} ${rt.restartCount}`);
    families.kube_pod_status_ready?.push(`kube_pod_status_ready${labels({ namespace: rt.namespace, pod: rt.name, condition: 'true' })} ${rt.ready ? 1 : 0}`);
  }
  for (const dep of sim.store.list('deployments')) {
    const l = { namespace: dep.metadata.namespace ?? '', deployment: dep.metadata.name };
    const spec = dep.spec as { replicas?: number };
    const status = (dep.status ?? {}) as { availableReplicas?: number };
    families.kube_deployment_spec_replicas?.push(`kube_deployment_spec_replicas${labels(l)} ${spec.replicas ?? 0}`);
    families.kube_deployment_status_replicas_available?.push(`kube_deployment_status_replicas_available${labels(l)} ${status.availableReplicas ?? 0}`);
  }
  for (const lines of Object.values(families)) out.push(...lines);
  return out.join('\n') + '\n';
}
