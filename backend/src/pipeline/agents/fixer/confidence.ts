/**
 * A proposal's confidence: the chance that its target is the root cause times the chance that the action
 * recovers it, discounted when the target looks normal, when the situation is unlike anything the model
 * learned from, and zero when the what-if run says no candidate helps.
 */
export interface ConfidenceInput {
  /** RCA probability that the target is the root cause (null: no ranking). */
  pRootCause: number | null;
  /** Maps the RCA probability to the observed frequency of a right target (absent: taken as it is). */
  calibrateRoot?: (pRca: number) => number;
  /** Calibrated chance that the action recovers the target (the learned policy). */
  pAction: number;
  /** The fault signature (bias first). */
  features: number[];
  /** sqrt(xᵀA⁻¹x) of the chosen action's model: large = few similar outcomes behind the estimate. */
  leverage: number;
  /** What-if on a simulator copy: null when it could not run. */
  whatIf: { chosenRecovers: boolean | null; anyRecovers: boolean } | null;
}

export interface Confidence {
  value: number;
  pRootCause: number;
  pAction: number;
  /** Why the fixer should propose nothing (null: it may propose). */
  abstain: string | null;
  notes: string[];
}

/** Below this the fixer proposes nothing: a person decides better than a guess. */
export const PROPOSE_THRESHOLD = 0.15;
/** With no ranking, the target is one of a handful of suspects. */
const UNRANKED_PRIOR = 0.3;
/** Signature strength below which the target shows nothing abnormal. */
export const NORMAL_SIGNATURE = 0.1;
/** Leverage above which the estimate rests on too few similar outcomes. */
const OOD_LEVERAGE = 0.35;

/** The strongest abnormal feature of a signature (not the bias, not "a deploy happened"). */
export function abnormality(features: number[]): number {
  const [, memory = 0, errors = 0, latency = 0, cpu = 0, restarts = 0, , skew = 0] = features;
  return Math.max(memory, errors, latency, cpu, restarts, skew);
}

export function honestConfidence(i: ConfidenceInput): Confidence {
  const notes: string[] = [];
  const pRoot = i.pRootCause === null ? UNRANKED_PRIOR : clamp01(i.calibrateRoot ? i.calibrateRoot(i.pRootCause) : i.pRootCause);
  if (i.pRootCause === null) notes.push(`no RCA ranking: the target is taken as one suspect among several (p=${UNRANKED_PRIOR})`);
  else if (i.calibrateRoot) notes.push(`RCA gives the target p=${i.pRootCause.toFixed(2)}; targets ranked so were the root cause ${(pRoot * 100).toFixed(0)}% of the time in held-out campaigns`);
  let pAction = i.pAction;
  let abstain: string | null = null;
  if (abnormality(i.features) < NORMAL_SIGNATURE) {
    pAction *= 0.1;
    abstain = 'the target shows nothing abnormal in its metrics';
  }
  if (i.leverage > OOD_LEVERAGE) {
    pAction *= 0.3;
    notes.push(`the situation is unlike the outcomes the model learned from (leverage ${i.leverage.toFixed(2)})`);
  }
  if (i.whatIf) {
    if (!i.whatIf.anyRecovers) {
      pAction = Math.min(pAction, 0.02);
      abstain ??= 'the what-if run says no candidate action recovers the target';
    } else if (i.whatIf.chosenRecovers) {
      pAction = Math.max(pAction, 0.85);
      notes.push('the what-if run recovered the target with this action');
    }
  }
  const value = clamp01(pRoot * pAction);
  if (!abstain && value < PROPOSE_THRESHOLD) abstain = `confidence ${(value * 100).toFixed(0)}% (root cause ${(pRoot * 100).toFixed(0)}% × action ${(pAction * 100).toFixed(0)}%) is below ${PROPOSE_THRESHOLD * 100}%`;
  return { value, pRootCause: pRoot, pAction, abstain, notes };
}

const clamp01 = (v: number) => Math.min(1, Math.max(0, Number.isFinite(v) ? v : 0));
