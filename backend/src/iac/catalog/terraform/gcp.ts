import { isObject } from '../../model.js';
import { asList, asStrings, isKnown, isTrue } from '../../engine/checks.js';
import type { CheckFn, Hit, Rule } from '../../engine/rule.js';
import type { ResourceView } from '../../engine/view.js';
import { BAK, ENC, falseIs, has, LOG, notOn, on, PUB, rulesFromRows, type Row } from './breadth.js';

/** Google Cloud (google provider) rules after the CIS Google Cloud Platform Foundations basics; rows as in breadth.ts. */

const PUBLIC_MEMBERS = new Set(['allUsers', 'allAuthenticatedUsers']);
const WORLD = new Set(['0.0.0.0/0', '::/0']);

/** Members of an IAM member/binding resource (`member` or `members`). */
const membersOf = (r: ResourceView) => [...asStrings(r.get('member')), ...asStrings(r.get('members'))];
const memberPath = (r: ResourceView) => (r.has('member') ? 'member' : 'members');

const publicMember = (what: string): CheckFn => (r) => (membersOf(r).some((m) => PUBLIC_MEMBERS.has(m)) ? [{ path: memberPath(r), message: `the ${what} is granted to allUsers/allAuthenticatedUsers` }] : []);

/** Fires when the IAM resource grants one of `roles` (exact names or a test). */
const grantsRole = (test: (role: string) => boolean, message: (role: string) => string, memberTest: (m: string) => boolean = () => true): CheckFn => (r) => {
  const role = r.get('role');
  if (typeof role !== 'string' || !test(role)) return [];
  const members = membersOf(r);
  return members.length && !members.some(memberTest) ? [] : [{ path: 'role', message: message(role) }];
};

const PRIMITIVE = new Set(['roles/owner', 'roles/editor']);
const IMPERSONATION = new Set(['roles/iam.serviceAccountUser', 'roles/iam.serviceAccountTokenCreator']);
const isDefaultSa = (m: string) => /-compute@developer\.gserviceaccount\.com$|@appspot\.gserviceaccount\.com$/.test(m);

/** Ingress firewall rules open to the internet on `port` (undefined: every port). */
const firewallOpen = (what: string, port?: number): CheckFn => (r) => {
  if (String(r.get('direction') ?? 'INGRESS').toUpperCase() !== 'INGRESS' || isTrue(r.get('disabled'))) return [];
  if (!asStrings(r.get('source_ranges')).some((c) => WORLD.has(c))) return [];
  const open = r.each('allow').filter((x) => {
    if (!isObject(x.value)) return false;
    const proto = String(x.value.protocol ?? '').toLowerCase();
    const ports = asList(x.value.ports).map(String);
    if (proto === 'all') return true;
    if (port === undefined) return ['tcp', 'udp'].includes(proto) && (ports.length === 0 || ports.some((p) => p === '0-65535' || p === '1-65535'));
    if (proto !== 'tcp') return false;
    return ports.length === 0 || ports.some((p) => { const [lo, hi] = p.split('-').map(Number); return lo !== undefined && lo <= port && port <= (hi ?? lo); });
  });
  return open.map((x) => ({ path: x.path, message: `${what} is allowed from 0.0.0.0/0` }));
};

/** A metadata key (instance, project or node metadata) lower-cased as written (true/"TRUE"/false), or undefined. */
const metaFlag = (r: ResourceView, key: string, path = 'metadata') => { const m = r.get(path); const v = isObject(m) ? m[key] : undefined; return v === undefined ? undefined : String(v).toLowerCase(); };

const serialPort: CheckFn = (r) => (['true', '1'].includes(metaFlag(r, 'serial-port-enable') ?? '') ? [{ path: 'metadata', message: 'serial port access is enabled' }] : []);
const instanceOsLogin: CheckFn = (r) => (['false', '0'].includes(metaFlag(r, 'enable-oslogin') ?? '') ? [{ path: 'metadata', message: 'the instance disables OS Login' }] : []);
const projectOsLogin: CheckFn = (r) => {
  const m = r.get('metadata');
  if (m !== undefined && !isKnown(m)) return [];
  return ['true', '1'].includes(metaFlag(r, 'enable-oslogin') ?? '') ? [] : [{ path: r.has('metadata') ? 'metadata' : undefined, message: 'OS Login is not enabled for the project' }];
};
const projectSshKeys: CheckFn = (r) => {
  const m = r.get('metadata');
  if (m !== undefined && !isKnown(m)) return [];
  // With OS Login on the instance, metadata SSH keys are ignored.
  return ['true', '1'].includes(metaFlag(r, 'block-project-ssh-keys') ?? '') || ['true', '1'].includes(metaFlag(r, 'enable-oslogin') ?? '') ? [] : [{ path: r.has('metadata') ? 'metadata' : undefined, message: 'project-wide SSH keys can log in to this instance' }];
};

const shieldedVm: CheckFn = (r) => {
  if (!r.has('shielded_instance_config')) return [{ message: 'no shielded_instance_config (Shielded VM)' }];
  return ['enable_vtpm', 'enable_integrity_monitoring'].filter((k) => r.get(`shielded_instance_config.${k}`) === false).map((k) => ({ path: `shielded_instance_config.${k}`, message: `${k} is off` }));
};

