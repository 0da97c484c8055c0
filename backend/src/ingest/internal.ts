import { z } from 'zod';
import type { Severity } from '../store/types.js';
import type { Signal } from './signal.js';

/** What detection publishes on `anomalies` (only the fields ingestion reads). */
export const anomalyMessageSchema = z.object({
  id: z.string().min(1),
  namespace: z.string().default(''),
  service: z.string().min(1),
  metric: z.string().min(1),
  start: z.string().refine((s) => !Number.isNaN(Date.parse(s))),
  score: z.number().min(0).max(1),
  detectors: z.array(z.string()).default([]),
  group_id: z.string().default(''),
});
export type AnomalyMessage = z.infer<typeof anomalyMessageSchema>;

function anomalySeverity(score: number): Severity {
  if (score >= 0.97) return 'high';
  if (score >= 0.85) return 'medium';
  return 'low';
}

/** An Aegis anomaly fires a signal when it opens and resolves it when it closes. */
export function anomalySignal(a: AnomalyMessage, status: 'firing' | 'resolved'): Signal {
  return {
    source: 'anomaly',
    kind: 'alert',
    dedupe_key: `anomaly:${a.id}`,
    status,
    service: a.service,
    namespace: a.namespace || null,
    severity: anomalySeverity(a.score),
    title: `${a.metric} anomaly on ${a.service}`,
    summary: `anomaly score ${a.score.toFixed(2)} on ${a.metric} (${a.detectors.join(', ') || 'ensemble'})`,
    labels: { service: a.service, metric: a.metric },
    starts_at: new Date(a.start),
    group_hint: a.group_id || a.id,
    payload: { anomaly_id: a.id, metric: a.metric, score: a.score, detectors: a.detectors, group_id: a.group_id },
  };
}

/** A Kubernetes event as the collector reports it (structurally; only what ingestion reads). */
export interface KubeEventInput {
  namespace: string;
  uid: string;
  type: string;
  reason: string;
  message: string;
  object: { kind: string; name: string };
  count: number;
  firstSeen?: string;
  lastSeen?: string;
}

/** Warning reasons that mean a workload is failing; other events are noise for incident purposes. */
export const INCIDENT_REASONS: Record<string, Severity> = {
  OOMKilled: 'high',
  OOMKilling: 'high',
  CrashLoopBackOff: 'high',
  BackOff: 'medium',
  FailedScheduling: 'medium',
  FailedCreate: 'medium',
  FailedMount: 'medium',
  FailedAttachVolume: 'medium',
  Evicted: 'medium',
  Unhealthy: 'low',
  ErrImagePull: 'medium',
  ImagePullBackOff: 'medium',
  Failed: 'medium',
  ProgressDeadlineExceeded: 'high',
};

/** The workload a pod or replica set belongs to: `cart-7d9f8c6b5-x2k4q` → `cart`. */
export function workloadName(kind: string, name: string): string {
  if (kind === 'Pod') return name.replace(/-[a-z0-9]{6,10}-[a-z0-9]{5}$/, '').replace(/-[a-z0-9]{5}$/, '');
  if (kind === 'ReplicaSet') return name.replace(/-[a-z0-9]{6,10}$/, '');
  return name;
}

/** A Kubernetes warning that signals a failing workload, or undefined for everything else. */
export function kubernetesSignal(e: KubeEventInput, now: Date): Signal | undefined {
  const severity = INCIDENT_REASONS[e.reason];
  if (e.type !== 'Warning' || !severity) return undefined;
  const service = workloadName(e.object.kind, e.object.name);
  const first = e.firstSeen ?? e.lastSeen;
  return {
    source: 'kubernetes',
    kind: 'event',
    // An event object is reused (its count grows) while the condition lasts: one signal per event object.
    dedupe_key: `kubernetes:${e.namespace}:${e.uid || `${e.object.kind}/${e.object.name}/${e.reason}`}:${first ?? ''}`,
    status: 'firing',
    service,
    namespace: e.namespace || null,
    severity,
    title: `${e.reason} on ${service}`,
    summary: `${e.object.kind} ${e.object.name}: ${e.message}`.slice(0, 2000),
    labels: { reason: e.reason, kind: e.object.kind, object: e.object.name },
    starts_at: first ? new Date(first) : now,
    group_hint: service,
    payload: {
      reason: e.reason,
      message: e.message,
      object: e.object,
      count: e.count,
      first_seen: e.firstSeen,
      last_seen: e.lastSeen,
    },
  };
}
