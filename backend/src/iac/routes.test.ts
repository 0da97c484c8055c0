import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/helpers/server.js';

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
  beforeAll(async () => {
    s = await startTestServer({ env: { AEGIS_SIMULATOR: 'false' } });
  });
  afterAll(async () => s?.stop());

  it('scans files, archives and server paths, stores findings and filters them', async () => {
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

    const dir = await mkdtemp(path.join(tmpdir(), 'aegis-iac-path-'));
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
    expect((await s.request('POST', '/api/v1/iac/scan', { token: operator, body: { path: '/no/such/dir' } })).status).toBe(400);
    const bad = await s.request('POST', '/api/v1/iac/scan', { token: operator, body: { archive: gzipSync(tar({ '../evil.tf': 'x' })).toString('base64') } });
    expect(bad.status).toBe(400);

    const audit = await s.request('GET', '/api/v1/audit?action=iac.scan', { token: s.adminToken });
    expect(audit.body.items.length).toBeGreaterThanOrEqual(3);
  });
});
