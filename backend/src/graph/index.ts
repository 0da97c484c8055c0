export { staticServiceGraph, type ServiceEdge, type ServiceGraphPort } from './port.js';
export { createServiceGraph, type ServiceGraph } from './engine.js';
export type { DiscoverySnapshot, GraphDiff, GraphEdge, GraphNode, Health } from './model.js';
export { computeCriticality, pageRank, type CriticalityScore } from './criticality.js';
export { criticalPaths, bottlenecks, type CriticalPath, type Bottleneck } from './paths.js';
export { nodeGraphView, nodeGraphSchema, type NodeGraph } from './view.js';
export { createGraphDiscovery, type GraphDiscovery, type WorkloadSource } from './discovery.js';
export { parseGraphOverride, loadGraphOverride, graphOverrideSchema, type GraphOverride } from './discovery/override.js';
export { discoverFromPodSpecs, referencedServices, type WorkloadSpec, type KnownService } from './discovery/podspec.js';
export {
  discoverFromPrometheus,
  parseMeshResults,
  MESH_QUERIES,
  type MeshKind,
  type PromQueryPort,
  type PromSample,
} from './discovery/prometheus.js';
export { httpPromQuery } from './discovery/prometheus-http.js';
export { graphRoutes, type GraphRouteDeps } from './routes.js';
export { createGraphHealthTracker } from './health.js';
export { topologySnapshot, type DeclaredTopology, type ServiceStats } from './discovery/topology.js';
export { kubeWorkloadSource, workloadSpecs, type WorkloadObject, type ServiceObject } from './discovery/kubernetes.js';
