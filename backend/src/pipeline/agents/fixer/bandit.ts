/**
 * A linear contextual bandit (LinUCB-style ridge regression per action) over the fault signature.
 * It predicts, per action, the chance that the service recovers within the horizon and the expected
 * reward (recovery, discounted by time to recover); `update` folds in one observed outcome.
 */
export const FIXER_ACTIONS = ['restart-deployment', 'rollback-deployment', 'scale-out', 'delete-pod', 'none'] as const;
export type FixerAction = (typeof FIXER_ACTIONS)[number];

export interface Outcome {
  features: number[];
  action: string;
  success: boolean;
  /** Time from action to recovery, when it recovered. */
  recoveryMs: number | null;
}

export interface ActionEstimate {
  action: string;
  /** Raw linear estimate of success, clipped to [0, 1]. */
  pSuccess: number;
  /** Expected reward (success discounted by time to recovery). */
  reward: number;
  /** Exploration bonus (uncertainty). */
  bonus: number;
  /** sqrt(xᵀA⁻¹x): how far the context is from the outcomes this arm learned from. */
  leverage: number;
  /** Outcomes this estimate rests on. */
  n: number;
}

export interface BanditState {
  version: 1;
  dim: number;
  lambda: number;
  horizonMs: number;
  arms: Record<string, { A: number[]; bSuccess: number[]; bReward: number[]; n: number }>;
  /** Isotonic calibration of pSuccess: ascending breakpoints. */
  calibration: Array<[number, number]>;
}

export interface Bandit {
  estimate(features: number[], actions?: readonly string[]): ActionEstimate[];
  update(o: Outcome): void;
  /** Calibrated probability of success for a raw estimate. */
  calibrate(p: number): number;
  fitCalibration(pairs: Array<{ p: number; success: boolean }>): void;
  state(): BanditState;
}

export function rewardOf(o: Pick<Outcome, 'success' | 'recoveryMs'>, horizonMs: number): number {
  if (!o.success) return 0;
  return 1 - 0.5 * Math.min(1, (o.recoveryMs ?? horizonMs) / horizonMs);
}

export function createBandit(opts: { dim: number; lambda?: number; horizonMs: number; state?: BanditState; alpha?: number }): Bandit {
  const st: BanditState = opts.state ?? { version: 1, dim: opts.dim, lambda: opts.lambda ?? 1, horizonMs: opts.horizonMs, arms: {}, calibration: [] };
  const alpha = opts.alpha ?? 0.2;
  const d = st.dim;
  const arm = (a: string) => {
    let x = st.arms[a];
    if (!x) {
      x = { A: identity(d, st.lambda), bSuccess: zeros(d), bReward: zeros(d), n: 0 };
      st.arms[a] = x;
    }
    return x;
  };
  const inverses = new Map<string, number[]>();
  const inv = (a: string) => {
    let m = inverses.get(a);
    if (!m) {
      m = invert(arm(a).A, d);
      inverses.set(a, m);
    }
    return m;
  };
  return {
    estimate(x, actions = FIXER_ACTIONS) {
      return actions.map((a) => {
        const Ainv = inv(a);
        const s = arm(a);
        const ax = matVec(Ainv, x, d);
        const theta = matVec(Ainv, s.bSuccess, d);
        const thetaR = matVec(Ainv, s.bReward, d);
        return {
          action: a,
          pSuccess: clip01(dot(theta, x)),
          reward: clip01(dot(thetaR, x)),
          bonus: alpha * Math.sqrt(Math.max(0, dot(x, ax))),
          leverage: Math.sqrt(Math.max(0, dot(x, ax))),
          n: s.n,
        };
      });
    },
    update(o) {
      const s = arm(o.action);
      for (let i = 0; i < d; i++) {
        for (let j = 0; j < d; j++) s.A[i * d + j] = (s.A[i * d + j] ?? 0) + (o.features[i] ?? 0) * (o.features[j] ?? 0);
        s.bSuccess[i] = (s.bSuccess[i] ?? 0) + (o.success ? 1 : 0) * (o.features[i] ?? 0);
        s.bReward[i] = (s.bReward[i] ?? 0) + rewardOf(o, st.horizonMs) * (o.features[i] ?? 0);
      }
      s.n++;
      inverses.delete(o.action);
    },
    calibrate(p) {
      return interpolate(st.calibration, p);
    },
    fitCalibration(pairs) {
      st.calibration = isotonic(pairs.map((x) => [x.p, x.success ? 1 : 0]));
    },
    state: () => structuredClone(st),
  };
}

