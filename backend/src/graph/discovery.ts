import type { Logger } from '../platform/logger.js';
import type { CollectorError } from '../sources/types.js';
import type { ServiceGraph } from './engine.js';
import type { DiscoverySnapshot } from './model.js';
import { loadGraphOverride } from './discovery/override.js';
import { discoverFromPodSpecs, type KnownService, type WorkloadSpec } from './discovery/podspec.js';
import { discoverFromPrometheus, type MeshKind, type PromQueryPort } from './discovery/prometheus.js';

/** Where workloads and services come from (the Kubernetes collector, or the simulator). */
export interface WorkloadSource {
  listWorkloads(): Promise<{ workloads: WorkloadSpec[]; services: KnownService[] }>;
}

export interface GraphDiscoveryDeps {
  graph: ServiceGraph;
  logger: Logger;
  prometheus?: PromQueryPort;
  meshes?: MeshKind[];
  workloads?: WorkloadSource;
  /** Other sources of whole snapshots (a declared topology, the simulator…), merged under their name. */
  snapshots?: Array<{ name: string; snapshot(): Promise<DiscoverySnapshot | undefined> }>;
  overrideFile?: string;
}

export interface GraphDiscovery {
  /** One discovery round: every source merged into the graph as an incremental diff. */
  refresh(): Promise<{ changes: number; errors: CollectorError[] }>;
}

/** Merges every configured source; a failing source is reported and the others still land. */
export function createGraphDiscovery(deps: GraphDiscoveryDeps): GraphDiscovery {
  const { graph, logger } = deps;
  return {
    async refresh() {
      const errors: CollectorError[] = [];
      let changes = 0;
      const count = (d: { upsertNodes: unknown[]; removeNodes: unknown[]; upsertEdges: unknown[]; removeEdges: unknown[] }) =>
        d.upsertNodes.length + d.removeNodes.length + d.upsertEdges.length + d.removeEdges.length;
      if (deps.prometheus) {
        const found = await discoverFromPrometheus(deps.prometheus, deps.meshes);
        errors.push(...found.errors);
        for (const { mesh, snapshot } of found.results) changes += count(graph.mergeSnapshot(`mesh:${mesh}`, snapshot));
      }
      if (deps.workloads) {
        try {
          const { workloads, services } = await deps.workloads.listWorkloads();
          changes += count(graph.mergeSnapshot('podspec', discoverFromPodSpecs(workloads, services)));
        } catch (err) {
          errors.push({ source: 'podspec', message: (err as Error).message });
        }
      }
      for (const source of deps.snapshots ?? []) {
        try {
          const snapshot = await source.snapshot();
          if (snapshot) changes += count(graph.mergeSnapshot(source.name, snapshot));
        } catch (err) {
          errors.push({ source: source.name, message: (err as Error).message });
        }
      }
      if (deps.overrideFile) {
        try {
          const before = graph.version();
          graph.setOverride(await loadGraphOverride(deps.overrideFile));
          if (graph.version() !== before) changes++;
        } catch (err) {
          // No file means no overrides; anything else (bad YAML, bad keys) is reported.
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
            errors.push({ source: 'override', message: (err as Error).message, target: deps.overrideFile });
          }
        }
      }
      for (const e of errors) logger.warn('graph discovery source failed', { ...e });
      if (changes) logger.info('service graph updated', { changes, version: graph.version() });
      return { changes, errors };
    },
  };
}
