import { describe, expect, it } from 'vitest';
import { REDACTED, scrubText, scrubValue } from './scrub.js';

describe('the secret scrubber', () => {
  const leaks: Array<[string, string]> = [
    ['DB_PASSWORD=hunter2-very-secret', 'hunter2-very-secret'],
    ['export REDIS_PASSWORD="s3cr3t value"', 's3cr3t value'],
    ['{"password": "p@ss\\"word1", "user": "bob"}', 'p@ss'],
    ['{"client_secret":"abcDEF123456"}', 'abcDEF123456'],
    ['connecting to postgres://app:Sup3rS3cret@db.internal:5432/shop', 'Sup3rS3cret'],
    ['Authorization: Bearer eyJhbGciOi.abcdefghijk.lmnopqrstuv', 'eyJhbGciOi'],
    ['Authorization: Basic YWxpY2U6c2VjcmV0cGFzcw==', 'YWxpY2U6c2VjcmV0cGFzcw=='],
    ['-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAx\nabc\n-----END RSA PRIVATE KEY-----', 'MIIEowIBAAKCAQEAx'],
    ['token github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz', 'github_pat_11ABCDEFG'],
    ['ghp_abcdefghijklmnopqrstuvwxyz0123456789 used', 'ghp_abcdefghij'],
    ['aws key AKIAIOSFODNN7EXAMPLE', 'AKIAIOSFODNN7EXAMPLE'],
    ['slack xoxb-1234567890-abcdefghij', 'xoxb-1234567890'],
    ['api_key: zq8Xk2LmN4pR7sT1vW3yB6cD', 'zq8Xk2LmN4pR7sT1vW3yB6cD'],
    ['the signing secret is now 9fK2xLq8Zm4Np7Rt2Vw6Yb3 for prod', '9fK2xLq8Zm4Np7Rt2Vw6Yb3'],
    ['sk-proj-abcdefghijklmnopqrstuvwxyz123456', 'sk-proj-abcdef'],
    ['aegis token aeg_Q2xhdWRlIGlzIGEgZ29vZCBib3Q', 'aeg_Q2xhdWRl'],
  ];
  it.each(leaks)('redacts %s', (text, secret) => {
    const out = scrubText(text);
    expect(out).not.toContain(secret);
    expect(out).toContain(REDACTED);
  });

  it('leaves ordinary operational text alone', () => {
    const text = 'cartservice p95 latency 812 ms; incident 3f2a0c1e-1111-4222-8333-444455556666 opened; token bucket refilled; error_rate=0.12';
    expect(scrubText(text)).toBe(text);
  });

  it('drops env values that are secret-named or Secret-sourced, and Secret data, from objects', () => {
    const deployment = {
      kind: 'Deployment',
      spec: { template: { spec: { containers: [{ name: 'cart', env: [
        { name: 'REDIS_ADDR', value: 'redis-cart:6379' },
        { name: 'REDIS_PASSWORD', value: 'plain-redis-pass' },
        { name: 'API_KEY_FROM_SECRET', valueFrom: { secretKeyRef: { name: 'k', key: 'v' } } },
      ] }] } } },
    };
    const out = JSON.stringify(scrubValue(deployment));
    expect(out).toContain('redis-cart:6379');
    expect(out).not.toContain('plain-redis-pass');
    expect(out).toContain('secretKeyRef');
    expect(JSON.stringify(scrubValue({ kind: 'Secret', data: { a: 'c2VjcmV0' } }))).not.toContain('c2VjcmV0');
  });
});
