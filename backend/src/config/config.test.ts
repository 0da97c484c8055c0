import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../platform/errors.js';
import { loadConfig, secretValues, unknownEnvKeys } from './index.js';

describe('configuration', () => {
  it('has secure defaults: loopback on port 8000, home under the start directory', () => {
    const c = loadConfig({}, { cwd: '/srv/app' });
    expect(c).toMatchObject({ AEGIS_HOST: '127.0.0.1', AEGIS_PORT: 8000, AEGIS_HOME: path.resolve('/srv/app/.aegis') });
  });

  it('reads a YAML file with the same keys, and lets the environment win', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'aegis-cfg-'));
    const file = path.join(dir, 'aegis.yaml');
    await writeFile(file, 'AEGIS_PORT: 9001\nAEGIS_LOG_LEVEL: debug\n');
    const c = loadConfig({ AEGIS_LOG_LEVEL: 'warn' }, { file });
    expect(c.AEGIS_PORT).toBe(9001);
    expect(c.AEGIS_LOG_LEVEL).toBe('warn');
    await writeFile(file, 'AEGIS_PROT: 9001\n');
    expect(() => loadConfig({}, { file })).toThrow(/unknown keys.*AEGIS_PROT/);
  });

  it('refuses a configured token too short to resist guessing', () => {
    expect(() => loadConfig({ AEGIS_ADMIN_TOKEN: 'x' })).toThrow(/AEGIS_ADMIN_TOKEN.*16 characters/);
    expect(() => loadConfig({ AEGIS_VIEWER_TOKEN: 'short-token' })).toThrow(/AEGIS_VIEWER_TOKEN/);
  });

  it('refuses bad values with a message naming the key', () => {
    expect(() => loadConfig({ AEGIS_PORT: 'eighty' })).toThrow(InputError);
    expect(() => loadConfig({ AEGIS_PORT: 'eighty' })).toThrow(/AEGIS_PORT/);
    expect(() => loadConfig({ AEGIS_PROMETHEUS_URL: 'not a url' })).toThrow(/AEGIS_PROMETHEUS_URL/);
    expect(() => loadConfig({ AEGIS_TLS_CERT: '/c.pem' })).toThrow(/set together/);
  });

  it('lists secrets for scrubbing and reports unknown AEGIS_ variables', () => {
    const c = loadConfig({ AEGIS_ADMIN_TOKEN: 'adm-1234567890abcd', AEGIS_SLACK_SIGNING_SECRET: 'slack-secret' });
    expect(secretValues(c)).toEqual(expect.arrayContaining(['adm-1234567890abcd', 'slack-secret']));
    expect(unknownEnvKeys({ AEGIS_PORTT: '1', AEGIS_PORT: '1', HOME: '/' })).toEqual(['AEGIS_PORTT']);
  });
});
