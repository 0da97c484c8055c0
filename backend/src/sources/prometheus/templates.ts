import { InputError } from '../../platform/errors.js';
import type { MetricName } from '../types.js';

/** A query per signal: aggregated per service, and (where the naming allows) per pod. */
export interface SignalTemplate {
  service: string;
  pod?: string;
}

export const NAMINGS = ['default', 'istio', 'linkerd', 'otel'] as const;
export type Naming = (typeof NAMINGS)[number];
export type QueryTemplates = Record<MetricName, SignalTemplate>;

/**
 * Placeholders: `{ns}` and `{svc}` (label matchers, empty when not filtered), `{podre}` (a regex for the
 * pods of the service), `{w}` (rate window). Every query answers with `namespace` and `service` labels
 * (and `pod` per pod); latency in milliseconds, error rate as a ratio, memory in bytes, CPU in cores.
 */
const POD_TO_SERVICE = '"service", "$1", "pod", "^(.+)-[a-z0-9]{5,10}-[a-z0-9]{5}$"';
const cadvisor = (fn: string, expr: string, by: string) => `${fn} by (${by}) (label_replace(${expr}, ${POD_TO_SERVICE}))`;
const CONTAINERS = 'container!="",container!="POD"';

/** cAdvisor for CPU and memory, kube-state-metrics for restarts: the same under every mesh. */
const RESOURCES: Pick<QueryTemplates, 'cpu' | 'memory' | 'restarts'> = {
  cpu: {
    service: cadvisor('sum', `rate(container_cpu_usage_seconds_total{${CONTAINERS}{ns}{podre}}[{w}])`, 'namespace, service'),
    pod: cadvisor('sum', `rate(container_cpu_usage_seconds_total{${CONTAINERS}{ns}{podre}}[{w}])`, 'namespace, service, pod'),
  },
  memory: {
    service: cadvisor('max', `container_memory_working_set_bytes{${CONTAINERS}{ns}{podre}}`, 'namespace, service'),
    pod: cadvisor('sum', `container_memory_working_set_bytes{${CONTAINERS}{ns}{podre}}`, 'namespace, service, pod'),
  },
  restarts: {
    service: cadvisor('sum', `kube_pod_container_status_restarts_total{${CONTAINERS}{ns}{podre}}`, 'namespace, service'),
    pod: cadvisor('sum', `kube_pod_container_status_restarts_total{${CONTAINERS}{ns}{podre}}`, 'namespace, service, pod'),
  },
};

function ratio(errors: string, all: string): string {
  // `or … * 0` keeps services with no errors at 0 instead of dropping them.
  return `(${errors} or ${all} * 0) / ${all}`;
}

function appNaming(): QueryTemplates {
  const sel = 'service=~".+"{ns}{svc}';
  const rate = (extra: string, by: string) => `sum by (${by}) (rate(http_requests_total{${sel}${extra}}[{w}]))`;
  const q = (quantile: string, fn: string, by: string) => `${fn} by (${by}) (http_request_duration_seconds{${sel},quantile="${quantile}"}) * 1000`;
  const both = (f: (by: string) => string): SignalTemplate => ({ service: f('namespace, service'), pod: f('namespace, service, pod') });
  return {
    request_rate: both((by) => rate('', by)),
    error_rate: both((by) => ratio(rate(',code=~"5.."', by), rate('', by))),
    latency_p50: both((by) => q('0.5', 'avg', by)),
    latency_p95: both((by) => q('0.95', 'avg', by)),
    latency_p99: both((by) => q('0.99', 'max', by)),
    ...RESOURCES,
  };
}

/** Istio's standard metrics, reported by the destination sidecar. */
function istioNaming(): QueryTemplates {
  const rename = (e: string) => `label_replace(label_replace(${e}, "service", "$1", "destination_workload", "(.*)"), "namespace", "$1", "destination_workload_namespace", "(.*)")`;
  const sel = 'reporter="destination"{istio_ns}{istio_svc}';
  const rate = (extra: string) => `sum by (namespace, service) (${rename(`rate(istio_requests_total{${sel}${extra}}[{w}])`)})`;
  const hq = (q: string) => `histogram_quantile(${q}, sum by (le, namespace, service) (${rename(`rate(istio_request_duration_milliseconds_bucket{${sel}}[{w}])`)}))`;
  return {
    request_rate: { service: rate('') },
    error_rate: { service: ratio(rate(',response_code=~"5.."'), rate('')) },
    latency_p50: { service: hq('0.5') },
    latency_p95: { service: hq('0.95') },
    latency_p99: { service: hq('0.99') },
    ...RESOURCES,
  };
}

