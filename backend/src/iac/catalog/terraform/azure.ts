import { isObject, type Value } from '../../model.js';
import { asList, asStrings, isKnown, isTrue } from '../../engine/checks.js';
import type { CheckFn, Rule } from '../../engine/rule.js';
import type { ResourceView } from '../../engine/view.js';
import { BAK, ENC, falseIs, has, LOG, notOn, on, PUB, rulesFromRows, type Row } from './breadth.js';

/** Azure (azurerm) rules after the CIS Microsoft Azure Foundations basics; rows as in breadth.ts. */

const INTERNET = new Set(['*', '0.0.0.0', '0.0.0.0/0', 'internet', 'any', '::/0']);

interface NsgRule { path: string; protocol: string; sources: string[]; ports: string[] }

/** Inbound Allow rules of an NSG (inline `security_rule` blocks) or of a standalone `azurerm_network_security_rule`. */
function inboundAllows(r: ResourceView): NsgRule[] {
  const toRule = (x: Value, path: string): NsgRule | undefined => {
    if (!isObject(x)) return undefined;
    if (String(x.direction ?? '').toLowerCase() !== 'inbound' || String(x.access ?? '').toLowerCase() !== 'allow') return undefined;
    const sources = [...asStrings(x.source_address_prefix), ...asStrings(x.source_address_prefixes)];
    const ports = [...asStrings(x.destination_port_range), ...asStrings(x.destination_port_ranges)].map(String);
    return { path, protocol: String(x.protocol ?? '*').toLowerCase(), sources, ports };
  };
  const rules = r.kind === 'azurerm_network_security_rule' ? [toRule(r.res.attrs, '')] : r.each('security_rule').map((x) => toRule(x.value, x.path));
  return rules.filter((x): x is NsgRule => x !== undefined);
}

const fromInternet = (x: NsgRule) => x.sources.some((s) => INTERNET.has(s.trim().toLowerCase()));
const portCovers = (range: string, port: number) => {
  if (range.trim() === '*') return true;
  const [lo, hi] = range.split('-').map((p) => Number(p.trim()));
  return lo !== undefined && !isNaN(lo) && lo <= port && port <= (hi === undefined || isNaN(hi) ? lo : hi);
};

/** Inbound Allow rules from the internet that `match`. */
const nsgOpen = (what: string, match: (x: NsgRule) => boolean): CheckFn => (r) =>
  inboundAllows(r).filter((x) => fromInternet(x) && match(x)).map((x) => ({ path: x.path || undefined, message: `${what} is allowed from the internet` }));
const nsgPort = (port: number, what: string) => nsgOpen(what, (x) => ['tcp', '*'].includes(x.protocol) && x.ports.some((p) => portCovers(p, port)));
const allPorts = (x: NsgRule) => x.ports.some((p) => p.trim() === '*' || p.trim() === '0-65535');

/** `attr` must not be explicitly true (the provider's default is safe). */
const notTrue = (p: string, message: string): CheckFn => (r) => (isTrue(r.get(p)) ? [{ path: p, message }] : []);
/** An optional setting whose value, when written, must be one of `good`. */
const ifSetOneOf = (p: string, good: string[], message: string): CheckFn => (r) => {
  const v = r.get(p);
  return v !== undefined && isKnown(v) && !good.includes(String(v)) ? [{ path: p, message }] : [];
};
/** Public network access stays on unless switched off explicitly. */
const publicNetwork = (p = 'public_network_access_enabled'): CheckFn => (r) => {
  const v = r.get(p);
  if (v !== undefined && !isKnown(v)) return [];
  return v === false || v === 'false' ? [] : [{ path: v === undefined ? undefined : p, message: 'public network access is enabled' }];
};
const either = (...checks: CheckFn[]): CheckFn => (r, ctx) => checks.flatMap((c) => c(r, ctx));
/** The first of several attribute names that is written (old and new provider names of one setting). */
const firstOf = (r: ResourceView, ...paths: string[]) => paths.find((p) => r.has(p));

const storagePublicBlobs: CheckFn = (r) => {
  const p = firstOf(r, 'allow_nested_items_to_be_public', 'allow_blob_public_access');
  const v = p ? r.get(p) : undefined;
  if (v !== undefined && !isKnown(v)) return [];
  // azurerm 3.x allows public containers unless allow_nested_items_to_be_public = false.
  return v === false || v === 'false' ? [] : [{ path: p, message: 'containers of this account may be made public' }];
};

const networkDefaultDeny: CheckFn = (r) => {
  const p = r.kind === 'azurerm_storage_account' ? 'network_rules.default_action' : r.kind === 'azurerm_key_vault' ? 'network_acls.default_action' : 'default_action';
  const v = r.get(p);
  if (v !== undefined && !isKnown(v)) return [];
  return v === 'Deny' ? [] : [{ path: v === undefined ? undefined : p, message: 'the default network action is not Deny' }];
};

