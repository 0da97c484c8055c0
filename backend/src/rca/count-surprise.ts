/**
 * How surprising a count is against its baseline rate: (observed − expected) / √(expected + 1), a
 * Poisson-like z. The baseline count is add-one smoothed, so an event never seen in a short baseline is
 * only as surprising as the baseline was long: counts judged this way cannot make one chance event
 * "certain", as a rate series with a constant-zero baseline would.
 */
export function countSurprise(observed: number, baseCount: number, baseExposure: number, exposure: number): { z: number; expected: number } {
  const expected = ((baseCount + 1) / Math.max(1, baseExposure)) * exposure;
  return { z: (observed - expected) / Math.sqrt(expected + 1), expected };
}