const publicIp: CheckFn = (r) => r.each('network_interface').flatMap((n) => (isObject(n.value) && n.value.access_config !== undefined ? [{ path: `${n.path}.access_config`, message: 'the instance has an external IP address' }] : []));

const defaultSa: CheckFn = (r) => {
  if (!r.has('service_account')) return [];
  const email = r.get('service_account.email');
  if (email !== undefined && !isKnown(email)) return [];
  return email === undefined || (typeof email === 'string' && isDefaultSa(email)) ? [{ path: 'service_account', message: 'the instance runs as the Compute Engine default service account' }] : [];
};

const defaultSaFullScope: CheckFn = (r) => {
  const email = r.get('service_account.email');
  const scopes = asStrings(r.get('service_account.scopes'));
  const isDefault = email === undefined || (typeof email === 'string' && isDefaultSa(email));
  return r.has('service_account') && isDefault && scopes.some((s) => s === 'cloud-platform' || s.endsWith('/auth/cloud-platform')) ? [{ path: 'service_account.scopes', message: 'the default service account has full access to all Cloud APIs' }] : [];
};

const diskCsek: CheckFn = (r) => {
  if (r.kind === 'google_compute_disk') return r.has('disk_encryption_key') ? [] : [{ message: 'the disk is encrypted with a Google-managed key' }];
  return r.has('boot_disk.disk_encryption_key_raw') || r.has('boot_disk.kms_key_self_link') ? [] : [{ path: r.has('boot_disk') ? 'boot_disk' : undefined, message: 'the boot disk is encrypted with a Google-managed key' }];
};

/** Cloud SQL database flags, by name. */
const flags = (r: ResourceView): Map<string, string> => new Map(r.each('settings.database_flags').flatMap((x) => (isObject(x.value) && typeof x.value.name === 'string' ? [[x.value.name, String(x.value.value).toLowerCase()] as [string, string]] : [])));
const engine = (r: ResourceView) => String(r.get('database_version') ?? '');
const flagRule = (prefix: string, rules: Array<[string, (v: string | undefined) => boolean, string]>): CheckFn => (r) => {
  if (!engine(r).startsWith(prefix)) return [];
  const f = flags(r);
  return rules.filter(([name, ok]) => !ok(f.get(name))).map(([, , message]) => ({ path: r.has('settings.database_flags') ? 'settings.database_flags' : undefined, message }));
};

const sqlSsl: CheckFn = (r) => {
  const mode = r.get('settings.ip_configuration.ssl_mode');
  if (mode === 'ENCRYPTED_ONLY' || mode === 'TRUSTED_CLIENT_CERTIFICATE_REQUIRED' || isTrue(r.get('settings.ip_configuration.require_ssl'))) return [];
  const p = r.has('settings.ip_configuration.require_ssl') ? 'settings.ip_configuration.require_ssl' : undefined;
  return [{ path: p, message: 'connections without SSL are accepted' }];
};

const sqlPublicIp: CheckFn = (r) => {
  const v = r.get('settings.ip_configuration.ipv4_enabled');
  if (v !== undefined && !isKnown(v)) return [];
  // Cloud SQL assigns a public IPv4 address unless ipv4_enabled = false.
  return v === false || v === 'false' ? [] : [{ path: v === undefined ? undefined : 'settings.ip_configuration.ipv4_enabled', message: 'the instance has a public IP address' }];
};

const sqlWorld: CheckFn = (r) => r.each('settings.ip_configuration.authorized_networks').filter((x) => isObject(x.value) && WORLD.has(String(x.value.value))).map((x) => ({ path: `${x.path}.value`, message: 'an authorized network is 0.0.0.0/0' }));

const kmsRotation: CheckFn = (r) => {
  const v = r.get('rotation_period');
  if (v === undefined) return [{ message: 'no rotation_period is set' }];
  if (!isKnown(v)) return [];
  const secs = parseFloat(String(v));
  return secs > 7776000 ? [{ path: 'rotation_period', message: `keys rotate every ${String(v)} (> 90 days)` }] : [];
};

const gkeBasicAuth: CheckFn = (r) => { const u = r.get('master_auth.username'); return typeof u === 'string' && u !== '' ? [{ path: 'master_auth.username', message: 'basic authentication is enabled' }] : []; };
const gkePrivateNodes: CheckFn = (r) => (isTrue(r.get('private_cluster_config.enable_private_nodes')) || !isKnown(r.get('private_cluster_config.enable_private_nodes') ?? false) ? [] : [{ path: r.has('private_cluster_config') ? 'private_cluster_config' : undefined, message: 'nodes have public IP addresses (no private cluster)' }]);
const gkeNetworkPolicy: CheckFn = (r) => (isTrue(r.get('network_policy.enabled')) || r.get('datapath_provider') === 'ADVANCED_DATAPATH' ? [] : [{ path: r.has('network_policy') ? 'network_policy' : undefined, message: 'network policy enforcement is off' }]);
const gkeMetadataServer: CheckFn = (r) => {
  const mode = r.get('node_config.workload_metadata_config.mode') ?? r.get('node_config.workload_metadata_config.node_metadata');
  if (mode !== undefined && !isKnown(mode)) return [];
  return mode === 'GKE_METADATA' || mode === 'GKE_METADATA_SERVER' ? [] : [{ path: r.has('node_config') ? 'node_config' : undefined, message: 'nodes expose the Compute Engine metadata server to pods' }];
};
const gkeLegacyMetadata: CheckFn = (r) => (metaFlag(r, 'disable-legacy-endpoints', 'node_config.metadata') === 'false' ? [{ path: 'node_config.metadata', message: 'legacy metadata endpoints are enabled' }] : []);
const serviceNone = (p: string, message: string): CheckFn => (r) => (r.get(p) === 'none' ? [{ path: p, message }] : []);

