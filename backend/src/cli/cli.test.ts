import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_SIM, startTestServer, type TestServer } from '../../test/helpers/server.js';
import { writeServerFile } from './discovery.js';
import { main } from './index.js';
import { COMMANDS } from './registry.js';

async function run(argv: string[], env: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { env, out: (t) => void out.push(t), err: (t) => void err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('aegis CLI', () => {
  let s: TestServer;
  let remote: Record<string, string>;
  beforeAll(async () => {
    s = await startTestServer({ env: NO_SIM });
    remote = { AEGIS_URL: s.url, AEGIS_TOKEN: s.adminToken };
  });
  afterAll(async () => s?.stop());

  it('creates, lists and revokes tokens through a running server', async () => {
    const created = await run(['token', 'create', '--role', 'operator', '--name', 'ops', '--json'], remote);
    expect(created.code).toBe(0);
    const { token, secret } = JSON.parse(created.out);
    expect(token.role).toBe('operator');
    const listed = await run(['token', 'list'], remote);
    expect(listed.out).toMatch(/ops\s+operator/);
    expect(listed.out).not.toContain(secret);
    expect((await run(['token', 'revoke', token.id], remote)).code).toBe(0);
    expect((await run(['token', 'list', '--json'], remote)).out).toContain('"revoked_at": "20');
  });

  it('lists and shows incidents as tables or JSON', async () => {
    const created = await s.request('POST', '/api/v1/incidents', {
      token: s.adminToken,
      body: { title: 'disk full', services: ['redis-cart'] },
    });
    const table = await run(['incidents', 'list'], remote);
    expect(table.out).toMatch(/SEVERITY\s+STATUS/);
    expect(table.out).toContain('disk full');
    const json = await run(['incidents', 'show', created.body.id, '--json'], remote);
    expect(JSON.parse(json.out)).toMatchObject({ id: created.body.id, services: ['redis-cart'] });
    const human = await run(['incidents', 'show', created.body.id], remote);
    expect(human.out).toMatch(/Timeline[\s\S]*created/);
  });

  it('works on the embedded store directly when no server URL is set, and says so when it is held', async () => {
    const home = await mkdtemp(path.join(tmpdir(), 'aegis-cli-'));
    const local = { AEGIS_HOME: home };
    const created = await run(['token', 'create', '--role', 'viewer'], local);
    expect(created.code).toBe(0);
    expect(created.out).toMatch(/aeg_/);
    const held = await run(['token', 'list'], { AEGIS_HOME: s.home });
    expect(held.code).toBe(2);
    expect(held.err).toMatch(/in use by process .*AEGIS_URL and AEGIS_TOKEN/);
  });

  it('finds the running server through $AEGIS_HOME by itself (no AEGIS_URL/AEGIS_TOKEN, no database lock)', async () => {
    const cli = await s.token('admin', 'cli-local');
    await writeServerFile(s.home, { url: s.url, token: cli, pid: process.pid });
    await s.request('POST', '/api/v1/incidents', { token: s.adminToken, body: { title: 'found by itself', services: ['adservice'] } });
    const listed = await run(['incidents', 'list'], { AEGIS_HOME: s.home });
    expect(listed.err).toBe('');
    expect(listed.code).toBe(0);
    expect(listed.out).toContain('found by itself');
  });

  it('acknowledges, annotates and resolves an incident', async () => {
    const created = await s.request('POST', '/api/v1/incidents', { token: s.adminToken, body: { title: 'checkout slow', services: ['checkoutservice'] } });
    const id = created.body.id as string;
    expect((await run(['incidents', 'ack', id], remote)).out).toMatch(/acknowledged/);
    expect((await run(['incidents', 'note', id, 'rolled', 'back', 'the', 'canary'], remote)).code).toBe(0);
    expect((await run(['incidents', 'resolve', id, '--resolution', 'canary rolled back'], remote)).out).toMatch(/resolved/);
    const detail = await s.request('GET', `/api/v1/incidents/${id}`, { token: s.adminToken });
    expect(detail.body).toMatchObject({ status: 'resolved', resolution: 'canary rolled back' });
    expect(detail.body.acknowledged_by).toBeTruthy();
    expect(JSON.stringify(detail.body.timeline)).toContain('rolled back the canary');
  });

  it('answers --help for every command and command group within 80 columns', async () => {
    const groups = [...new Set(COMMANDS.filter((c) => c.words.length > 1).map((c) => c.words[0] as string))];
    for (const argv of [['--help'], ...COMMANDS.map((c) => [...c.words, '--help']), ...groups.map((g) => [g, '--help'])]) {
      const r = await run(argv, remote);
      expect(r.code, argv.join(' ')).toBe(0);
      expect(r.out.length, argv.join(' ')).toBeGreaterThan(0);
      for (const line of r.out.split('\n')) expect(line.length, `${argv.join(' ')}: ${line}`).toBeLessThanOrEqual(80);
    }
    expect((await run(['sim', '--help'], remote)).out).toMatch(/sim inject\s+Inject a fault/);
  });

  it('explains bad usage and refused requests with a non-zero exit', async () => {
    expect((await run(['token', 'create', '--role', 'root'], remote)).err).toMatch(/--role must be one of/);
    expect((await run(['token', 'create', '--bogus'], remote)).code).toBe(2);
    expect((await run(['frobnicate'], remote)).code).toBe(2);
    const viewer = await s.token('viewer');
    const denied = await run(['token', 'list'], { AEGIS_URL: s.url, AEGIS_TOKEN: viewer });
    expect(denied.code).toBe(2);
    expect(denied.err).toMatch(/403/);
    expect((await run(['--help'], remote)).out).toMatch(/token create\s+Create an API token/);
  });
});
