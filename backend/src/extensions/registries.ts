import { createRegistry, type Registry } from '../platform/registry.js';

/**
 * The extension points. Each capability owns the full type of its entries; here they are kept to
 * what the loader needs (an id plus the capability's own fields), so that this file never imports a capability.
 */
export interface Extension {
  id: string;
  description?: string;
  [field: string]: unknown;
}

export interface ExtensionRegistries {
  detectors: Registry<Extension>;
  agents: Registry<Extension>;
  actions: Registry<Extension>;
  iacRules: Registry<Extension>;
  notifiers: Registry<Extension>;
}

export function createExtensionRegistries(): ExtensionRegistries {
  return {
    detectors: createRegistry('detector'),
    agents: createRegistry('agent'),
    actions: createRegistry('remediation action'),
    iacRules: createRegistry('IaC rule'),
    notifiers: createRegistry('notifier'),
  };
}
