import type { ServiceEdge } from '../graph/port.js';
import type { MetricKind } from './metric-kinds.js';

/** One metric of one service; times are unix milliseconds, ascending; NaN marks a missing sample. */
export interface MetricSeriesInput {
  service: string;
  metric: string;
  times: readonly number[];
  values: readonly number[];
  /** Where the series came from (default "metrics"; trace features say "traces"). */
  source?: EvidenceSource;
}

/**
 * An anomaly reported by detection (which lives elsewhere): only what RCA needs. `score` is in [0, 1]
 * as detectors report it.
 */
export interface AnomalyEventInput {
  service: string;
  metric: string;
  /** unix ms of the anomaly's onset */
  at: number;
  score: number;
}

/** A deploy, config change, scale or restart seen in Kubernetes events. */
export interface ChangeEventInput {
  service: string;
  /** unix ms */
  at: number;
  kind: string;
  description: string;
}

/** One log line, as Loki returns it (time in unix ms). */
export interface LogLineInput {
  time: number;
  service: string;
  message: string;
}

/** One span, as Tempo returns it (times in unix ms, fractional). `error` when the span's status says so. */
export interface SpanInput {
  traceId: string;
  spanId: string;
  /** '' for a root span. */
  parentId: string;
  service: string;
  operation: string;
  start: number;
  end: number;
  error?: boolean;
}

/** Where a piece of evidence came from. */
export type EvidenceSource = 'metrics' | 'logs' | 'traces' | 'detection' | 'events' | 'history';

export interface RcaInput {
  /** unix ms when the incident's symptoms started (the case's `anomaly_time`). */
  anomalyTime: number;
  /** unix ms; data before it is ignored. */
  windowStart?: number;
  series?: readonly MetricSeriesInput[];
  anomalies?: readonly AnomalyEventInput[];
  /** Call edges caller → callee; absent or partial graphs are fine. */
  edges?: readonly ServiceEdge[];
  /** Extra candidate services (e.g. every node of the graph). */
  services?: readonly string[];
  changes?: readonly ChangeEventInput[];
  /** Learned from confirmed root causes: relative prior weight per service (1 = neutral). */
  priors?: Readonly<Record<string, number>>;
  /** Log lines of the window (Loki); mined into error templates per service. */
  logs?: readonly LogLineInput[];
  /** Spans of the window (Tempo); turned into per-service and per-edge rate, errors and latency. */
  spans?: readonly SpanInput[];
}

export type Evidence =
  | {
      kind: 'anomaly';
      metric: string;
      metricKind: MetricKind;
      /** robust z-score of the persistent deviation */
      z: number;
      baseline: number;
      observed: number;
      /** unix ms of the first point beyond the threshold */
      onset?: number;
      source: EvidenceSource;
      summary: string;
    }
  | { kind: 'propagation'; path: string[]; summary: string }
  | { kind: 'change'; at: number; change: string; summary: string }
  | { kind: 'history'; prior: number; summary: string };

export interface RankedCause {
  service: string;
  /** The metric that shows it best. */
  metric?: string;
  score: number;
  probability: number;
  evidence: Evidence[];
  /** Which kinds of telemetry the row's evidence came from, e.g. ["metrics","traces"] (absent on analyses stored before it existed). */
  sources?: EvidenceSource[];
  explanation: string;
}

export interface RcaResult {
  /** Sorted by probability, highest first. */
  ranking: RankedCause[];
  /** unix ms: when the fault started, estimated from the data (change point), not the alert time. */
  faultTime: number;
  /** Problems with the input that did not stop the analysis (missing columns, empty windows…). */
  warnings: string[];
  /**
   * Evidence strength per service before priors: the incident's fingerprint, compared with past
   * incidents' to weigh what was confirmed then.
   */
  signature: Record<string, number>;
}
