import type { Clock } from '../platform/clock.js';
import { createAuditLog, type AuditLog } from './audit.js';
import type { Database } from './db.js';
import { createExecutionRepository, type ExecutionRepository } from './executions.js';
import { createIncidentRepository, type IncidentRepository } from './incidents.js';
import { createRemediationRepository, type RemediationRepository } from './remediations.js';
import { createSignalRepository, type SignalRepository } from './signals.js';
import { createSilenceRepository, type SilenceRepository } from './silences.js';
import { createTokenRepository, type TokenRepository } from './tokens.js';

export * from './db.js';
export * from './migrate.js';
export * from './paging.js';
export * from './types.js';
export type { AuditLog, NewAuditEntry } from './audit.js';
export type { IncidentFilter, IncidentRepository, NewIncident, NewTimelineEntry } from './incidents.js';
export type { NewSilence, SilenceRepository } from './silences.js';
export type { ExecutionRepository } from './executions.js';
export type { RemediationRepository, NewRemediation } from './remediations.js';
export type { TokenRepository } from './tokens.js';
export type { IncidentGroup, NewSignalRow, ResolvedSignal, SignalRepository } from './signals.js';

export interface Store {
  db: Database;
  incidents: IncidentRepository;
  executions: ExecutionRepository;
  remediations: RemediationRepository;
  tokens: TokenRepository;
  audit: AuditLog;
  signals: SignalRepository;
  silences: SilenceRepository;
}

export function createStore(deps: { db: Database; clock: Clock }): Store {
  return {
    db: deps.db,
    incidents: createIncidentRepository(deps),
    executions: createExecutionRepository(deps),
    remediations: createRemediationRepository(deps),
    tokens: createTokenRepository(deps),
    audit: createAuditLog(deps),
    signals: createSignalRepository(deps),
    silences: createSilenceRepository(deps),
  };
}
