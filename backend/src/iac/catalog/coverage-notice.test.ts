import { describe, expect, it } from 'vitest';
import { createIacScanner } from '../engine/scanner.js';
import { BUILTIN_RULES } from './index.js';
import { PROVIDERS_WITH_RULES, providerOf } from './coverage-notice.js';

describe('the per-provider "no rules" notice', () => {
  it('names exactly the providers the catalogue has Terraform rules for', () => {
    const providers = new Set(BUILTIN_RULES.filter((r) => r.frameworks.includes('terraform')).flatMap((r) => r.kinds.map((k) => providerOf(k.replace(/^data\./, '')))).filter((p): p is string => p !== undefined));
    expect([...providers].sort()).toEqual([...PROVIDERS_WITH_RULES].sort());
  });

  it('reports each uncovered provider once per configuration, with its resource count, and nothing for covered ones', async () => {
    const scanner = await createIacScanner({ rules: BUILTIN_RULES });
    const src = ['alicloud_oss_bucket', 'alicloud_kms_key', 'oci_core_instance', 'azurerm_storage_account', 'google_compute_instance', 'aws_s3_bucket', 'random_id'].map((k, i) => `resource "${k}" "r${i}" {\n  name = "x"\n}`).join('\n');
    const notices = scanner.scan([{ path: 'main.tf', content: src }]).findings.filter((f) => f.ruleId === 'tf-provider-without-rules');
    expect(notices.map((f) => f.message).sort()).toEqual([
      'no Aegis rules for the alicloud provider yet: 2 resource(s) not checked (alicloud_oss_bucket, alicloud_kms_key)',
      'no Aegis rules for the oci provider yet: 1 resource(s) not checked (oci_core_instance)',
    ]);
    expect(notices.every((f) => f.severity === 'info')).toBe(true);
  });
});
