import { stringify } from 'yaml';
import { z } from 'zod';
import type { IacScanner, Rule } from '../iac/index.js';
import { computeCriticality, type ServiceGraphPort } from '../graph/index.js';
import type { ClusterPort } from '../remediation/types.js';
import type { LogSource, MetricsSource } from '../sources/types.js';
import { createToolRegistry, defineTool, type ToolRegistry } from './tools.js';

export interface ToolsetDeps {
  graph: ServiceGraphPort;
  /** The IaC engine: its rules and a scanner for live objects. */
  iac?: { rules: () => Rule[]; scanner: () => Promise<IacScanner> };
  cluster?: ClusterPort;
  metrics?: MetricsSource;
  logs?: LogSource;
  namespace: string;
}

const MAX_LOG_LINES = 2_000;
const ns = z.string().min(1).max(253).optional();
const name = z.string().min(1).max(253);
const ms = z.number().int().nonnegative();

/**
 * The read-only tools agents use, one registry; the MCP server exposes exactly these. Outputs are
 * bounded (log lines, points) so that no tool floods a caller.
 */
export function createToolset(deps: ToolsetDeps): ToolRegistry {
  const registry = createToolRegistry();
  registry.register(
    defineTool({
      name: 'graph_neighbours',
      description: 'Callers and callees of a service in the service graph, with its criticality in [0,1].',
      readOnly: true,
      input: { service: name },
      async run({ service }) {
        const crit = computeCriticality({ nodes: deps.graph.services(), edges: deps.graph.edges() }).get(service);
        return { service, upstream: deps.graph.upstream(service), downstream: deps.graph.downstream(service), criticality: crit?.criticality ?? 0, transitiveDependants: crit?.transitiveDependants ?? 0 };
      },
    }),
  );
  if (deps.cluster) registerKubernetes(registry, deps.cluster, deps.namespace);
  if (deps.iac) registerIac(registry, deps.iac, deps.cluster, deps.namespace);
  const metrics = deps.metrics;
  if (metrics) {
    registry.register(
      defineTool({
        name: 'metrics_query_range',
        description: 'Metric series (request_rate, error_rate, latency_p50/p95/p99, cpu, memory, restarts) of a service over a time range.',
        readOnly: true,
        input: { service: name.optional(), metric: z.string().max(100).optional(), from: ms, to: ms, step_ms: z.number().int().min(1_000), per_pod: z.boolean().optional(), namespace: ns },
        run: (a) => metrics.queryRange({ namespace: a.namespace, service: a.service, metric: a.metric, perPod: a.per_pod, from: a.from, to: a.to, stepMs: Math.max(a.step_ms, Math.ceil((a.to - a.from) / 2_000)) }),
      }),
    );
  }
  const logs = deps.logs;
  if (logs) {
    registry.register(
      defineTool({
        name: 'logs_query',
        description: `Log lines of a service over a time range (at most ${MAX_LOG_LINES}).`,
        readOnly: true,
        input: { service: name.optional(), pod: name.optional(), from: ms, to: ms, limit: z.number().int().min(1).max(MAX_LOG_LINES).optional(), namespace: ns },
        run: (a) => logs.queryLogs({ namespace: a.namespace, service: a.service, pod: a.pod, from: a.from, to: a.to, limit: a.limit ?? MAX_LOG_LINES }),
      }),
    );
  }
  return registry;
}

function registerIac(registry: ToolRegistry, iac: NonNullable<ToolsetDeps['iac']>, cluster: ClusterPort | undefined, defaultNs: string): void {
  registry.register(
    defineTool({
      name: 'iac_rules',
      description: 'The IaC engine\'s rules (id, title, severity, category, compliance controls), optionally filtered by control prefix or framework.',
      readOnly: true,
      input: { control: z.string().max(100).optional(), framework: z.string().max(40).optional() },
      async run({ control, framework }) {
        return iac
          .rules()
          .filter((r) => (!framework || r.frameworks.includes(framework as never)) && (!control || r.compliance.some((c) => c.startsWith(control))))
          .map((r) => ({ id: r.id, title: r.title, severity: r.severity, category: r.category, compliance: r.compliance }));
      },
    }),
  );
  if (!cluster) return;
  registry.register(
    defineTool({
      name: 'iac_scan_deployment',
      description: 'Runs the IaC rules on the live Deployment object of a service (what is running, not what is in git).',
      readOnly: true,
      input: { name, namespace: ns },
      async run(a) {
        const obj = await cluster.readObject('deployment', a.namespace ?? defaultNs, a.name);
        const meta = (obj.metadata ?? {}) as Record<string, unknown>;
        const manifest = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: meta.name, namespace: meta.namespace, labels: meta.labels }, spec: obj.spec };
        const scan = (await iac.scanner()).scan([{ path: `live/${a.name}.yaml`, content: stringify(manifest) }]);
        return scan.findings.map((f) => ({ rule: f.ruleId, severity: f.severity, category: f.category, message: f.message, remediation: f.remediation }));
      },
    }),
  );
}

function registerKubernetes(registry: ToolRegistry, cluster: ClusterPort, defaultNs: string): void {
  registry.register(
    defineTool({
      name: 'k8s_get_deployment',
      description: 'State of a deployment: replicas, readiness, revision, images, pods with restarts.',
      readOnly: true,
      input: { name, namespace: ns },
      run: (a) => cluster.readDeployment(a.namespace ?? defaultNs, a.name),
    }),
  );
  registry.register(
    defineTool({
      name: 'k8s_get_deployment_object',
      description: 'The deployment object as the Kubernetes API returns it (for policy and drift checks).',
      readOnly: true,
      input: { name, namespace: ns },
      run: (a) => cluster.readObject('deployment', a.namespace ?? defaultNs, a.name),
    }),
  );
  registry.register(
    defineTool({
      name: 'k8s_recent_change',
      description: 'Whether the pod template (image, env) of a deployment changed since a time: a deploy, not a restart.',
      readOnly: true,
      input: { name, since: ms, namespace: ns },
      run: (a) => cluster.recentChange(a.namespace ?? defaultNs, a.name, a.since),
    }),
  );
}
