import type { Severity } from '../store/types.js';

/** Where a signal came from: the webhooks, and Aegis's own detectors and collectors. */
export const SIGNAL_SOURCES = ['grafana', 'alertmanager', 'github', 'slack', 'anomaly', 'kubernetes'] as const;
export type SignalSource = (typeof SIGNAL_SOURCES)[number];

/**
 * One signal, whatever its source: what ingestion dedupes, groups into incidents and stores in
 * `incident_signals`. Alerts fire and later resolve; events (a deploy, a Kubernetes warning) happen once.
 */
export interface Signal {
  source: SignalSource;
  kind: 'alert' | 'event';
  /** The source's own identity of this signal: a re-delivery carries the same key. */
  dedupe_key: string;
  status: 'firing' | 'resolved';
  service: string | null;
  namespace: string | null;
  severity: Severity;
  title: string;
  summary: string;
  labels: Record<string, string>;
  starts_at: Date;
  /** Groups signals that name no service (e.g. the alert group), so they still land together. */
  group_hint: string;
  payload: unknown;
}

/** What happened to one submitted signal. */
export interface SignalOutcome {
  dedupe_key: string;
  result: 'opened' | 'joined' | 'duplicate' | 'resolved' | 'unmatched';
  incident_id?: string;
}

const SEVERITY_RANK: Record<Severity, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };

export function moreSevere(a: Severity, b: Severity): Severity {
  return SEVERITY_RANK[a] >= SEVERITY_RANK[b] ? a : b;
}

const SEVERITY_WORDS: Record<string, Severity> = {
  critical: 'critical',
  crit: 'critical',
  page: 'critical',
  p1: 'critical',
  emergency: 'critical',
  high: 'high',
  error: 'high',
  major: 'high',
  p2: 'high',
  warning: 'medium',
  warn: 'medium',
  medium: 'medium',
  p3: 'medium',
  low: 'low',
  minor: 'low',
  p4: 'low',
  info: 'info',
  informational: 'info',
  none: 'info',
};

/** Maps the severity words alerting rules use (critical, warning, P2…) onto Aegis severities. */
export function severityFromLabel(value: string | undefined, fallback: Severity = 'medium'): Severity {
  return (value && SEVERITY_WORDS[value.trim().toLowerCase()]) || fallback;
}

/** Labels that name the affected service, most specific first (Prometheus, Kubernetes and Grafana habits). */
const SERVICE_LABELS = ['service', 'service_name', 'app', 'app_kubernetes_io_name', 'k8s_app', 'deployment', 'job'];

export function serviceFromLabels(labels: Record<string, string>): string | null {
  for (const key of SERVICE_LABELS) {
    const value = labels[key]?.trim();
    if (value) return value;
  }
  return null;
}

export function namespaceFromLabels(labels: Record<string, string>): string | null {
  return labels.namespace?.trim() || labels.kubernetes_namespace?.trim() || null;
}
