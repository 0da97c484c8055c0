/**
 * What a metric measures, guessed from its name, and which direction of change is bad. The ranker
 * treats latency differently from resources because latency propagates from callee to caller.
 */
export type MetricKind =
  | 'latency'
  | 'inbound-latency'
  | 'outbound-latency'
  /** Time spent in the service itself or on its network (from traces): does not propagate to callers. */
  | 'exclusive-latency'
  | 'errors'
  | 'success'
  | 'cpu'
  | 'memory'
  | 'network'
  | 'io'
  | 'traffic'
  | 'restarts'
  | 'other';

/** +1: only increases are anomalous; -1: only decreases; 0: both. */
export type Direction = 1 | -1 | 0;

const RULES: Array<[RegExp, MetricKind]> = [
  [/success/i, 'success'],
  [/error|fail|5xx|exception/i, 'errors'],
  [/exclusive|networkgap/i, 'exclusive-latency'],
  [/inbound/i, 'inbound-latency'],
  [/client.*(latency|duration)|outbound/i, 'outbound-latency'],
  [/latency|duration|response.?time|\bp(50|90|95|99)\b/i, 'latency'],
  [/restart|crash|oom/i, 'restarts'],
  [/cpu/i, 'cpu'],
  [/mem/i, 'memory'],
  [/network|bytes|receive|transmit|packet/i, 'network'],
  [/syscall|disk|\bio\b|fs_/i, 'io'],
  [/workload|ops|request_rate|rps|qps|throughput|requests/i, 'traffic'],
];

/** Metric names repeat across services and passes: the regexes run once per name. */
const KIND_CACHE = new Map<string, MetricKind>();

export function metricKind(metric: string): MetricKind {
  let kind = KIND_CACHE.get(metric);
  if (kind === undefined) {
    kind = RULES.find(([re]) => re.test(metric))?.[1] ?? 'other';
    if (KIND_CACHE.size < 10_000) KIND_CACHE.set(metric, kind);
  }
  return kind;
}

export function badDirection(kind: MetricKind): Direction {
  switch (kind) {
    case 'success':
      return -1;
    case 'traffic':
    case 'network':
    case 'io':
    case 'other':
      return 0;
    default:
      return 1;
  }
}

/** Latency-like kinds: their anomalies travel up the call graph, from callee to caller. */
export function isLatencyKind(kind: MetricKind): boolean {
  return kind === 'latency' || kind === 'inbound-latency' || kind === 'outbound-latency' || kind === 'errors' || kind === 'success';
}
