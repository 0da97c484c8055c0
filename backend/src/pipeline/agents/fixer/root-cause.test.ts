import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { honestConfidence } from './confidence.js';
import { fitPlatt, loadRootCauseCalibrator, plattCalibrator, type RootCauseSample } from './root-cause.js';

const leak = [1, 0.8, 0, 0.1, 0, 0, 0, 0];

/** RCA probabilities that rank well but understate: targets at p≈0.3–0.6 were right 9 times in 10. */
function underconfident(): RootCauseSample[] {
  const out: RootCauseSample[] = [];
  for (let i = 0; i < 40; i++) out.push({ p: 0.3 + (i % 4) * 0.1, right: i % 10 !== 0 });
  for (let i = 0; i < 10; i++) out.push({ p: 0.05 + (i % 2) * 0.05, right: i % 5 === 0 });
  return out;
}

describe('root-cause calibration', () => {
  it('maps understated RCA probabilities to how often such targets were right', () => {
    const cal = plattCalibrator(fitPlatt(underconfident()));
    expect(cal(0.45)).toBeGreaterThan(0.8);
    expect(cal(0.45)).toBeLessThan(0.97);
    expect(cal(0.07)).toBeLessThan(0.4);
    expect(cal(0.3)).toBeLessThan(cal(0.6));
  });

  it('stays short of certainty when every sample was right (a weak prior toward the identity)', () => {
    const cal = plattCalibrator(fitPlatt(Array.from({ length: 20 }, () => ({ p: 0.5, right: true }))));
    expect(cal(0.5)).toBeGreaterThan(0.6);
    expect(cal(0.5)).toBeLessThan(0.99);
  });

  it('is the identity with no samples', () => {
    const cal = plattCalibrator(fitPlatt([]));
    for (const p of [0.1, 0.5, 0.9]) expect(cal(p)).toBeCloseTo(p, 6);
  });

  it('confidence uses the calibrated root-cause probability and says so; no file means the RCA probability as it is', () => {
    const cal = plattCalibrator(fitPlatt(underconfident()));
    const c = honestConfidence({ pRootCause: 0.45, calibrateRoot: cal, pAction: 0.9, features: leak, leverage: 0.05, whatIf: null });
    expect(c.pRootCause).toBeCloseTo(cal(0.45), 6);
    expect(c.value).toBeCloseTo(cal(0.45) * 0.9, 6);
    expect(c.notes.join(' ')).toMatch(/held-out campaigns/);
    const dir = mkdtempSync(path.join(tmpdir(), 'aegis-rc-'));
    expect(loadRootCauseCalibrator(path.join(dir, 'missing.json'))).toBeUndefined();
    writeFileSync(path.join(dir, 'bad.json'), '{"method":"isotonic"}');
    expect(loadRootCauseCalibrator(path.join(dir, 'bad.json'))).toBeUndefined();
  });
});
