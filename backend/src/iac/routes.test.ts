import { mkdir, mkdtemp, realpath, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/helpers/server.js';
import { confineToRoots, createApiScanner } from './api-scan.js';

/** A minimal ustar archive, enough for the extractor. */
function tar(files: Record<string, string>): Buffer {
  const blocks: Buffer[] = [];
  for (const [name, content] of Object.entries(files)) {
    const body = Buffer.from(content);
    const h = Buffer.alloc(512);
    h.write(name, 0, 100);
    h.write('0000644\0', 100);
    h.write('0000000\0', 108);
    h.write('0000000\0', 116);
    h.write(body.length.toString(8).padStart(11, '0') + '\0', 124);
    h.write('00000000000\0', 136);
    h.write('        ', 148);
    h.write('0', 156);
    h.write('ustar\0', 257);
    h.write('00', 263);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
    blocks.push(h, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

describe('IaC API', () => {
  let s: TestServer;
  let root: string;
  beforeAll(async () => {
    root = await realpath(await mkdtemp(path.join(tmpdir(), 'aegis-iac-root-')));
    s = await startTestServer({ env: { AEGIS_SIMULATOR: 'false', AEGIS_IAC_ROOTS: root } });
  });
  afterAll(async () => s?.stop());

  it('scans files, archives and server paths, stores findings and filters them', { timeout: 180_000 }, async () => {
    const operator = await s.token('operator');
    const viewer = await s.token('viewer');
    const files = [{ path: 'infra/main.tf', content: 'resource "aws_s3_bucket" "b" {\n  acl = "public-read-write"\n}\n' }];
    const byFiles = await s.request('POST', '/api/v1/iac/scan', { token: operator, body: { files, label: 'pr-12' } });
    expect(byFiles.status).toBe(201);
    expect(byFiles.body.findings).toBeGreaterThan(0);
    expect(byFiles.body.by_severity.critical).toBe(1);

    const archive = gzipSync(tar({ 'k8s/svc.yaml': 'apiVersion: v1\nkind: Service\nmetadata: { name: s, namespace: a }\nspec: { type: NodePort }\n', 'README.md': '# not scanned' }));
    const byArchive = await s.request('POST', '/api/v1/iac/scan', { token: operator, body: { archive: archive.toString('base64'), label: 'upload' } });
    expect(byArchive.status).toBe(201);
    expect(byArchive.body.stats.iacFiles).toBe(1);

    const dir = await mkdtemp(path.join(root, 'aegis-iac-path-'));
    await writeFile(path.join(dir, 'template.yaml'), 'Resources:\n  Db:\n    Type: AWS::RDS::DBInstance\n    Properties:\n      PubliclyAccessible: true\n');
    const byPath = await s.request('POST', '/api/v1/iac/scan', { token: operator, body: { path: dir } });
    expect(byPath.status).toBe(201);

    const crit = await s.request('GET', '/api/v1/iac/findings?severity=critical', { token: viewer });
    expect(crit.status).toBe(200);
    expect(crit.body.items.map((f: { rule: string }) => f.rule).sort()).toEqual(['aws-s3-bucket-acl-public-read-write', 'cfn-rds-instance-public']);
    const byRule = await s.request('GET', '/api/v1/iac/findings?rule=k8s-service-nodeport', { token: viewer });
    expect(byRule.body.items[0]).toMatchObject({ file: 'k8s/svc.yaml', line: 4, severity: 'low' });
    const byFile = await s.request('GET', `/api/v1/iac/findings?file=${encodeURIComponent('infra/main.tf')}&limit=1`, { token: viewer });
    expect(byFile.body.items).toHaveLength(1);
    expect(byFile.body.next).not.toBeNull();

    expect((await s.request('POST', '/api/v1/iac/scan', { token: viewer, body: { files } })).status).toBe(403);
    expect((await s.request('POST', '/api/v1/iac/scan', { token: operator, body: { files, path: dir } })).status).toBe(400);
    expect((await s.request('POST', '/api/v1/iac/scan', { token: operator, body: { path: '/no/such/dir' } })).status).toBe(403);
    const bad = await s.request('POST', '/api/v1/iac/scan', { token: operator, body: { archive: gzipSync(tar({ '../evil.tf': 'x' })).toString('base64') } });
    expect(bad.status).toBe(400);

    const audit = await s.request('GET', '/api/v1/audit?action=iac.scan', { token: s.adminToken });
    expect(audit.body.items.length).toBeGreaterThanOrEqual(3);
  });

  it('reads server paths only under AEGIS_IAC_ROOTS, after symlinks, with one answer whether or not a path exists', async () => {
    const operator = await s.token('operator', 'iac-roots');
    const outside = await mkdtemp(path.join(tmpdir(), 'aegis-iac-outside-'));
    await writeFile(path.join(outside, 'secret.yaml'), 'apiVersion: v1\nkind: Secret\nmetadata: { name: s }\n');
    await symlink(outside, path.join(root, 'link-out'));
    const refusals: string[] = [];
    for (const p of ['/etc', '/etc/shadow', '/no/such/dir', outside, path.join(root, 'link-out'), path.join(root, 'link-out', 'secret.yaml'), path.join(root, 'link-out', 'missing.yaml'), `${root}/../${path.basename(outside)}`, 'relative/dir']) {
      const res = await s.request('POST', '/api/v1/iac/scan', { token: operator, body: { path: p } });
      expect(res.status, p).toBe(403);
      refusals.push(res.body.error.message);
    }
    expect(new Set(refusals).size, 'no existence oracle: one message for every refusal').toBe(1);
    await mkdir(path.join(root, 'ok'));
    await writeFile(path.join(root, 'ok', 'svc.yaml'), 'apiVersion: v1\nkind: Service\nmetadata: { name: s, namespace: a }\nspec: { type: NodePort }\n');
    expect((await s.request('POST', '/api/v1/iac/scan', { token: operator, body: { path: path.join(root, 'ok') } })).status).toBe(201);
  });

  it('refuses server paths altogether when AEGIS_IAC_ROOTS is unset', async () => {
    await expect(confineToRoots(tmpdir(), [])).rejects.toThrow(/AEGIS_IAC_ROOTS is not set/);
  });

  it('caps files per request: a hostile archive of 20,000 tiny YAML files is refused with 413 and a reason, storing nothing', async () => {
    const operator = await s.token('operator', 'iac-caps');
    const many: Record<string, string> = {};
    for (let i = 0; i < 20_000; i++) many[`m/${i}.yaml`] = 'kind: Pod\n';
    const archive = gzipSync(tar(many)).toString('base64');
    const before = (await s.request('GET', '/api/v1/iac/findings?limit=500', { token: operator })).body.items.length;
    const res = await s.request('POST', '/api/v1/iac/scan', { token: operator, body: { archive, label: 'hostile' } });
    expect(res.status).toBe(413);
    expect(res.body.error.message).toMatch(/more than 5000 IaC files/);
    expect((await s.request('GET', '/api/v1/iac/findings?limit=500', { token: operator })).body.items.length).toBe(before);
  }, 120_000);

  it('caps findings and bytes, and terminates a scan at its deadline (422 with a reason)', async () => {
    const pods = Array.from({ length: 50 }, (_, i) => ({ path: `p${i}.yaml`, content: `apiVersion: v1\nkind: Pod\nmetadata: { name: p${i} }\nspec:\n  containers:\n    - name: c\n      image: nginx:latest\n` }));
    await expect(createApiScanner({ limits: { maxFindings: 10 } }).scan({ kind: 'files', files: pods })).rejects.toMatchObject({ status: 422, message: expect.stringMatching(/more than the 10 one request may store/) });
    await expect(createApiScanner({ limits: { maxBytes: 1000 } }).scan({ kind: 'files', files: pods })).rejects.toMatchObject({ status: 413 });
    await expect(createApiScanner({ limits: { deadlineMs: 1 } }).scan({ kind: 'files', files: pods })).rejects.toMatchObject({ status: 422, message: expect.stringMatching(/deadline/) });
    const ok = await createApiScanner().scan({ kind: 'files', files: pods });
    expect(ok.findings.length).toBeGreaterThan(10);
  }, 120_000);
});
