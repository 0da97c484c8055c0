import type { KubeConfig } from '@kubernetes/client-node';
import type { AegisConfig } from '../config/index.js';
import type { Clock } from '../platform/clock.js';
import { errorMessage } from '../platform/errors.js';
import type { Logger } from '../platform/logger.js';
import { createKubernetesCollector, loadKubeConfig, runningInCluster, type KubernetesCollector } from './kubernetes/index.js';
import { createLokiLogSource, createPodLogSource } from './logs/index.js';
import { createPrometheusClient, createPrometheusMetricsSource, parseMetricTemplates } from './prometheus/index.js';
import { startSimulatedCluster, type SimulatedCluster, type Simulator } from './simulator/index.js';
import { createTempoTraceSource } from './tempo/index.js';
import type { LogSource, MetricsSource, TraceSource } from './types.js';

export interface ClusterSources {
  /** simulator: the built-in cluster; kubeconfig / in-cluster: a real one; none: nothing configured or it failed to load. */
  mode: 'simulator' | 'kubeconfig' | 'in-cluster' | 'none';
  simulator?: Simulator;
  simulated?: SimulatedCluster;
  kubeConfig?: KubeConfig;
  kubernetes?: KubernetesCollector;
  metrics?: MetricsSource;
  logs?: LogSource;
  traces?: TraceSource;
  close(): Promise<void>;
}

/**
 * Picks the cluster and the metric/log sources from the configuration: the simulated cluster when
 * AEGIS_SIMULATOR is on, or when no kubeconfig is given and we are not inside a cluster; Prometheus and
 * Loki and Tempo when their URLs are set. A source that cannot be set up is logged and left out, never fatal.
 */
export async function connectClusterSources(deps: { config: AegisConfig; clock: Clock; logger: Logger; env?: NodeJS.ProcessEnv }): Promise<ClusterSources> {
  const { config, clock, logger } = deps;
  const inCluster = runningInCluster(deps.env);
  const simulated = config.AEGIS_SIMULATOR ?? (!config.AEGIS_KUBECONFIG && !inCluster);
  const prometheus = config.AEGIS_PROMETHEUS_URL
    ? createPrometheusMetricsSource({ client: createPrometheusClient({ baseUrl: config.AEGIS_PROMETHEUS_URL }), naming: parseMetricTemplates(config.AEGIS_METRIC_TEMPLATES), now: () => clock.nowMs() })
    : undefined;
  const loki = config.AEGIS_LOKI_URL ? createLokiLogSource({ baseUrl: config.AEGIS_LOKI_URL }) : undefined;
  const tempo = config.AEGIS_TEMPO_URL ? createTempoTraceSource({ baseUrl: config.AEGIS_TEMPO_URL }) : undefined;

  if (simulated) {
    let cluster: SimulatedCluster;
    try {
      // persist: what users change with kubectl survives a restart of `npm start` ($AEGIS_HOME/sim/state.json).
      cluster = await startSimulatedCluster({ home: config.AEGIS_HOME, clock, logger: logger.child({ component: 'simulator' }), port: config.AEGIS_SIM_PORT, persist: true });
    } catch (err) {
      logger.error('the simulated cluster could not start: cluster sources disabled', { err: errorMessage(err), port: config.AEGIS_SIM_PORT });
      return { mode: 'none', metrics: prometheus, logs: loki, traces: tempo, close: async () => {} };
    }
    const kubeConfig = loadKubeConfig({ text: cluster.kubeconfig, context: cluster.contexts.aegis });
    const kubernetes = createKubernetesCollector({ kubeConfig, clock, logger });
    return {
      mode: 'simulator',
      simulator: cluster.sim,
      simulated: cluster,
      kubeConfig,
      kubernetes,
      metrics: prometheus ?? cluster.sim.metrics,
      logs: loki ?? cluster.sim.logs,
      traces: tempo ?? cluster.sim.traces,
      close: () => cluster.close(),
    };
  }
  let kubeConfig: KubeConfig | undefined;
  // Outside a cluster and without a kubeconfig there is nothing to load (an in-cluster config would have no server).
  if (config.AEGIS_KUBECONFIG || inCluster) {
    try {
      kubeConfig = loadKubeConfig(config.AEGIS_KUBECONFIG ? { file: config.AEGIS_KUBECONFIG } : { inCluster: true });
    } catch (err) {
      logger.error('cluster not reachable: Kubernetes sources disabled', { err: errorMessage(err) });
    }
  } else logger.info('no cluster configured (AEGIS_SIMULATOR=0, no AEGIS_KUBECONFIG): Kubernetes sources disabled');
  const kubernetes = kubeConfig ? createKubernetesCollector({ kubeConfig, clock, logger }) : undefined;
  return {
    mode: kubeConfig ? (config.AEGIS_KUBECONFIG ? 'kubeconfig' : 'in-cluster') : 'none',
    kubeConfig,
    kubernetes,
    metrics: prometheus,
    logs: loki ?? (kubernetes ? createPodLogSource({ collector: kubernetes, now: () => clock.nowMs() }) : undefined),
    traces: tempo,
    close: async () => {},
  };
}

/** One or two lines for the start banner: where the cluster is and how to reach it with kubectl. */
export function describeClusterSources(c: ClusterSources): string {
  if (c.simulated && c.simulator) {
    return [
      `Simulated cluster: ${c.simulator.topology.services.length} services, ${c.simulator.cluster.pods.size} pods in namespace ${c.simulator.namespace} at ${c.simulated.url}`,
      `  kubectl --kubeconfig ${c.simulated.kubeconfigPath} get deploy -A`,
      `  npm run aegis -- sim inject memory-leak --service cartservice`,
    ].join('\n');
  }
  return `Cluster: ${c.mode}${c.metrics ? `; metrics from ${c.metrics.name}` : '; no metrics source (set AEGIS_PROMETHEUS_URL)'}`;
}