const storageCmk: CheckFn = (r, ctx) =>
  r.has('customer_managed_key') || ctx.referencing(r.res, 'azurerm_storage_account_customer_managed_key', 'storage_account_id').length
    ? []
    : [{ message: 'the account is encrypted with Microsoft-managed keys only' }];

const queueLogging: CheckFn = (r) => {
  if (!r.has('queue_properties')) return [];
  const missing = ['delete', 'read', 'write'].filter((op) => !isTrue(r.get(`queue_properties.logging.${op}`)));
  return missing.length ? [{ path: 'queue_properties', message: `queue logging does not record ${missing.join(', ')} requests` }] : [];
};

const sqlFirewallWorld: CheckFn = (r) =>
  r.get('start_ip_address') === '0.0.0.0' && r.get('end_ip_address') === '255.255.255.255' ? [{ path: 'end_ip_address', message: 'the firewall rule admits every IPv4 address' }] : [];

const auditing: CheckFn = (r, ctx) =>
  r.has('extended_auditing_policy') || ctx.referencing(r.res, 'azurerm_mssql_server_extended_auditing_policy', 'server_id').length
    ? []
    : [{ message: 'no extended auditing policy is attached' }];

const auditRetention: CheckFn = (r) => {
  const p = r.kind.endsWith('_extended_auditing_policy') ? 'retention_in_days' : 'extended_auditing_policy.retention_in_days';
  const v = r.get(p);
  // 0 keeps audit logs forever.
  return typeof v === 'number' && v > 0 && v < 90 ? [{ path: p, message: `audit logs are kept ${v} days (< 90)` }] : [];
};

const sslEnforced: CheckFn = (r) => {
  const p = firstOf(r, 'ssl_enforcement_enabled', 'ssl_enforcement');
  const v = p ? r.get(p) : undefined;
  return v === false || v === 'false' || v === 'Disabled' ? [{ path: p, message: 'SSL is not enforced on connections' }] : [];
};

const PG_LOG_FLAGS = ['log_checkpoints', 'log_connections', 'log_disconnections', 'connection_throttling'];
const pgLogFlag: CheckFn = (r) => {
  const name = r.get('name');
  return typeof name === 'string' && PG_LOG_FLAGS.includes(name) && String(r.get('value')).toLowerCase() === 'off' ? [{ path: 'value', message: `${name} is off` }] : [];
};

const geoBackup: CheckFn = (r) => (isTrue(r.get('geo_redundant_backup_enabled')) || !isKnown(r.get('geo_redundant_backup_enabled') ?? false) ? [] : [{ path: r.has('geo_redundant_backup_enabled') ? 'geo_redundant_backup_enabled' : undefined, message: 'backups are not geo-redundant' }]);

const ownerRole: CheckFn = (r) => {
  const actions = r.each('permissions').flatMap((x) => (isObject(x.value) ? asStrings(x.value.actions) : []));
  const scopes = [...asStrings(r.get('assignable_scopes')), ...asStrings(r.get('scope'))];
  const subscriptionWide = scopes.some((s) => s === '/' || /^\/subscriptions\/[^/]+\/?$/.test(s));
  return actions.includes('*') && subscriptionWide ? [{ path: 'permissions', message: 'the custom role grants every action on a whole subscription (an owner role)' }] : [];
};

const passwordAuth: CheckFn = (r) => {
  const p = r.kind === 'azurerm_virtual_machine' ? 'os_profile_linux_config.disable_password_authentication' : 'disable_password_authentication';
  if (r.kind === 'azurerm_virtual_machine' && !r.has('os_profile_linux_config')) return [];
  return r.get(p) === false || r.get(p) === 'false' ? [{ path: p, message: 'password authentication is allowed (use SSH keys)' }] : [];
};

const nicPublicIp: CheckFn = (r) => r.each('ip_configuration').filter((x) => isObject(x.value) && x.value.public_ip_address_id !== undefined && x.value.public_ip_address_id !== null).map((x) => ({ path: `${x.path}.public_ip_address_id`, message: 'the interface has a public IP address' }));

const flowLogRetention: CheckFn = (r) => {
  const enabled = r.get('retention_policy.enabled');
  const days = r.get('retention_policy.days');
  if (!r.has('retention_policy')) return [{ message: 'no retention policy is set' }];
  if (enabled === false) return [{ path: 'retention_policy.enabled', message: 'retention is disabled' }];
  return typeof days === 'number' && days > 0 && days < 90 ? [{ path: 'retention_policy.days', message: `flow logs are kept ${days} days (< 90)` }] : [];
};

