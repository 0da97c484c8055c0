import type { Rule } from '../engine/rule.js';
import { tf } from './dsl.js';

/**
 * Terraform providers the catalogue has rules for. A configuration that manages resources of any other provider
 * (alicloud, oci, kubernetes…) gets one notice per provider instead of silence, so a clean report is not mistaken for a pass.
 */
export const PROVIDERS_WITH_RULES = new Set(['aws', 'azurerm', 'google']);

/** Utility providers that create no cloud infrastructure to misconfigure. */
const UTILITY_PROVIDERS = new Set(['random', 'null', 'local', 'template', 'time', 'archive', 'tls', 'external', 'http', 'terraform', 'cloudinit']);

/** `azurerm_storage_account` → `azurerm`; data sources, provider blocks and variables have no provider resources. */
export function providerOf(kind: string): string | undefined {
  if (kind.includes('.') || !kind.includes('_')) return undefined;
  return kind.slice(0, kind.indexOf('_'));
}

const unchecked = (p: string | undefined): p is string => p !== undefined && !PROVIDERS_WITH_RULES.has(p) && !UTILITY_PROVIDERS.has(p);

export const providerNoticeRule: Rule = tf('tf-provider-without-rules', {
  title: 'Terraform provider without rules',
  desc: 'Resources of this provider are parsed but no rule checks them; a report without findings for them says nothing about their security.',
  sev: 'info', cat: 'security', kinds: ['*'],
  check: (r, ctx) => {
    const provider = providerOf(r.kind);
    if (!unchecked(provider)) return [];
    const same = ctx.resources.filter((x) => x.framework === 'terraform' && providerOf(x.kind) === provider);
    // One notice per provider and configuration, on its first resource.
    if (same[0] !== r.res) return [];
    const kinds = [...new Set(same.map((x) => x.kind))];
    return [{ message: `no Aegis rules for the ${provider} provider yet: ${same.length} resource(s) not checked (${kinds.slice(0, 5).join(', ')}${kinds.length > 5 ? ', …' : ''})` }];
  },
  fix: 'Review these resources with a scanner that covers the provider until Aegis has rules for it.',
  pass: ['resource "aws_s3_bucket" "b" {\n  bucket = "b"\n}\nresource "azurerm_storage_container" "c" {\n  name = "c"\n}\nresource "google_storage_bucket" "g" {\n  name = "g"\n}\nresource "random_id" "r" {\n  byte_length = 4\n}'],
  fail: ['resource "alicloud_oss_bucket" "a" {\n  bucket = "a"\n}\nresource "alicloud_oss_bucket" "c" {\n  bucket = "c"\n}\nresource "oci_objectstorage_bucket" "o" {\n  name = "o"\n}'],
});