const defaultNetwork: CheckFn = (r) => {
  const v = r.get('auto_create_network');
  if (v === false || v === 'false' || (v !== undefined && !isKnown(v))) return [];
  return [{ path: v === undefined ? undefined : 'auto_create_network', message: 'the default network (with permissive firewall rules) is created' }];
};

const auditExemptions: CheckFn = (r) => r.each('audit_log_config').filter((x) => isObject(x.value) && asList(x.value.exempted_members).length > 0).map((x) => ({ path: `${x.path}.exempted_members`, message: 'some members are exempted from audit logging' }));

const functionInsecure: CheckFn = (r) => (isTrue(r.get('trigger_http')) && r.get('https_trigger_security_level') !== 'SECURE_ALWAYS' && isKnown(r.get('https_trigger_security_level') ?? 'x') ? [{ path: r.has('https_trigger_security_level') ? 'https_trigger_security_level' : 'trigger_http', message: 'the HTTP trigger accepts plain HTTP' }] : []);

const IAM_PROJECT = ['google_project_iam_member', 'google_project_iam_binding'];
const IAM_ALL = [...IAM_PROJECT, 'google_folder_iam_member', 'google_folder_iam_binding', 'google_organization_iam_member', 'google_organization_iam_binding'];
const fw = (ports: string, ranges = '["0.0.0.0/0"]', proto = 'tcp') => `network = "default"\n  source_ranges = ${ranges}\n  allow {\n    protocol = "${proto}"${ports ? `\n    ports = [${ports}]` : ''}\n  }`;
const sql = (version: string, settings: string) => `database_version = "${version}"\n  settings {\n    tier = "db-f1-micro"\n    ${settings}\n  }`;
const pgFlags = (value: string) => ['log_checkpoints', 'log_connections', 'log_disconnections', 'log_lock_waits'].map((n) => `database_flags {\n      name = "${n}"\n      value = "${n === 'log_connections' ? value : 'on'}"\n    }`).join('\n    ');
const eq = (want: string) => (v: string | undefined) => v === want;