const logProfileRetention: CheckFn = (r) => {
  const enabled = r.get('retention_policy.enabled');
  const days = r.get('retention_policy.days');
  // Retention disabled keeps the activity log forever.
  if (enabled === false || enabled === undefined) return [];
  return typeof days === 'number' && days < 365 ? [{ path: 'retention_policy.days', message: `the activity log is kept ${days} days (< 365)` }] : [];
};

const logProfileCategories: CheckFn = (r) => {
  const cats = asStrings(r.get('categories')).map((c) => c.toLowerCase());
  if (!isKnown(r.get('categories') ?? [])) return [];
  const missing = ['action', 'delete', 'write'].filter((c) => !cats.includes(c));
  return missing.length ? [{ path: r.has('categories') ? 'categories' : undefined, message: `the log profile does not capture ${missing.join(', ')}` }] : [];
};

const aksRbac: CheckFn = (r) => {
  const p = firstOf(r, 'role_based_access_control_enabled', 'role_based_access_control.enabled');
  return p && (r.get(p) === false || r.get(p) === 'false') ? [{ path: p, message: 'Kubernetes RBAC is disabled' }] : [];
};

const aksAuthorizedRanges: CheckFn = (r) => {
  if (isTrue(r.get('private_cluster_enabled'))) return [];
  const ranges = r.get('api_server_access_profile.authorized_ip_ranges') ?? r.get('api_server_authorized_ip_ranges');
  if (ranges !== undefined && !isKnown(ranges)) return [];
  return asList(ranges).length ? [] : [{ message: 'the public API server accepts every source address' }];
};

const aksMonitoring: CheckFn = (r) => (r.has('oms_agent') || r.has('addon_profile.oms_agent') || r.has('monitor_metrics') ? [] : [{ message: 'no Azure Monitor (oms_agent) logging is configured' }]);

/** azurerm_app_service/function_app name it min_tls_version, the *_web_app/*_function_app resources minimum_tls_version. */
const appTls: CheckFn = (r) => {
  const p = firstOf(r, 'site_config.min_tls_version', 'site_config.minimum_tls_version');
  const v = p ? r.get(p) : undefined;
  return p && isKnown(v) && ['1.0', '1.1'].includes(String(v)) ? [{ path: p, message: `TLS ${String(v)} is accepted` }] : [];
};

const corsAll: CheckFn = (r) => (asStrings(r.get('site_config.cors.allowed_origins')).includes('*') ? [{ path: 'site_config.cors.allowed_origins', message: 'CORS allows every origin' }] : []);

const authEnabled: CheckFn = (r) => (isTrue(r.get('auth_settings.enabled')) || r.has('auth_settings_v2') ? [] : [{ path: r.has('auth_settings.enabled') ? 'auth_settings.enabled' : undefined, message: 'App Service authentication is not enabled' }]);

const keyNoExpiry = has('expiration_date', 'expiration_date');

const WEB_APPS = ['azurerm_app_service', 'azurerm_linux_web_app', 'azurerm_windows_web_app'];
const APPS = [...WEB_APPS, 'azurerm_function_app', 'azurerm_linux_function_app', 'azurerm_windows_function_app'];
const NSG = ['azurerm_network_security_group', 'azurerm_network_security_rule'];
const SQL_FW = ['azurerm_sql_firewall_rule', 'azurerm_mssql_firewall_rule', 'azurerm_mysql_firewall_rule', 'azurerm_postgresql_firewall_rule', 'azurerm_mariadb_firewall_rule'];
const nsgRule = (port: string, source = 'Internet', proto = 'Tcp') =>
  `security_rule {\n    name = "r"\n    priority = 100\n    direction = "Inbound"\n    access = "Allow"\n    protocol = "${proto}"\n    source_port_range = "*"\n    destination_port_range = "${port}"\n    source_address_prefix = "${source}"\n    destination_address_prefix = "*"\n  }`;

