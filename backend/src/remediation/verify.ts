import type { MetricsSource } from '../sources/types.js';
import type { DeploymentState, Trigger } from './types.js';

export interface MetricCheck {
  service: string;
  metric: string;
  value: number | null;
  threshold: number;
  ok: boolean;
}

export interface VerificationCheck {
  rolloutComplete: boolean;
  podsReady: boolean;
  metric: MetricCheck | null;
  /** Why the metric was not checked, when it was not. */
  note?: string;
}

/** The rollout finished: the controller saw the new spec and every desired pod is updated, ready and alone. */
export function rolloutComplete(s: DeploymentState): boolean {
  return (
    s.observedGeneration >= s.generation &&
    s.updatedReplicas >= s.replicas &&
    s.availableReplicas >= s.replicas &&
    s.pods.length === s.replicas
  );
}

export function podsReady(s: DeploymentState): boolean {
  return s.pods.length >= s.replicas && s.pods.every((p) => p.ready);
}

/** Recovered = back within a quarter of the way from the baseline to the level that triggered the action. */
export function recoveryThreshold(t: Trigger): number {
  const span = Math.abs(t.observed - t.baseline);
  return t.direction === 'down' ? t.baseline + 0.25 * span : t.baseline - 0.25 * span;
}

export async function checkMetric(metrics: MetricsSource, t: Trigger, nowMs: number, stepMs = 15_000): Promise<MetricCheck> {
  const threshold = recoveryThreshold(t);
  const got = await metrics.queryRange({ service: t.service, metric: t.metric, from: nowMs - 8 * stepMs, to: nowMs, stepMs });
  const points = got.results.find((s) => s.key.service === t.service && !s.key.pod)?.points ?? [];
  const recent = points.map((p) => p[1]).filter((v) => Number.isFinite(v)).slice(-2);
  if (!recent.length) return { service: t.service, metric: t.metric, value: null, threshold, ok: false };
  const value = Math.max(...recent.map((v) => (t.direction === 'down' ? v : -v))) * (t.direction === 'down' ? 1 : -1);
  const ok = t.direction === 'down' ? value <= threshold : value >= threshold;
  return { service: t.service, metric: t.metric, value, threshold, ok };
}