const clip01 = (v: number) => Math.min(1, Math.max(0, Number.isFinite(v) ? v : 0));
const zeros = (n: number) => Array.from({ length: n }, () => 0);
const identity = (n: number, s: number) => Array.from({ length: n * n }, (_, k) => (k % (n + 1) === 0 ? s : 0));
const dot = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * (b[i] ?? 0), 0);
function matVec(m: number[], v: number[], d: number): number[] {
  const out = zeros(d);
  for (let i = 0; i < d; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += (m[i * d + j] ?? 0) * (v[j] ?? 0);
    out[i] = s;
  }
  return out;
}

/** Gauss-Jordan inverse of a small symmetric positive-definite matrix. */
function invert(m: number[], d: number): number[] {
  const a = [...m];
  const r = identity(d, 1);
  for (let c = 0; c < d; c++) {
    let p = c;
    for (let i = c + 1; i < d; i++) if (Math.abs(a[i * d + c] ?? 0) > Math.abs(a[p * d + c] ?? 0)) p = i;
    if (p !== c) for (let j = 0; j < d; j++) {
      [a[c * d + j], a[p * d + j]] = [a[p * d + j] ?? 0, a[c * d + j] ?? 0];
      [r[c * d + j], r[p * d + j]] = [r[p * d + j] ?? 0, r[c * d + j] ?? 0];
    }
    const piv = a[c * d + c] ?? 1;
    for (let j = 0; j < d; j++) {
      a[c * d + j] = (a[c * d + j] ?? 0) / piv;
      r[c * d + j] = (r[c * d + j] ?? 0) / piv;
    }
    for (let i = 0; i < d; i++) {
      if (i === c) continue;
      const f = a[i * d + c] ?? 0;
      if (f === 0) continue;
      for (let j = 0; j < d; j++) {
        a[i * d + j] = (a[i * d + j] ?? 0) - f * (a[c * d + j] ?? 0);
        r[i * d + j] = (r[i * d + j] ?? 0) - f * (r[c * d + j] ?? 0);
      }
    }
  }
  return r;
}

/** Pool-adjacent-violators: a non-decreasing map from raw score to observed frequency. */
export function isotonic(points: Array<[number, number]>): Array<[number, number]> {
  const sorted = [...points].sort((a, b) => a[0] - b[0]);
  const blocks: Array<{ x: number; y: number; w: number }> = [];
  for (const [x, y] of sorted) {
    blocks.push({ x, y, w: 1 });
    while (blocks.length > 1) {
      const b = blocks[blocks.length - 1] as { x: number; y: number; w: number };
      const a = blocks[blocks.length - 2] as { x: number; y: number; w: number };
      if (a.y <= b.y) break;
      blocks.splice(-2, 2, { x: (a.x * a.w + b.x * b.w) / (a.w + b.w), y: (a.y * a.w + b.y * b.w) / (a.w + b.w), w: a.w + b.w });
    }
  }
  return blocks.map((b) => [b.x, b.y]);
}

function interpolate(curve: Array<[number, number]>, x: number): number {
  if (!curve.length) return x;
  const first = curve[0] as [number, number];
  const last = curve[curve.length - 1] as [number, number];
  if (x <= first[0]) return first[1];
  if (x >= last[0]) return last[1];
  for (let i = 1; i < curve.length; i++) {
    const [x1, y1] = curve[i] as [number, number];
    const [x0, y0] = curve[i - 1] as [number, number];
    if (x <= x1) return y0 + ((y1 - y0) * (x - x0)) / (x1 - x0 || 1);
  }
  return last[1];
}