const ROWS: Row[] = [
  // Storage
  ['azure-storage-account-https-not-enforced', ['azurerm_storage_account'], undefined, 'Storage account accepts plain HTTP', either(falseIs('enable_https_traffic_only', 'secure transfer (HTTPS only) is disabled'), falseIs('https_traffic_only_enabled', 'secure transfer (HTTPS only) is disabled')), 'Remove enable_https_traffic_only = false (HTTPS only is the default).', 'high', 'security', 'enable_https_traffic_only = true', 'enable_https_traffic_only = false', ENC],
  ['azure-storage-account-old-tls', ['azurerm_storage_account'], undefined, 'Storage account accepts TLS older than 1.2', ifSetOneOf('min_tls_version', ['TLS1_2', 'TLS1_3'], 'min_tls_version is below TLS1_2'), 'Set min_tls_version = "TLS1_2".', 'medium', 'security', 'min_tls_version = "TLS1_2"', 'min_tls_version = "TLS1_0"', ENC],
  ['azure-storage-account-public-blob-access', ['azurerm_storage_account'], undefined, 'Storage account allows public blob containers', storagePublicBlobs, 'Set allow_nested_items_to_be_public = false.', 'high', 'security', 'allow_nested_items_to_be_public = false', 'allow_nested_items_to_be_public = true', PUB],
  ['azure-storage-container-public', ['azurerm_storage_container'], undefined, 'Storage container is publicly readable', (r) => { const v = r.get('container_access_type'); return v === 'blob' || v === 'container' ? [{ path: 'container_access_type', message: `container_access_type is "${v}"` }] : []; }, 'Set container_access_type = "private".', 'high', 'security', 'container_access_type = "private"', 'container_access_type = "container"', PUB],
  ['azure-storage-account-network-open', ['azurerm_storage_account', 'azurerm_storage_account_network_rules'], undefined, 'Storage account network rules allow every network', networkDefaultDeny, 'Set network_rules { default_action = "Deny" } and allow the networks that need access.', 'medium', 'security', 'network_rules {\n    default_action = "Deny"\n  }', 'network_rules {\n    default_action = "Allow"\n  }', PUB],
  ['azure-storage-account-no-cmk', ['azurerm_storage_account'], undefined, 'Storage account not encrypted with a customer-managed key', storageCmk, 'Add customer_managed_key (or an azurerm_storage_account_customer_managed_key).', 'low', 'security', 'customer_managed_key {\n    key_vault_key_id = "k"\n    user_assigned_identity_id = "i"\n  }', 'name = "s"', ENC],
  ['azure-storage-account-no-blob-soft-delete', ['azurerm_storage_account'], undefined, 'Storage account without blob soft delete', has('blob_properties.delete_retention_policy', 'blob_properties.delete_retention_policy'), 'Add blob_properties { delete_retention_policy { days = 7 } }.', 'medium', 'reliability', 'blob_properties {\n    delete_retention_policy {\n      days = 7\n    }\n  }', 'name = "s"', BAK],
  ['azure-storage-account-no-blob-versioning', ['azurerm_storage_account'], undefined, 'Storage account without blob versioning', on('blob_properties.versioning_enabled', 'blob versioning'), 'Set blob_properties { versioning_enabled = true }.', 'low', 'reliability', 'blob_properties {\n    versioning_enabled = true\n  }', 'blob_properties {\n    versioning_enabled = false\n  }', BAK],
  ['azure-storage-account-queue-logging-incomplete', ['azurerm_storage_account'], undefined, 'Storage queue logging misses read, write or delete requests', queueLogging, 'Set queue_properties.logging read, write and delete to true.', 'low', 'security', 'queue_properties {\n    logging {\n      delete = true\n      read = true\n      write = true\n      version = "1.0"\n    }\n  }', 'queue_properties {\n    logging {\n      delete = false\n      read = true\n      write = true\n      version = "1.0"\n    }\n  }', LOG],
  // Network
  ['azure-nsg-ssh-open', NSG, undefined, 'Network security group opens SSH to the internet', nsgPort(22, 'SSH (22)'), 'Restrict source_address_prefix for port 22 to known networks (or use Bastion).', 'high', 'security', nsgRule('22', '10.0.0.0/8'), nsgRule('22'), PUB],
  ['azure-nsg-rdp-open', NSG, undefined, 'Network security group opens RDP to the internet', nsgPort(3389, 'RDP (3389)'), 'Restrict source_address_prefix for port 3389 to known networks (or use Bastion).', 'high', 'security', nsgRule('3389', '10.0.0.0/8'), nsgRule('3389-3390', '*'), PUB],
  ['azure-nsg-all-ports-open', NSG, undefined, 'Network security group opens every port to the internet', nsgOpen('traffic to every port', allPorts), 'Allow only the ports the workload serves, from the networks that need them.', 'high', 'security', nsgRule('443'), nsgRule('*', '0.0.0.0/0', '*'), PUB],
  ['azure-nsg-udp-open', NSG, undefined, 'Network security group opens UDP to the internet', nsgOpen('UDP', (x) => x.protocol === 'udp'), 'Restrict UDP rules to known source networks.', 'medium', 'security', nsgRule('53', '10.0.0.0/8', 'Udp'), nsgRule('53', 'Internet', 'Udp'), PUB],
  ['azure-flow-log-short-retention', ['azurerm_network_watcher_flow_log'], undefined, 'NSG flow logs kept less than 90 days', flowLogRetention, 'Set retention_policy { enabled = true, days = 90 } (or more).', 'medium', 'security', 'retention_policy {\n    enabled = true\n    days = 90\n  }', 'retention_policy {\n    enabled = true\n    days = 7\n  }', LOG],
  ['azure-nic-ip-forwarding', ['azurerm_network_interface'], undefined, 'Network interface forwards IP traffic', either(notTrue('enable_ip_forwarding', 'IP forwarding is enabled'), notTrue('ip_forwarding_enabled', 'IP forwarding is enabled')), 'Remove enable_ip_forwarding unless the VM is a network appliance.', 'medium', 'security', 'enable_ip_forwarding = false', 'enable_ip_forwarding = true'],
  ['azure-nic-public-ip', ['azurerm_network_interface'], undefined, 'Network interface has a public IP', nicPublicIp, 'Reach the VM through a load balancer or Bastion instead of a public IP.', 'medium', 'security', 'ip_configuration {\n    name = "i"\n    private_ip_address_allocation = "Dynamic"\n  }', 'ip_configuration {\n    name = "i"\n    private_ip_address_allocation = "Dynamic"\n    public_ip_address_id = "pip"\n  }', PUB],
  ['azure-sql-firewall-open-to-world', SQL_FW, undefined, 'Database firewall rule admits the whole internet', sqlFirewallWorld, 'Narrow start_ip_address/end_ip_address to the clients that need access.', 'critical', 'security', 'start_ip_address = "10.0.0.1"\n  end_ip_address = "10.0.0.9"', 'start_ip_address = "0.0.0.0"\n  end_ip_address = "255.255.255.255"', PUB],
  // Identity
  ['azure-role-definition-subscription-owner', ['azurerm_role_definition'], undefined, 'Custom role grants owner rights on a subscription', ownerRole, 'List the actions the role needs instead of "*".', 'high', 'security', 'scope = "/subscriptions/s"\n  assignable_scopes = ["/subscriptions/s"]\n  permissions {\n    actions = ["Microsoft.Compute/*/read"]\n  }', 'scope = "/subscriptions/s"\n  assignable_scopes = ["/subscriptions/s"]\n  permissions {\n    actions = ["*"]\n  }'],
  ['azure-vm-password-authentication', ['azurerm_linux_virtual_machine', 'azurerm_linux_virtual_machine_scale_set', 'azurerm_virtual_machine'], undefined, 'Linux VM allows password authentication', passwordAuth, 'Set disable_password_authentication = true and use admin_ssh_key.', 'medium', 'security', 'disable_password_authentication = true', 'disable_password_authentication = false'],
  ['azure-app-service-no-managed-identity', APPS, undefined, 'App Service without a managed identity', has('identity', 'identity'), 'Add identity { type = "SystemAssigned" } and use it instead of stored credentials.', 'low', 'security', 'identity {\n    type = "SystemAssigned"\n  }', 'name = "a"'],
  // Databases
  ['azure-mssql-server-public', ['azurerm_mssql_server'], undefined, 'SQL server reachable from public networks', publicNetwork(), 'Set public_network_access_enabled = false and use private endpoints.', 'high', 'security', 'public_network_access_enabled = false', 'public_network_access_enabled = true', PUB],
  ['azure-mssql-server-old-tls', ['azurerm_mssql_server'], undefined, 'SQL server accepts TLS older than 1.2', ifSetOneOf('minimum_tls_version', ['1.2', '1.3'], 'minimum_tls_version is below 1.2'), 'Set minimum_tls_version = "1.2".', 'medium', 'security', 'minimum_tls_version = "1.2"', 'minimum_tls_version = "1.0"', ENC],
  ['azure-sql-server-auditing-disabled', ['azurerm_mssql_server', 'azurerm_sql_server'], undefined, 'SQL server without auditing', auditing, 'Add an azurerm_mssql_server_extended_auditing_policy for the server.', 'medium', 'security', 'resource "azurerm_mssql_server" "x" {\n  name = "s"\n}\nresource "azurerm_mssql_server_extended_auditing_policy" "a" {\n  server_id = azurerm_mssql_server.x.id\n  retention_in_days = 90\n}', 'name = "s"', LOG],
  ['azure-sql-audit-short-retention', ['azurerm_mssql_server_extended_auditing_policy', 'azurerm_mssql_database_extended_auditing_policy', 'azurerm_mssql_server', 'azurerm_sql_server'], undefined, 'SQL audit logs kept less than 90 days', auditRetention, 'Set retention_in_days to 90 or more (0 keeps them forever).', 'low', 'security', 'retention_in_days = 90', 'retention_in_days = 30', LOG],
  ['azure-mysql-server-ssl-disabled', ['azurerm_mysql_server'], undefined, 'MySQL server does not enforce SSL', sslEnforced, 'Set ssl_enforcement_enabled = true.', 'high', 'security', 'ssl_enforcement_enabled = true', 'ssl_enforcement_enabled = false', ENC],
  ['azure-postgresql-server-ssl-disabled', ['azurerm_postgresql_server'], undefined, 'PostgreSQL server does not enforce SSL', sslEnforced, 'Set ssl_enforcement_enabled = true.', 'high', 'security', 'ssl_enforcement_enabled = true', 'ssl_enforcement_enabled = false', ENC],
  ['azure-mariadb-server-ssl-disabled', ['azurerm_mariadb_server'], undefined, 'MariaDB server does not enforce SSL', sslEnforced, 'Set ssl_enforcement_enabled = true.', 'high', 'security', 'ssl_enforcement_enabled = true', 'ssl_enforcement_enabled = false', ENC],
  ['azure-mysql-server-old-tls', ['azurerm_mysql_server'], undefined, 'MySQL server accepts TLS older than 1.2', ifSetOneOf('ssl_minimal_tls_version_enforced', ['TLS1_2', 'TLS1_3'], 'ssl_minimal_tls_version_enforced is below TLS1_2'), 'Set ssl_minimal_tls_version_enforced = "TLS1_2".', 'medium', 'security', 'ssl_minimal_tls_version_enforced = "TLS1_2"', 'ssl_minimal_tls_version_enforced = "TLS1_0"', ENC],
  ['azure-postgresql-server-old-tls', ['azurerm_postgresql_server'], undefined, 'PostgreSQL server accepts TLS older than 1.2', ifSetOneOf('ssl_minimal_tls_version_enforced', ['TLS1_2', 'TLS1_3'], 'ssl_minimal_tls_version_enforced is below TLS1_2'), 'Set ssl_minimal_tls_version_enforced = "TLS1_2".', 'medium', 'security', 'ssl_minimal_tls_version_enforced = "TLS1_2"', 'ssl_minimal_tls_version_enforced = "TLSEnforcementDisabled"', ENC],
  ['azure-mysql-server-public', ['azurerm_mysql_server'], undefined, 'MySQL server reachable from public networks', publicNetwork(), 'Set public_network_access_enabled = false and use private endpoints.', 'high', 'security', 'public_network_access_enabled = false', 'public_network_access_enabled = true', PUB],
  ['azure-postgresql-server-public', ['azurerm_postgresql_server'], undefined, 'PostgreSQL server reachable from public networks', publicNetwork(), 'Set public_network_access_enabled = false and use private endpoints.', 'high', 'security', 'public_network_access_enabled = false', 'public_network_access_enabled = true', PUB],
  ['azure-mariadb-server-public', ['azurerm_mariadb_server'], undefined, 'MariaDB server reachable from public networks', publicNetwork(), 'Set public_network_access_enabled = false and use private endpoints.', 'high', 'security', 'public_network_access_enabled = false', 'public_network_access_enabled = true', PUB],
  ['azure-postgresql-logging-flag-off', ['azurerm_postgresql_configuration'], undefined, 'PostgreSQL logging or throttling parameter switched off', pgLogFlag, 'Set log_checkpoints, log_connections, log_disconnections and connection_throttling to "on".', 'medium', 'security', 'name = "log_connections"\n  value = "on"', 'name = "log_connections"\n  value = "off"', LOG],
  ['azure-db-server-no-geo-backup', ['azurerm_mysql_server', 'azurerm_postgresql_server', 'azurerm_mariadb_server'], undefined, 'Database server backups are not geo-redundant', geoBackup, 'Set geo_redundant_backup_enabled = true.', 'low', 'reliability', 'geo_redundant_backup_enabled = true', 'geo_redundant_backup_enabled = false', BAK],
  // Key Vault
  ['azure-key-vault-no-purge-protection', ['azurerm_key_vault'], undefined, 'Key Vault without purge protection', on('purge_protection_enabled', 'purge protection'), 'Set purge_protection_enabled = true.', 'medium', 'reliability', 'purge_protection_enabled = true', 'purge_protection_enabled = false', BAK],
  ['azure-key-vault-soft-delete-disabled', ['azurerm_key_vault'], undefined, 'Key Vault soft delete disabled', falseIs('soft_delete_enabled', 'soft delete is disabled'), 'Remove soft_delete_enabled = false (soft delete is the default).', 'medium', 'reliability', 'soft_delete_retention_days = 90', 'soft_delete_enabled = false', BAK],
  ['azure-key-vault-network-open', ['azurerm_key_vault'], undefined, 'Key Vault firewall allows every network', networkDefaultDeny, 'Add network_acls { default_action = "Deny", bypass = "AzureServices" }.', 'medium', 'security', 'network_acls {\n    default_action = "Deny"\n    bypass = "AzureServices"\n  }', 'network_acls {\n    default_action = "Allow"\n    bypass = "AzureServices"\n  }', PUB],
  ['azure-key-vault-key-no-expiry', ['azurerm_key_vault_key'], undefined, 'Key Vault key without expiration date', keyNoExpiry, 'Set expiration_date.', 'low', 'security', 'expiration_date = "2027-12-31T00:00:00Z"', 'name = "k"', ENC],
  ['azure-key-vault-secret-no-expiry', ['azurerm_key_vault_secret'], undefined, 'Key Vault secret without expiration date', keyNoExpiry, 'Set expiration_date.', 'low', 'security', 'expiration_date = "2027-12-31T00:00:00Z"', 'name = "s"', ENC],
  ['azure-key-vault-key-no-rotation', ['azurerm_key_vault_key'], undefined, 'Key Vault key without automatic rotation', has('rotation_policy', 'rotation_policy'), 'Add rotation_policy { automatic { time_before_expiry = "P30D" } }.', 'low', 'security', 'rotation_policy {\n    expire_after = "P90D"\n  }', 'name = "k"', ENC],
  ['azure-key-vault-key-not-hsm', ['azurerm_key_vault_key'], undefined, 'Key Vault key not backed by an HSM', (r) => { const t = r.get('key_type'); return typeof t === 'string' && !t.endsWith('-HSM') ? [{ path: 'key_type', message: `key_type ${t} is software-protected` }] : []; }, 'Use key_type = "RSA-HSM" or "EC-HSM".', 'low', 'security', 'key_type = "RSA-HSM"', 'key_type = "RSA"', ENC],
  // Compute
  ['azure-managed-disk-unencrypted', ['azurerm_managed_disk'], undefined, 'Managed disk encryption settings disabled', falseIs('encryption_settings.enabled', 'disk encryption is disabled'), 'Remove encryption_settings.enabled = false or configure disk encryption.', 'high', 'security', 'encryption_settings {\n    enabled = true\n  }', 'encryption_settings {\n    enabled = false\n  }', ENC],
  ['azure-managed-disk-no-cmk', ['azurerm_managed_disk'], undefined, 'Managed disk not encrypted with a customer-managed key', has('disk_encryption_set_id', 'disk_encryption_set_id'), 'Set disk_encryption_set_id to a disk encryption set with your key.', 'low', 'security', 'disk_encryption_set_id = "des"', 'name = "d"', ENC],
  ['azure-vmss-no-encryption-at-host', ['azurerm_linux_virtual_machine_scale_set', 'azurerm_windows_virtual_machine_scale_set'], undefined, 'Scale set without encryption at host', on('encryption_at_host_enabled', 'encryption at host'), 'Set encryption_at_host_enabled = true.', 'medium', 'security', 'encryption_at_host_enabled = true', 'encryption_at_host_enabled = false', ENC],
  // AKS
  ['azure-aks-rbac-disabled', ['azurerm_kubernetes_cluster'], undefined, 'AKS cluster with Kubernetes RBAC disabled', aksRbac, 'Set role_based_access_control_enabled = true.', 'high', 'security', 'role_based_access_control_enabled = true', 'role_based_access_control_enabled = false'],
  ['azure-aks-not-private', ['azurerm_kubernetes_cluster'], undefined, 'AKS API server is public', on('private_cluster_enabled', 'private cluster'), 'Set private_cluster_enabled = true.', 'medium', 'security', 'private_cluster_enabled = true', 'private_cluster_enabled = false', PUB],
  ['azure-aks-no-network-policy', ['azurerm_kubernetes_cluster'], undefined, 'AKS cluster without a network policy engine', has('network_profile.network_policy', 'network_profile.network_policy'), 'Set network_profile { network_policy = "azure" } (or "calico").', 'medium', 'security', 'network_profile {\n    network_plugin = "azure"\n    network_policy = "azure"\n  }', 'network_profile {\n    network_plugin = "azure"\n  }'],
  ['azure-aks-api-open-to-all', ['azurerm_kubernetes_cluster'], undefined, 'AKS public API server without authorized IP ranges', aksAuthorizedRanges, 'Set api_server_access_profile { authorized_ip_ranges = [...] } or make the cluster private.', 'medium', 'security', 'api_server_access_profile {\n    authorized_ip_ranges = ["10.0.0.0/8"]\n  }', 'name = "k"', PUB],
  ['azure-aks-logging-disabled', ['azurerm_kubernetes_cluster'], undefined, 'AKS cluster not logging to Azure Monitor', aksMonitoring, 'Add oms_agent { log_analytics_workspace_id = ... }.', 'low', 'security', 'oms_agent {\n    log_analytics_workspace_id = "w"\n  }', 'name = "k"', LOG],
  ['azure-aks-dashboard-enabled', ['azurerm_kubernetes_cluster'], undefined, 'AKS Kubernetes dashboard enabled', notOn('addon_profile.kube_dashboard.enabled', 'the Kubernetes dashboard'), 'Remove the kube_dashboard add-on.', 'medium', 'security', 'addon_profile {\n    kube_dashboard {\n      enabled = false\n    }\n  }', 'addon_profile {\n    kube_dashboard {\n      enabled = true\n    }\n  }'],
  // App Service / Functions
  ['azure-app-service-https-not-enforced', APPS, undefined, 'App Service accepts plain HTTP', on('https_only', 'HTTPS only'), 'Set https_only = true.', 'high', 'security', 'https_only = true', 'https_only = false', ENC],
  ['azure-app-service-old-tls', APPS, undefined, 'App Service accepts TLS older than 1.2', appTls, 'Set site_config { minimum_tls_version = "1.2" }.', 'medium', 'security', 'site_config {\n    min_tls_version = "1.2"\n  }', 'site_config {\n    min_tls_version = "1.0"\n  }', ENC],
  ['azure-app-service-ftp-allowed', APPS, undefined, 'App Service allows plain FTP deployments', (r) => (r.get('site_config.ftps_state') === 'AllAllowed' ? [{ path: 'site_config.ftps_state', message: 'ftps_state is AllAllowed' }] : []), 'Set site_config { ftps_state = "Disabled" } (or "FtpsOnly").', 'medium', 'security', 'site_config {\n    ftps_state = "Disabled"\n  }', 'site_config {\n    ftps_state = "AllAllowed"\n  }', ENC],
  ['azure-app-service-auth-disabled', ['azurerm_app_service', 'azurerm_function_app'], undefined, 'App Service authentication disabled', authEnabled, 'Add auth_settings { enabled = true } with an identity provider.', 'low', 'security', 'auth_settings {\n    enabled = true\n  }', 'auth_settings {\n    enabled = false\n  }'],
  ['azure-app-service-remote-debugging', WEB_APPS, undefined, 'App Service remote debugging enabled', notOn('site_config.remote_debugging_enabled', 'remote debugging'), 'Set site_config { remote_debugging_enabled = false }.', 'medium', 'security', 'site_config {\n    remote_debugging_enabled = false\n  }', 'site_config {\n    remote_debugging_enabled = true\n  }'],
  ['azure-app-service-cors-any-origin', WEB_APPS, undefined, 'App Service CORS allows every origin', corsAll, 'List the allowed origins instead of "*".', 'medium', 'security', 'site_config {\n    cors {\n      allowed_origins = ["https://example.com"]\n    }\n  }', 'site_config {\n    cors {\n      allowed_origins = ["*"]\n    }\n  }'],
  // Logging, monitoring, Defender
  ['azure-log-profile-short-retention', ['azurerm_monitor_log_profile'], undefined, 'Activity log kept less than 365 days', logProfileRetention, 'Set retention_policy { enabled = true, days = 365 }.', 'medium', 'security', 'categories = ["Action", "Delete", "Write"]\n  retention_policy {\n    enabled = true\n    days = 365\n  }', 'categories = ["Action", "Delete", "Write"]\n  retention_policy {\n    enabled = true\n    days = 30\n  }', LOG],
  ['azure-log-profile-incomplete-categories', ['azurerm_monitor_log_profile'], undefined, 'Activity log profile misses Action, Delete or Write events', logProfileCategories, 'Set categories = ["Action", "Delete", "Write"].', 'medium', 'security', 'categories = ["Action", "Delete", "Write"]', 'categories = ["Write"]', LOG],
  ['azure-defender-free-tier', ['azurerm_security_center_subscription_pricing'], undefined, 'Microsoft Defender plan on the free tier', (r) => (r.get('tier') === 'Free' ? [{ path: 'tier', message: 'the Defender plan is on the Free tier' }] : []), 'Set tier = "Standard".', 'medium', 'security', 'tier = "Standard"', 'tier = "Free"', LOG],
  ['azure-security-contact-no-alert-email', ['azurerm_security_center_contact'], undefined, 'Security contact does not receive alert emails', on('alert_notifications', 'alert notifications'), 'Set alert_notifications = true.', 'low', 'security', 'email = "sec@example.com"\n  alert_notifications = true', 'email = "sec@example.com"\n  alert_notifications = false', LOG],
  ['azure-redis-non-ssl-port', ['azurerm_redis_cache'], undefined, 'Redis cache non-SSL port enabled', either(notTrue('enable_non_ssl_port', 'the non-SSL port 6379 is enabled'), notTrue('non_ssl_port_enabled', 'the non-SSL port 6379 is enabled')), 'Set enable_non_ssl_port = false.', 'high', 'security', 'enable_non_ssl_port = false', 'enable_non_ssl_port = true', ENC],
  ['azure-redis-public', ['azurerm_redis_cache'], undefined, 'Redis cache reachable from public networks', publicNetwork(), 'Set public_network_access_enabled = false and use private endpoints.', 'medium', 'security', 'public_network_access_enabled = false', 'public_network_access_enabled = true', PUB],
  ['azure-cosmosdb-public', ['azurerm_cosmosdb_account'], undefined, 'Cosmos DB account reachable from public networks', publicNetwork(), 'Set public_network_access_enabled = false and use private endpoints.', 'medium', 'security', 'public_network_access_enabled = false', 'public_network_access_enabled = true', PUB],
];

export const azureRules: Rule[] = rulesFromRows(ROWS);
