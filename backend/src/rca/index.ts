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
