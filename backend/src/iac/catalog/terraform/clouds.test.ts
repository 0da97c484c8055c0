import { describe, expect, it } from 'vitest';
import { createIacScanner } from '../../engine/scanner.js';
import { BUILTIN_RULES } from '../index.js';

const scan = async (content: string) => {
  const scanner = await createIacScanner({ rules: BUILTIN_RULES });
  const res = scanner.scan([{ path: 'main.tf', content }]);
  expect(res.parseErrors).toEqual([]);
  return res.findings;
};
const ids = (findings: Awaited<ReturnType<typeof scan>>, resource: string) => findings.filter((f) => f.resource === resource).map((f) => f.ruleId).sort();

describe('Azure and Google Cloud rules on whole configurations', () => {
  it('flag an open storage account and NSG on the resource that carries the problem (and no provider notice)', async () => {
    const findings = await scan(`
resource "azurerm_storage_account" "logs" {
  name                     = "logs"
  account_tier             = "Standard"
  account_replication_type = "LRS"
  enable_https_traffic_only = false
  min_tls_version          = "TLS1_0"
}
resource "azurerm_network_security_group" "web" {
  name = "web"
  security_rule {
    name                       = "ssh"
    priority                   = 100
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_port_range          = "*"
    destination_port_range     = "22"
    source_address_prefix      = "*"
    destination_address_prefix = "*"
  }
  security_rule {
    name                       = "https-out"
    priority                   = 110
    direction                  = "Outbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_port_range          = "*"
    destination_port_range     = "*"
    source_address_prefix      = "*"
    destination_address_prefix = "*"
  }
}`);
    expect(ids(findings, 'azurerm_storage_account.logs')).toEqual(expect.arrayContaining(['azure-storage-account-https-not-enforced', 'azure-storage-account-old-tls', 'azure-storage-account-public-blob-access']));
    const nsg = findings.filter((f) => f.resource === 'azurerm_network_security_group.web' && f.ruleId.startsWith('azure-nsg-'));
    expect(nsg.map((f) => f.ruleId)).toEqual(['azure-nsg-ssh-open']);
    expect(findings.some((f) => f.ruleId === 'tf-provider-without-rules')).toBe(false);
  });

  it('stay quiet on a hardened GCP bucket, firewall and Cloud SQL instance', async () => {
    const findings = await scan(`
resource "google_storage_bucket" "data" {
  name                        = "data"
  location                    = "EU"
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  versioning {
    enabled = true
  }
  logging {
    log_bucket = "logs"
  }
  encryption {
    default_kms_key_name = "projects/p/locations/eu/keyRings/r/cryptoKeys/k"
  }
}
resource "google_compute_firewall" "iap" {
  name          = "iap-ssh"
  network       = "vpc"
  source_ranges = ["35.235.240.0/20"]
  allow {
    protocol = "tcp"
    ports    = ["22"]
  }
}
resource "google_sql_database_instance" "db" {
  database_version = "MYSQL_8_0"
  settings {
    tier = "db-custom-2-7680"
    ip_configuration {
      ipv4_enabled    = false
      private_network = "vpc"
      ssl_mode        = "ENCRYPTED_ONLY"
    }
    backup_configuration {
      enabled = true
    }
  }
}`);
    expect(findings.filter((f) => f.ruleId.startsWith('gcp-')).map((f) => `${f.ruleId} ${f.message}`)).toEqual([]);
  });
});
