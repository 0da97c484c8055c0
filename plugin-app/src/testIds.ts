/** Selectors shared by the components and the browser tests. */
export const testIds = {
  incidents: {
    list: 'aegis-incidents-list',
    row: (id: string) => `aegis-incident-row-${id}`,
    detail: 'aegis-incident-detail',
    timeline: 'aegis-incident-timeline',
    executions: 'aegis-incident-executions',
    rca: 'aegis-incident-rca',
    postmortem: 'aegis-incident-postmortem',
  },
  remediation: {
    card: (id: string) => `aegis-remediation-${id}`,
    status: (id: string) => `aegis-remediation-status-${id}`,
    approve: 'aegis-approve',
    reject: 'aegis-reject',
    disabledReason: 'aegis-approve-disabled-reason',
  },
  graph: { container: 'aegis-service-graph' },
  agents: { table: 'aegis-agents-table' },
  iac: { table: 'aegis-iac-table' },
  config: { testConnection: 'aegis-config-test', result: 'aegis-config-result', save: 'aegis-config-save' },
  unavailable: 'aegis-unavailable',
};
