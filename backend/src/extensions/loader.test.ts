import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../platform/logger.js';
import { loadExtensions } from './loader.js';
import { createExtensionRegistries } from './registries.js';

describe('extension loader', () => {
  it('lets user modules register into the typed registries, in file-name order', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'aegis-ext-'));
    await writeFile(
      path.join(dir, '10-detector.mjs'),
      "export default (r) => r.detectors.register({ id: 'always-calm', description: 'test', score: () => 0 });",
    );
    await writeFile(path.join(dir, '20-rule.js'), "export default (r) => r.iacRules.register({ id: 'custom-rule' });");
    await writeFile(path.join(dir, 'notes.txt'), 'not a module');
    const registries = createExtensionRegistries();
    const { loaded } = await loadExtensions(dir, registries, silentLogger);
    expect(loaded).toEqual(['10-detector.mjs', '20-rule.js']);
    expect(registries.detectors.get('always-calm').description).toBe('test');
    expect(registries.iacRules.has('custom-rule')).toBe(true);
  });

  it('refuses a module without a register function, and a duplicate id', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'aegis-ext-'));
    await writeFile(path.join(dir, 'bad.mjs'), 'export const x = 1;');
    await expect(loadExtensions(dir, createExtensionRegistries(), silentLogger)).rejects.toThrow(/default register/);
    const registries = createExtensionRegistries();
    registries.agents.register({ id: 'triage' });
    expect(() => registries.agents.register({ id: 'triage' })).toThrow(/already registered/);
  });
});
