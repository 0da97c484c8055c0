/** Reading a Kubernetes cluster (real or simulated) through @kubernetes/client-node. */
export {
  createKubernetesCollector,
  kubeMessage,
  statusOf,
  REVISION_ANNOTATION,
  type ClusterEvent,
  type EventWatch,
  type EventWatchOptions,
  type InventoryItem,
  type KubernetesCollector,
  type KubernetesCollectorOptions,
  type RolloutRevision,
} from './collector.js';
export { loadKubeConfig, runningInCluster, IN_CLUSTER_TOKEN } from './kubeconfig.js';
export { DEFAULT_RETRY, retrying, withTimeout, TimeoutError, type RetryPolicy } from './retry.js';
