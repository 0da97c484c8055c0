/** The simulated cluster: a seeded Online-Boutique-like shop behind a Kubernetes API, with fault scenarios. */
export { createSimulator, type Simulator, type SimulatorOptions, type SimulatorState, type SimActions, type InjectRequest, type FaultInfo } from './simulator.js';
export { startSimulatedCluster, simStatus, injectBody, type SimulatedCluster, type SimulatedClusterOptions } from './runtime.js';
export { startSimServer, type SimServer, type SimServerOptions } from './apiserver.js';
export { SCENARIOS, SCENARIO_INFO, isScenario, type Scenario, type Fault } from './faults.js';
export { boutiqueTopology, scaledTopology, downstreamClosure, type Topology, type ServiceSpec, type CallEdge } from './topology.js';
export { simulatorRoutes } from './routes.js';
export { DEFAULT_ROLES, type Rule, type SimUser } from './rbac.js';
export { DEFAULT_BINDINGS, type SimBindings } from './impersonation.js';
export { exposition } from './exposition.js';
export { createSelfSignedTls, type SimTls } from './tls.js';
export type { Frame, MetricValues } from './model.js';
