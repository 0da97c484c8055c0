import { describe, expect, it } from 'vitest';
import type { DeploymentState } from './types.js';
import { advance, attributionDoubt, type Evaluated, startRecord } from './verification.js';
import type { CheckSpec } from './verify.js';

const state = { name: 'cart', namespace: 'shop', replicas: 1, pods: [{ ready: true }] } as unknown as DeploymentState;
const timing = { settleMs: 60_000, windowMs: 120_000, deadlineMs: 600_000 };
const ready: CheckSpec = { id: 'target-ready', description: 'ready', service: 'cart', metric: null };
const memory: CheckSpec = { id: 'trigger:cart:memory', description: 'memory', service: 'cart', metric: 'memory', direction: 'down', limit: 100, fault: true, latch: true };
const errors: CheckSpec = { id: 'errors:cart', description: 'errors', service: 'cart', metric: 'error_rate', direction: 'down', limit: 0.02, fault: true };
const at = (spec: CheckSpec, ok: boolean, observed: number | null = null): Evaluated => ({ spec, ok, observed });

describe('verification phases', () => {
  it('counts nothing while settling, then needs every check to hold for the window; a failure restarts it', () => {
    let rec = startRecord([ready, errors], [at(ready, true, 1), at(errors, false, 0.3)], state, timing, 0, false);
    expect(rec.failing_at_apply).toEqual(['errors:cart']);
    rec = advance(rec, [at(ready, true), at(errors, true)], state, 30_000, timing);
    expect(rec.phase).toBe('settling');
    rec = advance(rec, [at(ready, true), at(errors, true)], state, 60_000, timing);
    expect(rec.phase).toBe('checking');
    rec = advance(rec, [at(ready, true), at(errors, false)], state, 120_000, timing);
    expect(rec.window_until).toBeNull();
    rec = advance(rec, [at(ready, true), at(errors, true)], state, 150_000, timing);
    rec = advance(rec, [at(ready, true), at(errors, true)], state, 260_000, timing);
    expect(rec.phase).toBe('checking');
    rec = advance(rec, [at(ready, true), at(errors, true)], state, 270_000, timing);
    expect(rec.phase).toBe('passed');
    expect(attributionDoubt(rec, [])).toBeNull();
    expect(attributionDoubt(rec, ['restart-deployment on emailservice'])).toMatch(/another change/);
  });

  it('never passes with zero checks', () => {
    const rec = startRecord([], [], state, timing, 0, false);
    expect(advance(rec, [], state, 500_000, timing).phase).toBe('inconclusive');
  });

  it('latches a leak metric once a restart brought it down, though it grows again', () => {
    let rec = startRecord([ready, memory], [at(ready, true), at(memory, false, 300)], state, timing, 0, false);
    rec = advance(rec, [at(ready, true), at(memory, true, 50)], state, 60_000, timing);
    rec = advance(rec, [at(ready, true), at(memory, false, 120)], state, 120_000, timing);
    expect(rec.phase).toBe('checking');
    rec = advance(rec, [at(ready, true), at(memory, false, 160)], state, 190_000, timing);
    expect(rec.phase).toBe('passed');
  });
});