const ROWS: Row[] = [
  // Storage
  ['gcp-storage-bucket-no-uniform-access', ['google_storage_bucket'], undefined, 'Storage bucket without uniform bucket-level access', on('uniform_bucket_level_access', 'uniform bucket-level access'), 'Set uniform_bucket_level_access = true.', 'medium', 'security', 'uniform_bucket_level_access = true', 'uniform_bucket_level_access = false', PUB],
  ['gcp-storage-bucket-public-iam', ['google_storage_bucket_iam_member', 'google_storage_bucket_iam_binding'], undefined, 'Storage bucket readable by anyone', publicMember('bucket role'), 'Grant bucket roles to named principals, never allUsers or allAuthenticatedUsers.', 'critical', 'security', 'bucket = "b"\n  role = "roles/storage.objectViewer"\n  member = "group:team@example.com"', 'bucket = "b"\n  role = "roles/storage.objectViewer"\n  member = "allUsers"', PUB],
  ['gcp-storage-bucket-public-access-not-prevented', ['google_storage_bucket'], undefined, 'Storage bucket without public access prevention', (r) => { const v = r.get('public_access_prevention'); return v === 'enforced' || (v !== undefined && !isKnown(v)) ? [] : [{ path: v === undefined ? undefined : 'public_access_prevention', message: 'public access prevention is not enforced' }]; }, 'Set public_access_prevention = "enforced".', 'medium', 'security', 'public_access_prevention = "enforced"', 'public_access_prevention = "inherited"', PUB],
  ['gcp-storage-bucket-versioning-disabled', ['google_storage_bucket'], undefined, 'Storage bucket without object versioning', on('versioning.enabled', 'versioning'), 'Add versioning { enabled = true }.', 'low', 'reliability', 'versioning {\n    enabled = true\n  }', 'versioning {\n    enabled = false\n  }', BAK],
  ['gcp-storage-bucket-no-access-logs', ['google_storage_bucket'], undefined, 'Storage bucket without access logs', has('logging', 'logging'), 'Add logging { log_bucket = "<another bucket>" }.', 'low', 'security', 'logging {\n    log_bucket = "logs"\n  }', 'name = "b"', LOG],
  ['gcp-storage-bucket-no-cmk', ['google_storage_bucket'], undefined, 'Storage bucket not encrypted with a customer-managed key', has('encryption.default_kms_key_name', 'encryption.default_kms_key_name'), 'Add encryption { default_kms_key_name = ... }.', 'low', 'security', 'encryption {\n    default_kms_key_name = "k"\n  }', 'name = "b"', ENC],
  ['gcp-bigquery-dataset-public', ['google_bigquery_dataset'], undefined, 'BigQuery dataset readable by anyone', (r) => r.each('access').filter((x) => isObject(x.value) && (x.value.special_group === 'allAuthenticatedUsers' || PUBLIC_MEMBERS.has(String(x.value.iam_member)))).map((x) => ({ path: x.path, message: 'the dataset is shared with allUsers/allAuthenticatedUsers' })), 'Share the dataset with named groups only.', 'critical', 'security', 'access {\n    role = "READER"\n    group_by_email = "team@example.com"\n  }', 'access {\n    role = "READER"\n    special_group = "allAuthenticatedUsers"\n  }', PUB],
  ['gcp-bigquery-dataset-no-cmk', ['google_bigquery_dataset'], undefined, 'BigQuery dataset not encrypted with a customer-managed key', has('default_encryption_configuration.kms_key_name', 'default_encryption_configuration'), 'Add default_encryption_configuration { kms_key_name = ... }.', 'low', 'security', 'default_encryption_configuration {\n    kms_key_name = "k"\n  }', 'dataset_id = "d"', ENC],
  // Network
  ['gcp-firewall-ssh-open', ['google_compute_firewall'], undefined, 'Firewall opens SSH to the internet', firewallOpen('SSH (22)', 22), 'Restrict source_ranges for port 22 (or use IAP TCP forwarding, 35.235.240.0/20).', 'high', 'security', fw('"22"', '["35.235.240.0/20"]'), fw('"22"'), PUB],
  ['gcp-firewall-rdp-open', ['google_compute_firewall'], undefined, 'Firewall opens RDP to the internet', firewallOpen('RDP (3389)', 3389), 'Restrict source_ranges for port 3389.', 'high', 'security', fw('"3389"', '["10.0.0.0/8"]'), fw('"3000-4000"'), PUB],
  ['gcp-firewall-all-ports-open', ['google_compute_firewall'], undefined, 'Firewall opens every port to the internet', firewallOpen('traffic to every port'), 'Allow only the protocols and ports the workload serves.', 'high', 'security', fw('"443"'), fw('', '["0.0.0.0/0"]', 'all'), PUB],
  ['gcp-subnet-no-flow-logs', ['google_compute_subnetwork'], undefined, 'Subnet without VPC flow logs', (r) => (r.get('purpose') === 'INTERNAL_HTTPS_LOAD_BALANCER' || r.get('purpose') === 'REGIONAL_MANAGED_PROXY' || r.has('log_config') ? [] : [{ message: 'VPC flow logs are off' }]), 'Add log_config { aggregation_interval = "INTERVAL_5_SEC" flow_sampling = 0.5 }.', 'low', 'security', 'ip_cidr_range = "10.0.0.0/24"\n  log_config {\n    flow_sampling = 0.5\n  }', 'ip_cidr_range = "10.0.0.0/24"', LOG],
  ['gcp-project-default-network', ['google_project'], undefined, 'Project keeps the default network', defaultNetwork, 'Set auto_create_network = false.', 'medium', 'security', 'name = "p"\n  auto_create_network = false', 'name = "p"'],
  ['gcp-ssl-policy-weak', ['google_compute_ssl_policy'], undefined, 'SSL policy allows old TLS or weak ciphers', (r) => { const hits: Hit[] = []; const tls = r.get('min_tls_version'); if (tls === undefined || tls === 'TLS_1_0' || tls === 'TLS_1_1') hits.push({ path: tls === undefined ? undefined : 'min_tls_version', message: 'min_tls_version is below TLS_1_2' }); if (r.get('profile') === 'COMPATIBLE' || r.get('profile') === undefined) hits.push({ path: r.has('profile') ? 'profile' : undefined, message: 'the COMPATIBLE profile allows weak cipher suites' }); return hits; }, 'Set min_tls_version = "TLS_1_2" and profile = "MODERN" or "RESTRICTED".', 'medium', 'security', 'min_tls_version = "TLS_1_2"\n  profile = "MODERN"', 'min_tls_version = "TLS_1_0"\n  profile = "COMPATIBLE"', ENC],
  ['gcp-dns-dnssec-disabled', ['google_dns_managed_zone'], undefined, 'Cloud DNS zone without DNSSEC', (r) => (r.get('visibility') === 'private' || r.get('dnssec_config.state') === 'on' ? [] : [{ path: r.has('dnssec_config.state') ? 'dnssec_config.state' : undefined, message: 'DNSSEC is off' }]), 'Add dnssec_config { state = "on" }.', 'medium', 'security', 'dns_name = "example.com."\n  dnssec_config {\n    state = "on"\n  }', 'dns_name = "example.com."\n  dnssec_config {\n    state = "off"\n  }'],
  ['gcp-dns-dnssec-rsasha1', ['google_dns_managed_zone'], undefined, 'Cloud DNS DNSSEC signs with RSASHA1', (r) => r.all('dnssec_config.default_key_specs.algorithm').filter((x) => String(x.value).toLowerCase() === 'rsasha1').map((x) => ({ path: x.path, message: 'RSASHA1 is used for DNSSEC keys' })), 'Use algorithm = "rsasha256" (or ecdsap256sha256).', 'medium', 'security', 'dnssec_config {\n    state = "on"\n    default_key_specs {\n      algorithm = "rsasha256"\n      key_type = "keySigning"\n    }\n  }', 'dnssec_config {\n    state = "on"\n    default_key_specs {\n      algorithm = "rsasha1"\n      key_type = "keySigning"\n    }\n  }', ENC],
  // Identity
  ['gcp-iam-primitive-role', IAM_ALL, undefined, 'Basic (primitive) Owner/Editor role granted', grantsRole((role) => PRIMITIVE.has(role), (role) => `${role} is a basic role that grants broad access`), 'Grant predefined or custom roles with the permissions needed.', 'high', 'security', 'project = "p"\n  role = "roles/viewer"\n  member = "user:a@example.com"', 'project = "p"\n  role = "roles/owner"\n  member = "user:a@example.com"'],
  ['gcp-iam-service-account-admin', ['google_project_iam_member'], undefined, 'Service account granted an admin role', grantsRole((role) => PRIMITIVE.has(role) || /admin$/i.test(role), (role) => `a service account holds ${role}`, (m) => m.startsWith('serviceAccount:')), 'Give service accounts only the roles their workload needs.', 'high', 'security', 'project = "p"\n  role = "roles/storage.objectViewer"\n  member = "serviceAccount:app@p.iam.gserviceaccount.com"', 'project = "p"\n  role = "roles/storage.admin"\n  member = "serviceAccount:app@p.iam.gserviceaccount.com"'],
  ['gcp-iam-project-impersonation-role', IAM_PROJECT, undefined, 'Service Account User/Token Creator granted at project level', grantsRole((role) => IMPERSONATION.has(role), (role) => `${role} at project level lets members impersonate every service account`), 'Grant these roles on the individual service account instead.', 'high', 'security', 'project = "p"\n  role = "roles/viewer"\n  member = "user:a@example.com"', 'project = "p"\n  role = "roles/iam.serviceAccountTokenCreator"\n  member = "user:a@example.com"'],
  ['gcp-iam-folder-org-impersonation-role', ['google_folder_iam_member', 'google_folder_iam_binding', 'google_organization_iam_member', 'google_organization_iam_binding'], undefined, 'Service Account User/Token Creator granted at folder or organization level', grantsRole((role) => IMPERSONATION.has(role), (role) => `${role} here lets members impersonate every service account below`), 'Grant these roles on the individual service account instead.', 'high', 'security', 'folder = "folders/1"\n  role = "roles/viewer"\n  member = "user:a@example.com"', 'folder = "folders/1"\n  role = "roles/iam.serviceAccountUser"\n  member = "user:a@example.com"'],
  ['gcp-iam-default-service-account-role', IAM_ALL, undefined, 'Default service account granted a role', (r) => (membersOf(r).some((m) => isDefaultSa(m)) ? [{ path: memberPath(r), message: 'a role is granted to a default (Compute Engine/App Engine) service account' }] : []), 'Create a dedicated service account for the workload.', 'medium', 'security', 'project = "p"\n  role = "roles/viewer"\n  member = "serviceAccount:app@p.iam.gserviceaccount.com"', 'project = "p"\n  role = "roles/viewer"\n  member = "serviceAccount:123-compute@developer.gserviceaccount.com"'],
  ['gcp-service-account-user-managed-key', ['google_service_account_key'], undefined, 'User-managed service account key', () => [{ message: 'a long-lived user-managed key is created for the service account (uploaded keys too)' }], 'Use workload identity or short-lived credentials instead of service account keys.', 'medium', 'security', 'resource "google_service_account" "x" {\n  account_id = "app"\n}', 'service_account_id = "sa"'],
  // KMS
  ['gcp-kms-key-rotation', ['google_kms_crypto_key'], undefined, 'KMS key not rotated within 90 days', kmsRotation, 'Set rotation_period = "7776000s" (or less).', 'medium', 'security', 'rotation_period = "7776000s"', 'rotation_period = "31536000s"', ENC],
  ['gcp-kms-key-public-iam', ['google_kms_crypto_key_iam_member', 'google_kms_crypto_key_iam_binding'], undefined, 'KMS key usable by anyone', publicMember('key role'), 'Grant key roles to named principals only.', 'critical', 'security', 'crypto_key_id = "k"\n  role = "roles/cloudkms.cryptoKeyEncrypterDecrypter"\n  member = "group:team@example.com"', 'crypto_key_id = "k"\n  role = "roles/cloudkms.cryptoKeyEncrypterDecrypter"\n  member = "allAuthenticatedUsers"', ENC],
  // Cloud SQL
  ['gcp-sql-public-ip', ['google_sql_database_instance'], undefined, 'Cloud SQL instance has a public IP', sqlPublicIp, 'Set settings.ip_configuration.ipv4_enabled = false and use private IP.', 'high', 'security', sql('POSTGRES_15', 'ip_configuration {\n      ipv4_enabled = false\n      private_network = "n"\n    }'), sql('POSTGRES_15', 'ip_configuration {\n      ipv4_enabled = true\n    }'), PUB],
  ['gcp-sql-open-to-world', ['google_sql_database_instance'], undefined, 'Cloud SQL authorized network is 0.0.0.0/0', sqlWorld, 'Authorize only known client networks.', 'critical', 'security', sql('POSTGRES_15', 'ip_configuration {\n      authorized_networks {\n        value = "203.0.113.0/24"\n      }\n    }'), sql('POSTGRES_15', 'ip_configuration {\n      authorized_networks {\n        value = "0.0.0.0/0"\n      }\n    }'), PUB],
  ['gcp-sql-ssl-not-required', ['google_sql_database_instance'], undefined, 'Cloud SQL accepts connections without SSL', sqlSsl, 'Set settings.ip_configuration.ssl_mode = "ENCRYPTED_ONLY" (or require_ssl = true).', 'high', 'security', sql('POSTGRES_15', 'ip_configuration {\n      require_ssl = true\n    }'), sql('POSTGRES_15', 'ip_configuration {\n      require_ssl = false\n    }'), ENC],
  ['gcp-sql-backups-disabled', ['google_sql_database_instance'], undefined, 'Cloud SQL instance without automated backups', on('settings.backup_configuration.enabled', 'automated backups'), 'Add settings.backup_configuration { enabled = true }.', 'medium', 'reliability', sql('POSTGRES_15', 'backup_configuration {\n      enabled = true\n    }'), sql('POSTGRES_15', 'backup_configuration {\n      enabled = false\n    }'), BAK],
  ['gcp-sql-postgres-logging-flags-off', ['google_sql_database_instance'], undefined, 'Cloud SQL PostgreSQL logging flags not on', flagRule('POSTGRES', ['log_checkpoints', 'log_connections', 'log_disconnections', 'log_lock_waits'].map((n) => [n, eq('on'), `${n} is not on`] as [string, (v: string | undefined) => boolean, string])), 'Set the log_checkpoints, log_connections, log_disconnections and log_lock_waits flags to "on".', 'medium', 'security', sql('POSTGRES_15', pgFlags('on')), sql('POSTGRES_15', pgFlags('off')), LOG],
  ['gcp-sql-postgres-statement-logging', ['google_sql_database_instance'], undefined, 'Cloud SQL PostgreSQL logs statement durations', flagRule('POSTGRES', [['log_min_duration_statement', (v) => v === undefined || v === '-1', 'log_min_duration_statement logs statements (it may record sensitive data)']]), 'Set the log_min_duration_statement flag to "-1".', 'low', 'security', sql('POSTGRES_15', 'database_flags {\n      name = "log_min_duration_statement"\n      value = "-1"\n    }'), sql('POSTGRES_15', 'database_flags {\n      name = "log_min_duration_statement"\n      value = "0"\n    }')],
  ['gcp-sql-mysql-local-infile', ['google_sql_database_instance'], undefined, 'Cloud SQL MySQL local_infile enabled', flagRule('MYSQL', [['local_infile', (v) => v !== 'on', 'local_infile is on']]), 'Set the local_infile flag to "off".', 'medium', 'security', sql('MYSQL_8_0', 'database_flags {\n      name = "local_infile"\n      value = "off"\n    }'), sql('MYSQL_8_0', 'database_flags {\n      name = "local_infile"\n      value = "on"\n    }')],
  ['gcp-sql-sqlserver-unsafe-flags', ['google_sql_database_instance'], undefined, 'Cloud SQL Server cross-database chaining or contained authentication on', flagRule('SQLSERVER', [['cross db ownership chaining', (v) => v !== 'on', 'cross db ownership chaining is on'], ['contained database authentication', (v) => v !== 'on', 'contained database authentication is on']]), 'Set the "cross db ownership chaining" and "contained database authentication" flags to "off".', 'medium', 'security', sql('SQLSERVER_2019_STANDARD', 'database_flags {\n      name = "cross db ownership chaining"\n      value = "off"\n    }'), sql('SQLSERVER_2019_STANDARD', 'database_flags {\n      name = "cross db ownership chaining"\n      value = "on"\n    }')],
  // Compute
  ['gcp-compute-serial-port-enabled', ['google_compute_instance', 'google_compute_instance_template'], undefined, 'VM serial port access enabled', serialPort, 'Remove metadata serial-port-enable (or set it to false).', 'medium', 'security', 'metadata = {\n    serial-port-enable = false\n  }', 'metadata = {\n    serial-port-enable = true\n  }'],
  ['gcp-compute-os-login-disabled', ['google_compute_instance', 'google_compute_instance_template'], undefined, 'VM overrides OS Login off', instanceOsLogin, 'Remove metadata enable-oslogin = false.', 'medium', 'security', 'metadata = {\n    enable-oslogin = "TRUE"\n  }', 'metadata = {\n    enable-oslogin = "FALSE"\n  }'],
  ['gcp-project-os-login-disabled', ['google_compute_project_metadata'], undefined, 'Project metadata does not enable OS Login', projectOsLogin, 'Set metadata enable-oslogin = "TRUE" in the project metadata.', 'medium', 'security', 'metadata = {\n    enable-oslogin = "TRUE"\n  }', 'metadata = {\n    foo = "bar"\n  }'],
  ['gcp-compute-project-ssh-keys-allowed', ['google_compute_instance'], undefined, 'VM accepts project-wide SSH keys', projectSshKeys, 'Set metadata block-project-ssh-keys = true (or use OS Login).', 'medium', 'security', 'metadata = {\n    block-project-ssh-keys = true\n  }', 'metadata = {\n    block-project-ssh-keys = false\n  }'],
  ['gcp-compute-no-shielded-vm', ['google_compute_instance'], undefined, 'VM without Shielded VM', shieldedVm, 'Add shielded_instance_config { enable_vtpm = true, enable_integrity_monitoring = true }.', 'medium', 'security', 'shielded_instance_config {\n    enable_vtpm = true\n    enable_integrity_monitoring = true\n  }', 'shielded_instance_config {\n    enable_vtpm = false\n    enable_integrity_monitoring = true\n  }'],
  ['gcp-compute-public-ip', ['google_compute_instance', 'google_compute_instance_template'], undefined, 'VM has an external IP address', publicIp, 'Remove access_config and reach the VM through IAP or a load balancer.', 'medium', 'security', 'network_interface {\n    network = "default"\n  }', 'network_interface {\n    network = "default"\n    access_config {\n    }\n  }', PUB],
  ['gcp-compute-ip-forwarding', ['google_compute_instance', 'google_compute_instance_template'], undefined, 'VM forwards IP traffic', notOn('can_ip_forward', 'IP forwarding'), 'Set can_ip_forward = false unless the VM is a network appliance.', 'medium', 'security', 'can_ip_forward = false', 'can_ip_forward = true'],
  ['gcp-compute-default-service-account', ['google_compute_instance', 'google_compute_instance_template'], undefined, 'VM runs as the default service account', defaultSa, 'Create a dedicated service account for the VM.', 'medium', 'security', 'service_account {\n    email = "app@p.iam.gserviceaccount.com"\n    scopes = ["cloud-platform"]\n  }', 'service_account {\n    scopes = ["userinfo-email"]\n  }'],
  ['gcp-compute-default-sa-full-access', ['google_compute_instance', 'google_compute_instance_template'], undefined, 'VM default service account has full API access', defaultSaFullScope, 'Use a dedicated service account or narrow scopes.', 'high', 'security', 'service_account {\n    email = "app@p.iam.gserviceaccount.com"\n    scopes = ["cloud-platform"]\n  }', 'service_account {\n    email = "123-compute@developer.gserviceaccount.com"\n    scopes = ["cloud-platform"]\n  }'],
  ['gcp-compute-disk-no-csek', ['google_compute_disk', 'google_compute_instance'], undefined, 'Disk not encrypted with a customer key', diskCsek, 'Set disk_encryption_key (kms_key_self_link) on the disk.', 'low', 'security', 'disk_encryption_key {\n    kms_key_self_link = "k"\n  }', 'size = 10', ENC],
  // GKE
  ['gcp-gke-legacy-abac', ['google_container_cluster'], undefined, 'GKE legacy ABAC enabled', notOn('enable_legacy_abac', 'legacy ABAC'), 'Set enable_legacy_abac = false (use RBAC).', 'high', 'security', 'enable_legacy_abac = false', 'enable_legacy_abac = true'],
  ['gcp-gke-basic-auth', ['google_container_cluster'], undefined, 'GKE basic authentication enabled', gkeBasicAuth, 'Remove master_auth username/password.', 'high', 'security', 'master_auth {\n    username = ""\n    password = ""\n  }', 'master_auth {\n    username = "admin"\n    password = "pw"\n  }'],
  ['gcp-gke-not-private', ['google_container_cluster'], undefined, 'GKE nodes are not private', gkePrivateNodes, 'Add private_cluster_config { enable_private_nodes = true }.', 'medium', 'security', 'private_cluster_config {\n    enable_private_nodes = true\n    master_ipv4_cidr_block = "172.16.0.0/28"\n  }', 'private_cluster_config {\n    enable_private_nodes = false\n  }', PUB],
  ['gcp-gke-no-master-authorized-networks', ['google_container_cluster'], undefined, 'GKE control plane accepts every network', has('master_authorized_networks_config', 'master_authorized_networks_config'), 'Add master_authorized_networks_config with the admin networks.', 'medium', 'security', 'master_authorized_networks_config {\n    cidr_blocks {\n      cidr_block = "10.0.0.0/8"\n    }\n  }', 'name = "c"', PUB],
  ['gcp-gke-no-network-policy', ['google_container_cluster'], undefined, 'GKE network policy disabled', gkeNetworkPolicy, 'Add network_policy { enabled = true } (or use Dataplane V2).', 'medium', 'security', 'network_policy {\n    enabled = true\n  }', 'network_policy {\n    enabled = false\n  }'],
  ['gcp-gke-no-workload-identity', ['google_container_cluster'], undefined, 'GKE cluster without Workload Identity', has('workload_identity_config', 'workload_identity_config'), 'Add workload_identity_config { workload_pool = "<project>.svc.id.goog" }.', 'medium', 'security', 'workload_identity_config {\n    workload_pool = "p.svc.id.goog"\n  }', 'name = "c"'],
  ['gcp-gke-metadata-server-disabled', ['google_container_cluster', 'google_container_node_pool'], undefined, 'GKE nodes without the GKE metadata server', gkeMetadataServer, 'Set node_config.workload_metadata_config.mode = "GKE_METADATA".', 'medium', 'security', 'node_config {\n    workload_metadata_config {\n      mode = "GKE_METADATA"\n    }\n  }', 'node_config {\n    workload_metadata_config {\n      mode = "GCE_METADATA"\n    }\n  }'],
  ['gcp-gke-legacy-metadata-endpoints', ['google_container_cluster', 'google_container_node_pool'], undefined, 'GKE legacy metadata endpoints enabled', gkeLegacyMetadata, 'Remove disable-legacy-endpoints = "false" from node metadata.', 'medium', 'security', 'node_config {\n    metadata = {\n      disable-legacy-endpoints = "true"\n    }\n  }', 'node_config {\n    metadata = {\n      disable-legacy-endpoints = "false"\n    }\n  }'],
  ['gcp-gke-node-auto-upgrade-disabled', ['google_container_node_pool'], undefined, 'GKE node pool auto-upgrade disabled', falseIs('management.auto_upgrade', 'node auto-upgrade is disabled'), 'Set management { auto_upgrade = true }.', 'medium', 'reliability', 'management {\n    auto_upgrade = true\n  }', 'management {\n    auto_upgrade = false\n  }'],
  ['gcp-gke-node-auto-repair-disabled', ['google_container_node_pool'], undefined, 'GKE node pool auto-repair disabled', falseIs('management.auto_repair', 'node auto-repair is disabled'), 'Set management { auto_repair = true }.', 'low', 'reliability', 'management {\n    auto_repair = true\n  }', 'management {\n    auto_repair = false\n  }'],
  ['gcp-gke-shielded-nodes-disabled', ['google_container_cluster'], undefined, 'GKE shielded nodes disabled', falseIs('enable_shielded_nodes', 'shielded nodes are disabled'), 'Remove enable_shielded_nodes = false.', 'medium', 'security', 'enable_shielded_nodes = true', 'enable_shielded_nodes = false'],
  ['gcp-gke-logging-disabled', ['google_container_cluster'], undefined, 'GKE cluster logging disabled', serviceNone('logging_service', 'cluster logging is disabled'), 'Set logging_service = "logging.googleapis.com/kubernetes".', 'medium', 'security', 'logging_service = "logging.googleapis.com/kubernetes"', 'logging_service = "none"', LOG],
  ['gcp-gke-monitoring-disabled', ['google_container_cluster'], undefined, 'GKE cluster monitoring disabled', serviceNone('monitoring_service', 'cluster monitoring is disabled'), 'Set monitoring_service = "monitoring.googleapis.com/kubernetes".', 'low', 'reliability', 'monitoring_service = "monitoring.googleapis.com/kubernetes"', 'monitoring_service = "none"', LOG],
  // Cloud Functions / Cloud Run
  ['gcp-cloudfunction-public-invoker', ['google_cloudfunctions_function_iam_member', 'google_cloudfunctions_function_iam_binding', 'google_cloudfunctions2_function_iam_member', 'google_cloud_run_service_iam_member', 'google_cloud_run_v2_service_iam_member'], undefined, 'Cloud Function or Cloud Run service invocable by anyone', publicMember('invoker role'), 'Grant the invoker role to named principals (or put the service behind IAP).', 'medium', 'security', 'cloud_function = "f"\n  role = "roles/cloudfunctions.invoker"\n  member = "serviceAccount:app@p.iam.gserviceaccount.com"', 'cloud_function = "f"\n  role = "roles/cloudfunctions.invoker"\n  member = "allUsers"', PUB],
  ['gcp-cloudfunction-http-allowed', ['google_cloudfunctions_function'], undefined, 'Cloud Function HTTP trigger accepts plain HTTP', functionInsecure, 'Set https_trigger_security_level = "SECURE_ALWAYS".', 'medium', 'security', 'trigger_http = true\n  https_trigger_security_level = "SECURE_ALWAYS"', 'trigger_http = true\n  https_trigger_security_level = "SECURE_OPTIONAL"', ENC],
  // Logging
  ['gcp-audit-config-exempts-members', ['google_project_iam_audit_config', 'google_organization_iam_audit_config', 'google_folder_iam_audit_config'], undefined, 'Audit logging exempts some members', auditExemptions, 'Remove exempted_members so every user is audited.', 'medium', 'security', 'service = "allServices"\n  audit_log_config {\n    log_type = "DATA_WRITE"\n  }', 'service = "allServices"\n  audit_log_config {\n    log_type = "DATA_WRITE"\n    exempted_members = ["user:a@example.com"]\n  }', LOG],
];

export const gcpRules: Rule[] = rulesFromRows(ROWS);
