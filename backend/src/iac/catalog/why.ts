/** The consequence each family of table rules guards against, appended to the rule title as its description. */
export function describeRisk(title: string, compliance: string[] | undefined, category: string): string {
  const tags = new Set(compliance ?? []);
  const why = tags.has('GDPR:Art32')
    ? 'Unencrypted data can be read by anyone who obtains the storage, its snapshots or the traffic, and a customer managed key keeps revocation and audit in your hands.'
    : tags.has('SOC2:CC7.2')
      ? 'Without these logs, access and configuration changes cannot be audited or investigated after an incident.'
      : tags.has('SOC2:CC6.6')
        ? 'A resource reachable from the internet is exposed to scanning, brute force and exploitation.'
        : tags.has('SOC2:A1.2')
          ? 'Without backups, versions or protection, deleted or corrupted data and infrastructure cannot be recovered.'
          : category === 'performance'
            ? 'The setting limits visibility or throughput when diagnosing load problems.'
            : category === 'cost'
              ? 'Untagged or unbounded resources cannot be attributed to an owner or cost centre.'
              : category === 'reliability'
                ? 'The setting makes outages more likely or recovery slower.'
                : 'The setting widens what an attacker can reach or do once they have a foothold.';
  return `${title}. ${why}`;
}
