import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/**
 * P(the fixer's target is the root cause) from the RCA probability of that target. RCA's probabilities
 * rank well but are not frequencies (a right top-1 often carries p≈0.3–0.6), so they are mapped through
 * a two-parameter logistic (Platt) curve fitted on campaign runs held out from the ones scored
 * (`npm run bench:loop -- --fit-root-cause`, see the file's `fitted` record). No file: the RCA probability as it is.
 */
export const ROOT_CAUSE_CALIBRATION_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'root-cause-calibration.json');

export const rootCauseCalibrationSchema = z.object({
  method: z.literal('platt'),
  a: z.number(),
  b: z.number(),
  /** Where the parameters came from: the command, the seeds of the campaigns, how many samples. */
  fitted: z.object({ command: z.string(), seeds: z.array(z.number()), samples: z.number(), right: z.number() }),
});
export type RootCauseCalibration = z.infer<typeof rootCauseCalibrationSchema>;

/** A fixer decision on a target that showed something abnormal: the RCA probability, and whether the target was the faulty service. */
export interface RootCauseSample {
  p: number;
  right: boolean;
}

const EPS = 1e-4;
const logit = (p: number) => {
  const q = Math.min(1 - EPS, Math.max(EPS, p));
  return Math.log(q / (1 - q));
};
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

export type RootCauseCalibrator = (pRca: number) => number;

export function plattCalibrator(c: Pick<RootCauseCalibration, 'a' | 'b'>): RootCauseCalibrator {
  return (p) => sigmoid(c.a * logit(p) + c.b);
}

/** The shipped calibration; undefined when there is none (or it does not parse): the RCA probability is then used as it is. */
export function loadRootCauseCalibrator(file = ROOT_CAUSE_CALIBRATION_FILE): RootCauseCalibrator | undefined {
  try {
    return plattCalibrator(rootCauseCalibrationSchema.parse(JSON.parse(readFileSync(file, 'utf8'))));
  } catch {
    return undefined;
  }
}

/**
 * Platt scaling by Newton's method on the log loss, with a weak prior pulling toward the identity
 * (a=1, b=0) so a handful of samples, or samples that are all right, cannot drive it to certainty.
 */
export function fitPlatt(samples: RootCauseSample[], priorWeight = 1): { a: number; b: number } {
  let a = 1;
  let b = 0;
  for (let iter = 0; iter < 100; iter++) {
    // Gradient and Hessian of  Σ logloss + priorWeight/2 · ((a-1)² + b²).
    let ga = priorWeight * (a - 1);
    let gb = priorWeight * b;
    let haa = priorWeight;
    let hab = 0;
    let hbb = priorWeight;
    for (const s of samples) {
      const x = logit(s.p);
      const q = sigmoid(a * x + b);
      const d = q - (s.right ? 1 : 0);
      const w = q * (1 - q);
      ga += d * x;
      gb += d;
      haa += w * x * x;
      hab += w * x;
      hbb += w;
    }
    const det = haa * hbb - hab * hab;
    if (Math.abs(det) < 1e-12) break;
    const da = (hbb * ga - hab * gb) / det;
    const db = (haa * gb - hab * ga) / det;
    a -= da;
    b -= db;
    if (Math.abs(da) + Math.abs(db) < 1e-9) break;
  }
  return { a, b };
}
