import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../platform/clock.js';
import { DEFAULT_ROLES, startSimulatedCluster, type SimulatedCluster } from './index.js';

const run = promisify(execFile);
let home: string;
let cluster: SimulatedCluster;

/** Aegis's own role plus the right to impersonate, as its ClusterRole needs when approvals act with the approver's rights. */
const roles = {
  ...DEFAULT_ROLES,
  aegis: [...(DEFAULT_ROLES.aegis ?? []), { verbs: ['impersonate'], resources: ['users', 'groups'] }],
  edit: [{ verbs: ['get', 'list', 'watch', 'patch', 'update'], resources: ['deployments', 'deployments/scale', 'pods'] }],
};

beforeAll(async () => {
  home = await mkdtemp(path.join(tmpdir(), 'aegis-impersonate-'));
  cluster = await startSimulatedCluster({ home, clock: systemClock, seed: 3, roles, bindings: { 'user:alice': 'edit', 'group:sre': 'edit', 'user:bob': 'view' } });
});

afterAll(async () => {
  await cluster?.close();
  await rm(home, { recursive: true, force: true });
});

function tokenOf(role: string): string {
  const user = cluster.users.find((u) => u.role === role);
  if (!user) throw new Error(`no ${role} user`);
  return user.token;
}

/** A request whose array-valued headers are sent as repeated lines, as Kubernetes clients send Impersonate-Group. */
function request(method: string, urlPath: string, token: string, headers: Record<string, string | string[]>, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const url = new URL(urlPath, cluster.url);
  const all = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/merge-patch+json', ...headers };
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method, ca: cluster.caPem, headers: all }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as Record<string, unknown> }));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

const scalePath = '/apis/apps/v1/namespaces/boutique/deployments/adservice';
const patch = { metadata: { annotations: { 'example.com/touched': 'yes' } } };

describe('impersonation on the simulated API server', () => {
  it('authorises the request as the impersonated user, through its bindings', async () => {
    const asAlice = await request('PATCH', scalePath, tokenOf('aegis'), { 'Impersonate-User': 'alice' }, patch);
    expect(asAlice.status).toBe(200);
    const asBob = await request('PATCH', scalePath, tokenOf('aegis'), { 'Impersonate-User': 'bob' }, patch);
    expect(asBob.status).toBe(403);
    expect(asBob.json.message).toBe('deployments.apps "adservice" is forbidden: User "bob" cannot patch resource "deployments" in API group "apps" in the namespace "boutique"');
    const stranger = await request('PATCH', scalePath, tokenOf('aegis'), { 'Impersonate-User': 'mallory' }, patch);
    expect(stranger.status).toBe(403);
  });

  it('grants what a bound group may do, with the group sent as a repeated header', async () => {
    const res = await request('PATCH', scalePath, tokenOf('aegis'), { 'Impersonate-User': 'carol', 'Impersonate-Group': ['dev', 'sre'] }, patch);
    expect(res.status).toBe(200);
  });

  it('refuses to impersonate for a caller without the impersonate verb, naming it', async () => {
    const res = await request('PATCH', scalePath, tokenOf('view'), { 'Impersonate-User': 'alice' }, patch);
    expect(res.status).toBe(403);
    expect(res.json.message).toBe('users "alice" is forbidden: User "sim-viewer" cannot impersonate resource "users" in API group "" at the cluster scope');
  });

  it.skipIf(!hasKubectl())('kubectl --as and auth can-i --as answer for the impersonated user', async () => {
    const k = async (...args: string[]) => (await run('kubectl', ['--kubeconfig', cluster.kubeconfigPath, '--context', cluster.contexts.aegis ?? '', ...args], { timeout: 60_000 }).catch((e: { stdout: string; stderr: string }) => e)) as { stdout: string; stderr: string };
    expect((await k('auth', 'can-i', 'patch', 'deployments', '--as', 'alice')).stdout.trim()).toBe('yes');
    expect((await k('auth', 'can-i', 'patch', 'deployments', '--as', 'bob')).stdout.trim()).toBe('no');
    expect((await k('scale', 'deploy/adservice', '--replicas', '1', '--as', 'bob')).stderr).toMatch(/User "bob" cannot patch resource "deployments\/scale"/);
    expect((await k('scale', 'deploy/adservice', '--replicas', '1', '--as', 'alice')).stdout).toContain('deployment.apps/adservice scaled');
  });
});

function hasKubectl(): boolean {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
