export { rankRootCauses, findCycle } from './rank.js';
export { readRcaCase, parseMetricsCsv, parseGraphCsv, type RcaCase } from './case.js';
export { DEFAULT_RCA_CONFIG, rcaConfig, rcaConfigSchema, type RcaConfig, type RcaConfigInput } from './config.js';
export { metricKind, type MetricKind } from './metric-kinds.js';
export type {
  AnomalyEventInput,
  ChangeEventInput,
  Evidence,
  MetricSeriesInput,
  RankedCause,
  RcaInput,
  RcaResult,
} from './types.js';
export { historyPriors, cosine, type PastVerdict } from './history.js';
export { createRcaStore, type RcaStore, type StoredRca, type RootCauseVerdict } from './store.js';
export { createRcaService, type RcaService, type RcaServiceDeps, type AnomalyFeed, type ChangeFeed } from './service.js';
export { rcaRoutes } from './routes.js';
export { createBusFeeds, type BusFeeds } from './feeds.js';
export { rcaProbabilityGauge } from './metrics.js';
