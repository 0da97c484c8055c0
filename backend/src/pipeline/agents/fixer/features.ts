import type { MetricsSource } from '../../../sources/types.js';

/** The fault signature the fixer learns from: one number per name, all roughly in [0, 2]. */
export const FEATURE_NAMES = [
  'bias',
  'memory_growth',
  'error_jump',
  'latency_ratio',
  'cpu_pressure',
  'restarts',
  'recent_change',
  'pod_skew',
] as const;
export type FeatureName = (typeof FEATURE_NAMES)[number];

export interface Signature {
  service: string;
  features: number[];
  /** Readable values behind the features (shown in the plan). */
  observed: Record<string, number | null>;
  baseline: Record<string, number | null>;
}

const MIN = 60_000;
const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, Number.isFinite(v) ? v : 0));
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
const finite = (ps: Array<[number, number]>) => ps.map((p) => p[1]).filter((v) => Number.isFinite(v));

/**
 * Compares the last few minutes of a service with the hour before the incident. `recentChange` says
 * whether the deployment's template (image or env) changed shortly before: a deploy, not a restart.
 */
export async function faultSignature(
  metrics: MetricsSource,
  service: string,
  atMs: number,
  opts: { recentChange: boolean; incidentStartMs?: number; namespace?: string },
): Promise<Signature> {
  const start = opts.incidentStartMs ?? atMs - 10 * MIN;
  const step = MIN / 4;
  const base = await metrics.queryRange({ namespace: opts.namespace, service, from: start - 60 * MIN, to: start - 2 * MIN, stepMs: MIN });
  const cur = await metrics.queryRange({ namespace: opts.namespace, service, from: atMs - 2 * MIN, to: atMs, stepMs: step });
  const pick = (res: typeof base, metric: string, how: 'mean' | 'last' | 'max') => {
    const vs = finite(res.results.find((s) => s.key.metric === metric && !s.key.pod)?.points ?? []);
    if (!vs.length) return NaN;
    return how === 'mean' ? mean(vs) : how === 'max' ? Math.max(...vs) : (vs[vs.length - 1] as number);
  };
  const b = {
    memory: pick(base, 'memory', 'mean'),
    error_rate: pick(base, 'error_rate', 'mean'),
    latency_p99: pick(base, 'latency_p99', 'mean'),
    cpu: pick(base, 'cpu', 'mean'),
    restarts: pick(base, 'restarts', 'last'),
  };
  const c = {
    memory: pick(cur, 'memory', 'last'),
    error_rate: pick(cur, 'error_rate', 'mean'),
    latency_p99: pick(cur, 'latency_p99', 'mean'),
    cpu: pick(cur, 'cpu', 'mean'),
    restarts: pick(cur, 'restarts', 'max'),
  };
  const podSkew = await podLatencySkew(metrics, service, atMs, opts.namespace);
  const features = [
    1,
    clamp(c.memory / b.memory - 1, 0, 2),
    clamp((c.error_rate - b.error_rate) * 8, 0, 2),
    clamp(Math.log2(c.latency_p99 / b.latency_p99) / 2, 0, 2),
    clamp((c.cpu / b.cpu - 1) / 1.5, 0, 2),
    clamp((c.restarts - b.restarts) / 5, 0, 2),
    opts.recentChange ? 1 : 0,
    podSkew,
  ];
  const nul = (v: number) => (Number.isFinite(v) ? v : null);
  return {
    service,
    features,
    observed: Object.fromEntries(Object.entries(c).map(([k, v]) => [k, nul(v)])),
    baseline: Object.fromEntries(Object.entries(b).map(([k, v]) => [k, nul(v)])),
  };
}

/** One slow pod among healthy ones (a bad node) looks different from a slow service. */
async function podLatencySkew(metrics: MetricsSource, service: string, atMs: number, namespace?: string): Promise<number> {
  const res = await metrics.queryRange({ namespace, service, metric: 'latency_p99', perPod: true, from: atMs - 2 * MIN, to: atMs, stepMs: MIN / 4 });
  const perPod = res.results.map((s) => mean(finite(s.points))).filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (perPod.length < 2) return 0;
  const median = perPod[Math.floor((perPod.length - 1) / 2)] as number;
  return clamp(Math.log2((perPod[perPod.length - 1] as number) / median) / 2, 0, 2);
}

/** Which metric proves recovery for a signature: the one that moved most. */
export function triggeringMetric(sig: Signature): { metric: string; baseline: number; observed: number } | undefined {
  const candidates: Array<[string, number]> = [
    ['memory', sig.features[1] ?? 0],
    ['error_rate', sig.features[2] ?? 0],
    ['latency_p99', sig.features[3] ?? 0],
    ['cpu', sig.features[4] ?? 0],
  ];
  const [metric, score] = candidates.sort((a, b) => b[1] - a[1])[0] ?? ['', 0];
  const baseline = sig.baseline[metric];
  const observed = sig.observed[metric];
  if (score <= 0.05 || baseline === null || baseline === undefined || observed === null || observed === undefined) return undefined;
  return { metric, baseline, observed };
}
