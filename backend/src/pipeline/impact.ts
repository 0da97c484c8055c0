import type { CollectorResult, Series } from '../sources/types.js';
import type { Severity } from '../store/types.js';

const MIN = 60_000;
const RANK: Severity[] = ['info', 'low', 'medium', 'high', 'critical'];

export const moreSevere = (a: Severity, b: Severity): Severity => (RANK.indexOf(a) >= RANK.indexOf(b) ? a : b);

export interface ServiceImpact {
  service: string;
  /** Called by no other service: what users hit. */
  userFacing: boolean;
  errorRate: number | null;
  /** p99 latency now over its level in the hour before. */
  latencyRatio: number | null;
}

/**
 * Severity from impact: errors and latency where users feel them, and how many services suffer.
 * critical: users see ≥ 10% errors, or any service fails half its requests; high: a service at ≥ 10%
 * errors, users' p99 ≥ 3× normal, or three services at ≥ 5% errors; medium: ≥ 2% errors or p99 ≥ 2×.
 */
export function severityFromImpact(impacts: ServiceImpact[]): { severity: Severity; reason: string } {
  const err = (i: ServiceImpact) => i.errorRate ?? 0;
  const lat = (i: ServiceImpact) => i.latencyRatio ?? 1;
  const worst = [...impacts].sort((a, b) => err(b) - err(a))[0];
  const users = impacts.filter((i) => i.userFacing);
  const failing = impacts.filter((i) => err(i) >= 0.05);
  const pct = (v: number) => `${(v * 100).toFixed(0)}%`;
  if (users.some((i) => err(i) >= 0.1)) return { severity: 'critical', reason: `users see ${pct(Math.max(...users.map(err)))} errors` };
  if (worst && err(worst) >= 0.5) return { severity: 'critical', reason: `${worst.service} fails ${pct(err(worst))} of its requests` };
  if (worst && err(worst) >= 0.1) return { severity: 'high', reason: `${worst.service} fails ${pct(err(worst))} of its requests` };
  if (users.some((i) => lat(i) >= 3)) return { severity: 'high', reason: `users' p99 latency is ${Math.max(...users.map(lat)).toFixed(1)}× normal` };
  if (failing.length >= 3) return { severity: 'high', reason: `${failing.length} services fail ≥ 5% of requests` };
  if (worst && err(worst) >= 0.02) return { severity: 'medium', reason: `${worst.service} fails ${pct(err(worst))} of its requests` };
  if (impacts.some((i) => lat(i) >= 2)) return { severity: 'medium', reason: 'p99 latency is at least twice its normal level' };
  return { severity: 'low', reason: 'no user-visible errors or latency' };
}

type Query = (q: { service: string; metric: string; from: number; to: number; step_ms: number }) => Promise<CollectorResult<Series>>;

const meanOf = (r: CollectorResult<Series>, service: string) => {
  const vs = (r.results.find((s) => s.key.service === service && !s.key.pod)?.points ?? []).map((p) => p[1]).filter((v) => Number.isFinite(v));
  return vs.length ? vs.reduce((a, b) => a + b, 0) / vs.length : null;
};

/** Reads the last few minutes of each service (and its latency an hour before the incident). */
export async function measureImpact(query: Query, services: Array<{ service: string; userFacing: boolean }>, startedAt: number, nowMs: number): Promise<ServiceImpact[]> {
  const out: ServiceImpact[] = [];
  for (const { service, userFacing } of services) {
    const recent = { service, from: nowMs - 3 * MIN, to: nowMs, step_ms: 15_000 };
    const errorRate = meanOf(await query({ ...recent, metric: 'error_rate' }), service);
    const p99 = meanOf(await query({ ...recent, metric: 'latency_p99' }), service);
    const base = meanOf(await query({ service, metric: 'latency_p99', from: startedAt - 60 * MIN, to: startedAt - 2 * MIN, step_ms: MIN }), service);
    out.push({ service, userFacing, errorRate, latencyRatio: p99 !== null && base ? p99 / base : null });
  }
  return out;
}
