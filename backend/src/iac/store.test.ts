import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES, type TestDatabase } from '../../test/helpers/db.js';
import type { Finding } from './model.js';
import { createIacFindingStore } from './store.js';

const finding = (over: Partial<Finding>): Finding => ({
  ruleId: 'aws-s3-bucket-versioning-disabled',
  title: 't',
  severity: 'medium',
  category: 'reliability',
  framework: 'terraform',
  file: 'main.tf',
  line: 3,
  endLine: 5,
  resource: 'aws_s3_bucket.b',
  kind: 'aws_s3_bucket',
  resourceLine: 1,
  resourceEndLine: 9,
  message: 'm',
  remediation: 'r.',
  ...over,
});
const stats = { files: 1, iacFiles: 1, resources: 1, units: 1, unitsEvaluated: 1, filesParsed: 1, parseErrors: 0 };

describe.each(ENGINES)('IaC finding store on $engine', ({ engine, open, available }) => {
  let t: TestDatabase | undefined;
  beforeAll(async () => {
    if (await available()) t = await open();
  });
  afterAll(async () => t?.dispose());

  it('stores scans and lists the latest scan per target with filters and paging', async (ctx) => {
    if (!t) return ctx.skip(`${engine} is not available here`);
    const store = createIacFindingStore({ db: t.db });
    await store.recordScan({ source: 'path', target: 'repo-a', duration_ms: 5, stats }, [finding({ severity: 'high' })]);
    const latest = await store.recordScan(
      { source: 'path', target: 'repo-a', actor: 'alice', duration_ms: 7, stats },
      [
        finding({ severity: 'critical', ruleId: 'aws-s3-bucket-acl-public-read', fix: { path: 'acl', value: 'private' } }),
        finding({ file: 'other.tf' }),
        finding({ severity: 'low', ruleId: 'k8s-service-nodeport', framework: 'kubernetes' }),
      ],
      [{ finding: finding({ ruleId: 'aws-s3-bucket-logging-disabled' }), reason: 'log bucket itself' }],
    );
    await store.recordScan({ source: 'files', target: 'pr-7', duration_ms: 1, stats }, [finding({ file: 'pr.tf' })]);

    const all = await store.listFindings({ limit: 50 });
    expect(all.items).toHaveLength(4);
    expect(all.items.some((f) => f.rule === 'aws-s3-bucket-logging-disabled')).toBe(false);
    const crit = await store.listFindings({ severity: ['critical'], limit: 50 });
    expect(crit.items.map((f) => [f.rule, f.fix])).toEqual([['aws-s3-bucket-acl-public-read', { path: 'acl', value: 'private' }]]);
    expect((await store.listFindings({ file: 'other.tf', limit: 50 })).items).toHaveLength(1);
    expect((await store.listFindings({ rule: 'k8s-service-nodeport', limit: 50 })).items[0]?.framework).toBe('kubernetes');
    expect((await store.listFindings({ scanId: latest.id, limit: 50 })).items).toHaveLength(3);

    const page1 = await store.listFindings({ limit: 2 });
    expect(page1.items).toHaveLength(2);
    expect(page1.next).not.toBeNull();
    const page2 = await store.listFindings({ limit: 2, cursor: page1.next ?? undefined });
    expect(page2.items).toHaveLength(2);
    expect(page2.next).toBeNull();
    expect(new Set([...page1.items, ...page2.items].map((f) => f.id)).size).toBe(4);
    await expect(store.listFindings({ limit: 2, cursor: 'x' })).rejects.toThrow(/cursor/);
  });
});
