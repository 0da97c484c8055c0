/** Where Aegis's data comes from: the cluster (real or simulated), metrics and logs. */
export * from './types.js';
export { connectClusterSources, describeClusterSources, type ClusterSources } from './connect.js';
