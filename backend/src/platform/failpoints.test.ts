import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../config/index.js';
import { InputError } from './errors.js';
import { configureFailpoints, failpoint, FAILPOINTS, parseFailpoints } from './failpoints.js';

afterEach(() => {
  configureFailpoints(undefined);
});

describe('failpoints', () => {
  it('do nothing unless armed', () => {
    const kill = vi.fn();
    configureFailpoints('', { kill });
    for (const name of FAILPOINTS) failpoint(name);
    expect(kill).not.toHaveBeenCalled();
  });

  it('crash at the named points only, saying which one fired first', () => {
    const kill = vi.fn();
    const fired: string[] = [];
    const armed = configureFailpoints(' remediation.after-apply , ingest.after-commit=kill', { kill, onFire: (n) => fired.push(n) });
    expect(armed).toEqual(['remediation.after-apply', 'ingest.after-commit']);
    failpoint('remediation.after-approve');
    expect(kill).not.toHaveBeenCalled();
    failpoint('remediation.after-apply');
    failpoint('ingest.after-commit');
    expect(kill).toHaveBeenCalledTimes(2);
    expect(fired).toEqual(['remediation.after-apply', 'ingest.after-commit']);
  });

  it('refuse an unknown name or action instead of silently never firing', () => {
    expect(() => parseFailpoints('remediation.after-aply')).toThrow(InputError);
    expect(() => parseFailpoints('remediation.after-apply=pause')).toThrow(/unknown failpoint action/);
    expect(() => loadConfig({ AEGIS_FAILPOINTS: 'ingest.nope' })).toThrow(/AEGIS_FAILPOINTS: unknown failpoint "ingest.nope"/);
    expect(loadConfig({ AEGIS_FAILPOINTS: 'ingest.after-parse' }).AEGIS_FAILPOINTS).toBe('ingest.after-parse');
  });

  it('name every point once', () => {
    expect(new Set(FAILPOINTS).size).toBe(FAILPOINTS.length);
  });
});
