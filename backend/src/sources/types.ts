/**
 * Ports every collector implements. Partial failure is data: a source answers `{ results, errors }`
 * and one broken target never blanks the rest.
 */
export interface CollectorError {
  source: string;
  message: string;
  /** What failed: a query, a namespace, a pod… */
  target?: string;
}

export interface CollectorResult<T> {
  results: T[];
  errors: CollectorError[];
}

/** Canonical signal names; Prometheus query templates map each to the naming a cluster uses. */
export const METRICS = [
  'request_rate',
  'error_rate',
  'latency_p50',
  'latency_p95',
  'latency_p99',
  'cpu',
  'memory',
  'restarts',
] as const;
export type MetricName = (typeof METRICS)[number];

export interface SeriesKey {
  namespace: string;
  service: string;
  metric: MetricName | string;
  /** Absent for service-level aggregates. */
  pod?: string;
}

/** Points are `[unix milliseconds, value]`, ascending; NaN marks a missing sample. */
export interface Series {
  key: SeriesKey;
  points: Array<[number, number]>;
}

export interface RangeQuery {
  namespace?: string;
  service?: string;
  metric?: string;
  /** Per-pod series instead of service aggregates. */
  perPod?: boolean;
  from: number;
  to: number;
  stepMs: number;
}

export interface MetricsSource {
  readonly name: string;
  listSeries(filter?: Omit<RangeQuery, 'from' | 'to' | 'stepMs'>): Promise<CollectorResult<SeriesKey>>;
  queryRange(query: RangeQuery): Promise<CollectorResult<Series>>;
}

export interface LogLine {
  /** unix milliseconds */
  t: number;
  namespace: string;
  service: string;
  pod: string;
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
}

export interface LogSource {
  readonly name: string;
  queryLogs(query: {
    namespace?: string;
    service?: string;
    pod?: string;
    from: number;
    to: number;
    limit?: number;
  }): Promise<CollectorResult<LogLine>>;
}

/** One span (times in unix ms, fractional), as Tempo or the simulator returns it. */
export interface TraceSpan {
  traceId: string;
  spanId: string;
  /** '' for a root span. */
  parentId: string;
  service: string;
  pod?: string;
  operation: string;
  start: number;
  end: number;
  error: boolean;
}

export interface TraceQuery {
  /** unix ms */
  from: number;
  to: number;
  /** Only traces that touch this service. */
  service?: string;
  /** Most traces to fetch. */
  limit?: number;
}

/** Where RCA gets spans from: Tempo (AEGIS_TEMPO_URL) or the simulator. */
export interface TraceSource {
  readonly name: string;
  querySpans(q: TraceQuery): Promise<CollectorResult<TraceSpan>>;
}
