import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { NO_SIM, startTestServer } from '../test/helpers/server.js';

function get(url: string, ca: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { ca }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

describe('HTTPS', () => {
  it('serves over TLS when AEGIS_TLS_CERT and AEGIS_TLS_KEY are set', async (ctx) => {
    const dir = await mkdtemp(path.join(tmpdir(), 'aegis-tls-'));
    const cert = path.join(dir, 'cert.pem');
    const key = path.join(dir, 'key.pem');
    try {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-subj',
          '/CN=127.0.0.1',
          '-addext',
          'subjectAltName=IP:127.0.0.1',
          '-keyout',
          key,
          '-out',
          cert,
          '-days',
          '1',
        ],
        { stdio: 'ignore' },
      );
    } catch {
      return ctx.skip('openssl is not installed');
    }
    const s = await startTestServer({ env: { ...NO_SIM, AEGIS_TLS_CERT: cert, AEGIS_TLS_KEY: key } });
    try {
      expect(s.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const res = await get(`${s.url}/healthz`, await readFile(cert));
      expect(res).toEqual({ status: 200, body: '{"status":"ok"}' });
    } finally {
      await s.stop();
    }
  });
});