/** Linkerd's proxy metrics (inbound side), labelled by deployment. */
function linkerdNaming(): QueryTemplates {
  const rename = (e: string) => `label_replace(${e}, "service", "$1", "deployment", "(.*)")`;
  const sel = 'direction="inbound"{ns}{linkerd_svc}';
  const rate = (metric: string, extra: string, by: string) => `sum by (${by}) (${rename(`rate(${metric}{${sel}${extra}}[{w}])`)})`;
  const hq = (q: string, by: string) => `histogram_quantile(${q}, sum by (le, ${by}) (${rename(`rate(response_latency_ms_bucket{${sel}}[{w}])`)}))`;
  const both = (f: (by: string) => string): SignalTemplate => ({ service: f('namespace, service'), pod: f('namespace, service, pod') });
  return {
    request_rate: both((by) => rate('request_total', '', by)),
    error_rate: both((by) => ratio(rate('response_total', ',classification="failure"', by), rate('response_total', '', by))),
    latency_p50: both((by) => hq('0.5', by)),
    latency_p95: both((by) => hq('0.95', by)),
    latency_p99: both((by) => hq('0.99', by)),
    ...RESOURCES,
  };
}

/** OpenTelemetry HTTP server semantic conventions as exported to Prometheus (`service_name`, seconds). */
function otelNaming(): QueryTemplates {
  const rename = (e: string) => `label_replace(label_replace(${e}, "service", "$1", "service_name", "(.*)"), "namespace", "$1", "k8s_namespace_name", "(.*)")`;
  const sel = 'service_name=~".+"{otel_ns}{otel_svc}';
  const rate = (extra: string) => `sum by (namespace, service) (${rename(`rate(http_server_request_duration_seconds_count{${sel}${extra}}[{w}])`)})`;
  const hq = (q: string) => `histogram_quantile(${q}, sum by (le, namespace, service) (${rename(`rate(http_server_request_duration_seconds_bucket{${sel}}[{w}])`)})) * 1000`;
  return {
    request_rate: { service: rate('') },
    error_rate: { service: ratio(rate(',http_response_status_code=~"5.."'), rate('')) },
    latency_p50: { service: hq('0.5') },
    latency_p95: { service: hq('0.95') },
    latency_p99: { service: hq('0.99') },
    ...RESOURCES,
  };
}

const NAMING_TEMPLATES: Record<Naming, () => QueryTemplates> = { default: appNaming, istio: istioNaming, linkerd: linkerdNaming, otel: otelNaming };

/**
 * `AEGIS_METRIC_TEMPLATES`: one naming or several, comma-separated. Several merge: each signal's query
 * is the PromQL `or` of theirs, so whichever naming the cluster exports answers.
 */
export function parseMetricTemplates(value: string | undefined): Naming[] {
  const names = (value ?? 'default').split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !(NAMINGS as readonly string[]).includes(n));
  if (unknown.length) throw new InputError(`AEGIS_METRIC_TEMPLATES: unknown naming ${unknown.join(', ')} (choose from ${NAMINGS.join(', ')})`);
  return names.length ? [...new Set(names as Naming[])] : ['default'];
}

export function namingTemplates(naming: Naming | readonly Naming[], overrides: Partial<QueryTemplates> = {}): QueryTemplates {
  const all = (typeof naming === 'string' ? [naming] : [...naming]).map((n) => NAMING_TEMPLATES[n]());
  const [first, ...rest] = all;
  if (!first) return { ...appNaming(), ...overrides };
  const merged = { ...first };
  for (const other of rest) {
    for (const metric of Object.keys(merged) as MetricName[]) {
      const a = merged[metric];
      const b = other[metric];
      if (a.service === b.service) continue;
      merged[metric] = { service: `(${a.service}) or (${b.service})`, ...(a.pod && b.pod ? { pod: `(${a.pod}) or (${b.pod})` } : a.pod ? { pod: a.pod } : b.pod ? { pod: b.pod } : {}) };
    }
  }
  return { ...merged, ...overrides };
}

const str = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
const re = (v: string) => str(v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));

/** Fills a template's placeholders for one (optional) namespace and service. */
export function renderTemplate(template: string, p: { namespace?: string; service?: string; windowSec: number }): string {
  const ns = p.namespace ? `,namespace="${str(p.namespace)}"` : '';
  return template
    .replaceAll('{ns}', ns)
    .replaceAll('{svc}', p.service ? `,service="${str(p.service)}"` : '')
    .replaceAll('{podre}', p.service ? `,pod=~"${re(p.service)}-[a-z0-9]{5,10}-[a-z0-9]{5}"` : '')
    .replaceAll('{istio_ns}', p.namespace ? `,destination_workload_namespace="${str(p.namespace)}"` : '')
    .replaceAll('{istio_svc}', p.service ? `,destination_workload="${str(p.service)}"` : '')
    .replaceAll('{otel_ns}', p.namespace ? `,k8s_namespace_name="${str(p.namespace)}"` : '')
    .replaceAll('{otel_svc}', p.service ? `,service_name="${str(p.service)}"` : '')
    .replaceAll('{linkerd_svc}', p.service ? `,deployment="${str(p.service)}"` : '')
    .replaceAll('{w}', `${Math.max(1, Math.round(p.windowSec))}s`);
}
