import { randomUUID } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { adminRoutes, createApp, createAuthenticator, incidentRoutes } from './api/index.js';
import { createPreviewRouter, withPreview } from './api/preview.js';
import { secretValues, unknownEnvKeys, type AegisConfig } from './config/index.js';
import { coordinationRoutes, pruneRelayedEvents, startCoordination, type Coordination, type Stoppable } from './coordination/index.js';
import {
  anomalyScoreGauges,
  createDetectionService,
  createDetectStore,
  detectRoutes,
  type DetectionService,
  loadTensorflow,
  registerBuiltinDetectors,
  registryLookup,
  trainInWorker,
} from './detect/index.js';
import { createInProcessBus, type EventBus } from './events/index.js';
import { createIngest, githubContentsApi, iacEngineScanner, type Ingest } from './ingest/index.js';
import { attachRealtime, builtinNotifiers, dispatchNotifications, loadSlackSettings } from './notify/index.js';
import { createExtensionRegistries, loadExtensions, type ExtensionRegistries } from './extensions/index.js';
import {
  createGraphDiscovery,
  createGraphHealthTracker,
  createServiceGraph,
  graphRoutes,
  httpPromQuery,
  kubeWorkloadSource,
  topologySnapshot,
  type ServiceGraph,
} from './graph/index.js';
import { type Clock, systemClock } from './platform/clock.js';
import { createLogger, type Logger } from './platform/logger.js';
import { createBusFeeds, createRcaService, createRcaStore, rcaProbabilityGauge, rcaRoutes, type RcaService } from './rca/index.js';
import type { MetricsSource } from './sources/types.js';
import { connectClusterSources, describeClusterSources, type ClusterSources, type LogSource } from './sources/index.js';
import type { KubernetesCollector } from './sources/kubernetes/index.js';
import { simulatorRoutes, type Simulator } from './sources/simulator/index.js';
import { createStore, type Database, migrate, openDatabase, type Store } from './store/index.js';
import { createIacFindingStore, createIacScanner, iacRoutes, registerBuiltinRules, rulesFromRegistry, type IacScanner } from './iac/index.js';
import { createLlmClient, createPipeline, createPipelineStore, createToolset, loadFixerModel, pipelineRoutes, type Pipeline, withMcpEndpoint } from './pipeline/index.js';
import {
  createKubeCluster,
  createRemediationService,
  loadRemediationPolicy,
  registerBuiltinActions,
  remediationRoutes,
  type RemediationPolicy,
  type RemediationService,
} from './remediation/index.js';

export interface AegisHandle {
  url: string;
  store: Store;
  bus: EventBus;
  registries: ExtensionRegistries;
  logger: Logger;
  graph: ServiceGraph;
  rca: RcaService;
  remediation: RemediationService;
  pipeline: Pipeline;
  /** Webhooks, anomalies and Kubernetes warnings → deduped, grouped incidents. */
  ingest: Ingest;
  /** Runs when a metrics source is available (see StartOptions.metricsSource). */
  detection?: DetectionService;
  /** The cluster Aegis watches and its sources (the simulated cluster in the embedded demo). */
  cluster: ClusterSources;
  /** The in-process simulated cluster, when it runs (demo mode). */
  simulator?: Simulator;
  metrics?: MetricsSource;
  logs?: LogSource;
  kubernetes?: KubernetesCollector;
  /** Leases, job queue and shared events: how this replica works beside others on one PostgreSQL. */
  coordination: Coordination;
  /** The admin token created on this start, if there was none before (shown once). */
  bootstrapAdminToken?: string;
  close(): Promise<void>;
}

export interface StartOptions {
  config: AegisConfig;
  /** Injected by tests; otherwise opened from the config. */
  db?: Database;
  clock?: Clock;
  logger?: Logger;
  /** Where the one-time banner goes (the CLI passes stdout). */
  print?: (text: string) => void;
  /** What the detection service watches; until the simulator's source is wired here, tests inject one. */
  metricsSource?: MetricsSource;
  /** Replaces `$AEGIS_HOME/remediation-policy.yaml` (tests). */
  remediationPolicy?: RemediationPolicy;
}

const VERSION = '0.1.0';

/** Opens the store the config names: PostgreSQL when AEGIS_DATABASE_URL is set, else PGlite under AEGIS_HOME. */
export async function openConfiguredDatabase(config: AegisConfig): Promise<Database> {
  if (config.AEGIS_DATABASE_URL) return openDatabase({ engine: 'postgres', url: config.AEGIS_DATABASE_URL });
  return openDatabase({ engine: 'pglite', dataDir: path.join(config.AEGIS_HOME, 'db') });
}

/** The composition root: the one place adapters are built and handed to the services that use them. */
export async function startAegis(opts: StartOptions): Promise<AegisHandle> {
  const { config } = opts;
  const clock = opts.clock ?? systemClock;
  const logger =
    opts.logger ??
    createLogger({ level: config.AEGIS_LOG_LEVEL, secrets: () => secretValues(config) }, { svc: 'aegis' });
  const unknown = unknownEnvKeys(process.env);
  if (unknown.length) logger.warn('ignoring unknown AEGIS_* variables', { keys: unknown });

  await mkdir(config.AEGIS_HOME, { recursive: true });
  const db = opts.db ?? (await openConfiguredDatabase(config));
  const closers: Array<() => Promise<void>> = opts.db ? [] : [() => db.close()];
  try {
    await migrate(db, logger);
    const store = createStore({ db, clock });
    const bus = createInProcessBus({ logger: logger.child({ component: 'bus' }), now: () => clock.now() });
    const cluster = await connectClusterSources({ config, clock, logger: logger.child({ component: 'sources' }) });
    closers.unshift(() => cluster.close());
    const coordination = await startCoordination({ db, bus, logger, replicaId: `${hostname()}-${process.pid}-${randomUUID().slice(0, 6)}`, version: VERSION });
    closers.unshift(() => coordination.close());
    // Consumers that must see every replica's events; side effects stay on the local bus, so they happen once.
    const clusterEvents = coordination.events;
    const metricsSource = opts.metricsSource ?? cluster.metrics;
    const registries = createExtensionRegistries();
    registerBuiltinDetectors(registries.detectors); // before user modules, so they may replace a built-in
    registerBuiltinActions(registries.actions);
    registerBuiltinRules(registries);
    if (config.AEGIS_EXTENSIONS_DIR) await loadExtensions(config.AEGIS_EXTENSIONS_DIR, registries, logger);

    await ensureConfiguredTokens(store, config);
    const bootstrapAdminToken = await bootstrapAdmin(store);

    const graph = createServiceGraph();
    const discovery = createGraphDiscovery({
      graph,
      logger: logger.child({ component: 'graph' }),
      prometheus: config.AEGIS_PROMETHEUS_URL ? httpPromQuery(config.AEGIS_PROMETHEUS_URL) : undefined,
      workloads: cluster.kubeConfig ? kubeWorkloadSource(cluster.kubeConfig) : undefined,
      snapshots: simulatorTopology(cluster.simulator),
      overrideFile: path.join(config.AEGIS_HOME, 'graph-overrides.yaml'),
    });
    await discovery.refresh();
    const rediscover = setInterval(() => void discovery.refresh().catch(() => {}), 60_000);
    rediscover.unref();
    closers.unshift(async () => clearInterval(rediscover));
    const graphHealth = createGraphHealthTracker({ graph, bus: clusterEvents });
    closers.unshift(async () => graphHealth.close());
    const feeds = createBusFeeds({ bus: clusterEvents, clock });
    closers.unshift(async () => feeds.close());
    const rca = createRcaService({
      anomalies: feeds.anomalies,
      changes: feeds.changes,
      incidents: store.incidents,
      store: createRcaStore({ db, clock }),
      graph,
      clock,
      logger: logger.child({ component: 'rca' }),
      metrics: metricsSource,
    });

    const metrics = new Registry();
    collectDefaultMetrics({ register: metrics, prefix: 'aegis_process_' });
    rcaProbabilityGauge(metrics, rca);
    const detectStore = createDetectStore({ db, clock });
    const detection = metricsSource
      ? createDetectionService({
          source: metricsSource,
          store: detectStore,
          bus,
          clock,
          logger,
          graph,
          lookup: registryLookup(registries.detectors),
          onScore: anomalyScoreGauges(metrics),
          owns: (series) => coordination.membership.owns(series),
          // One LSTM per metric group, trained in a worker; TensorFlow.js loads only once a model exists.
          lstm: {
            loadTf: () => loadTensorflow({ prefer: config.AEGIS_TF_BACKEND, logger: logger.child({ component: 'detect' }) }),
            train: (series, options) => trainInWorker(series, options, config.AEGIS_TF_BACKEND),
          },
        })
      : undefined;
    const ingest = createIngest({
      store,
      graph,
      bus,
      clock,
      logger: logger.child({ component: 'ingest' }),
      grafanaSecret: config.AEGIS_GRAFANA_WEBHOOK_SECRET,
      github: {
        secret: config.AEGIS_GITHUB_WEBHOOK_SECRET,
        contents: githubContentsApi({ token: config.AEGIS_GITHUB_TOKEN }),
        iac: iacEngineScanner({ db, clock }),
      },
      slack: {
        secret: config.AEGIS_SLACK_SIGNING_SECRET,
        users: async () => (await loadSlackSettings(path.join(config.AEGIS_HOME, 'slack.yaml'))).users,
        decisions: () => remediation,
      },
    });
    closers.unshift(() => ingest.close());
    void ingest.reconcileAnomalies(() => detectStore.openAnomalies()).catch((err: unknown) => logger.warn('anomaly reconcile failed', { err }));
    const kubernetes = cluster.kubernetes;
    if (kubernetes) {
      // One replica watches the cluster's events; another takes over when it dies.
      coordination.leases.singleton('kubernetes-events', () =>
        kubernetes.watchEvents({
          onEvent: (event) => void ingest.kubernetesEvent(event).catch((err: unknown) => logger.warn('kubernetes event not ingested', { err })),
        }),
      );
    }
    const slack = await loadSlackSettings(path.join(config.AEGIS_HOME, 'slack.yaml'));
    const notifiers = builtinNotifiers({
      slackWebhookUrl: config.AEGIS_SLACK_WEBHOOK_URL,
      slackBotToken: config.AEGIS_SLACK_BOT_TOKEN,
      slackChannel: slack.channel,
      grafanaUrl: config.AEGIS_GRAFANA_URL,
      grafanaToken: config.AEGIS_GRAFANA_API_TOKEN,
      incidents: store.incidents,
    });
    for (const n of notifiers) if (!registries.notifiers.has(n.id)) registries.notifiers.register(n); // a user module may replace one
    const notifications = dispatchNotifications({ bus, notifiers: registries.notifiers, logger: logger.child({ component: 'notify' }) });
    closers.unshift(async () => notifications.close());
    const kubeCluster = cluster.kubeConfig ? createKubeCluster(cluster.kubeConfig) : undefined;
    const remediation = createRemediationService({
      store,
      bus,
      clock,
      logger: logger.child({ component: 'remediation' }),
      actions: registries.actions,
      cluster: kubeCluster,
      metrics: metricsSource,
      policy: opts.remediationPolicy ?? (await loadRemediationPolicy(path.join(config.AEGIS_HOME, 'remediation-policy.yaml'))),
      owner: `${process.pid}-${randomUUID().slice(0, 8)}`,
      leaseTtlMs: 15_000,
    });
    const pipelineStore = createPipelineStore({ db, clock });
    const fixerModel = await loadFixerModel(pipelineStore);
    let scanner: Promise<IacScanner> | undefined;
    const namespace = cluster.simulator?.namespace ?? cluster.kubeConfig?.getContextObject(cluster.kubeConfig.getCurrentContext())?.namespace ?? 'default';
    const getScanner = () => (scanner ??= createIacScanner({ rules: rulesFromRegistry(registries) }));
    const tools = createToolset({
      graph,
      cluster: kubeCluster,
      metrics: metricsSource,
      logs: cluster.logs,
      namespace,
      iac: { rules: () => rulesFromRegistry(registries), scanner: getScanner },
    });
    const pipeline = createPipeline({
      store,
      pipelineStore,
      bus,
      clock,
      logger: logger.child({ component: 'pipeline' }),
      tools,
      rca,
      remediation,
      fixerModel: () => fixerModel,
      simulator: () => cluster.simulator,
      getScanner,
      iacRules: () => rulesFromRegistry(registries),
      llm: config.AEGIS_LLM_URL
        ? createLlmClient({ url: config.AEGIS_LLM_URL, model: config.AEGIS_LLM_MODEL, apiKey: config.AEGIS_LLM_API_KEY, maskNames: [namespace] })
        : undefined,
      defaultNamespace: namespace,
      extensionAgents: registries.agents,
      jobs: coordination.jobs,
    });
    const authenticator = createAuthenticator({ tokens: store.tokens, clock });
    const app = createApp({
      routes: [
        ...ingest.routes, // first: the hot path in an alert flood, matched before every other route
        ...simulatorRoutes({ simulator: cluster.simulator }),
        ...incidentRoutes({ store, bus }),
        ...adminRoutes({ store, authenticator, now: () => clock.now() }),
        ...graphRoutes({ graph, rootCauses: () => rca.rootCauseProbabilities() }),
        ...rcaRoutes({ rca }),
        ...detectRoutes({ store: detectStore, clock }),
        ...remediationRoutes({ remediation }),
        ...pipelineRoutes({ pipeline, pipelineStore, store, clock }),
        ...iacRoutes({ store: createIacFindingStore({ db }), scanner: getScanner, clock }),
        ...coordinationRoutes(coordination),
      ],
      authenticator,
      audit: store.audit,
      logger: logger.child({ component: 'api' }),
      metrics,
      version: VERSION,
      bodyLimit: config.AEGIS_BODY_LIMIT,
      ready: async () => {
        await db.query('SELECT 1');
      },
      signatureAuthPrefix: '/api/v1/webhooks/',
    });

    // Demo mode (simulated cluster): /preview hosts the built Grafana plugins for people without Grafana.
    const handler = cluster.simulator
      ? withPreview(
          createPreviewRouter({
            repoRoot: path.resolve(BACKEND_ROOT, '..'),
            tokens: store.tokens,
            audit: store.audit,
            clock,
            logger: logger.child({ component: 'preview' }),
          }),
          app,
        )
      : app;
    const served = withMcpEndpoint({ inner: handler, registry: tools, authenticator, logger: logger.child({ component: 'mcp' }) });
    const tls = config.AEGIS_TLS_CERT && config.AEGIS_TLS_KEY;
    const server = tls
      ? https.createServer(
          { cert: await readFile(config.AEGIS_TLS_CERT!), key: await readFile(config.AEGIS_TLS_KEY!) },
          served,
        )
      : http.createServer(served);
    server.requestTimeout = 30_000;
    server.headersTimeout = 15_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.AEGIS_PORT, config.AEGIS_HOST, () => resolve());
    });
    closers.unshift(
      () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    );
    const realtime = attachRealtime({ server, bus: clusterEvents, authenticator, logger: logger.child({ component: 'ws' }) });
    closers.unshift(() => realtime.close());
    const { port } = server.address() as AddressInfo;
    const host = config.AEGIS_HOST.includes(':') ? `[${config.AEGIS_HOST}]` : config.AEGIS_HOST;
    const url = `${tls ? 'https' : 'http'}://${host}:${port}`;
    logger.info('aegis listening', { url, store: db.engine, home: config.AEGIS_HOME });
    if (detection) {
      detection.start(60_000, 5_000); // first tick a little after start-up, not during it
      closers.unshift(() => detection.stop());
    }
    coordination.leases.singleton('retention', () =>
      every(3_600_000, async () => {
        await detection?.compact();
        await pruneRelayedEvents(db);
      }, logger),
    );
    remediation.start();
    await pipeline.start();
    closers.unshift(async () => {
      await pipeline.stop();
      await remediation.stop();
    });
    opts.print?.(banner({ url, engine: db.engine, home: config.AEGIS_HOME, bootstrapAdminToken, cluster: describeClusterSources(cluster) }));

    return {
      url,
      store,
      bus,
      registries,
      logger,
      graph,
      rca,
      remediation,
      pipeline,
      ingest,
      detection,
      cluster,
      simulator: cluster.simulator,
      metrics: metricsSource,
      logs: cluster.logs,
      kubernetes: cluster.kubernetes,
      coordination,
      bootstrapAdminToken,
      async close() {
        for (const close of closers)
          await close().catch((err: unknown) => logger.error('shutdown step failed', { err }));
      },
    };
  } catch (err) {
    for (const close of closers) await close().catch(() => {});
    throw err;
  }
}

/** A singleton loop's body on a timer. */
function every(ms: number, fn: () => Promise<unknown>, logger: Logger): Stoppable {
  const timer = setInterval(() => void fn().catch((err: unknown) => logger.warn('scheduled job failed', { err })), ms);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

/** The simulated cluster's declared call graph, with its latest tick's rates and p95s. */
function simulatorTopology(sim: Simulator | undefined) {
  if (!sim) return [];
  return [{ name: 'simulator', snapshot: async () => topologySnapshot(sim.topology, sim.latestFrame()?.services) }];
}

async function ensureConfiguredTokens(store: Store, config: AegisConfig): Promise<void> {
  const configured = [
    ['admin', config.AEGIS_ADMIN_TOKEN],
    ['ingest', config.AEGIS_INGEST_TOKEN],
    ['grafana', config.AEGIS_GRAFANA_TOKEN],
  ] as const;
  for (const [role, secret] of configured) {
    if (secret) await store.tokens.ensure({ name: `configured-${role}`, role, secret });
  }
}

/** First start: no admin token exists, so one is made and shown once; only its hash is kept. */
async function bootstrapAdmin(store: Store): Promise<string | undefined> {
  if ((await store.tokens.countActive('admin')) > 0) return undefined;
  const { secret } = await store.tokens.create({ name: 'bootstrap-admin', role: 'admin', createdBy: 'aegis' });
  return secret;
}

function banner(b: { url: string; engine: string; home: string; bootstrapAdminToken?: string; cluster?: string }): string {
  const lines = [`Aegis is running at ${b.url}  (store: ${b.engine}, home: ${b.home})`];
  if (b.cluster) lines.push(b.cluster);
  if (b.bootstrapAdminToken) {
    lines.push(
      '',
      'Admin token (shown only this once; keep it safe):',
      `  ${b.bootstrapAdminToken}`,
      '',
      `Try:  curl -H "Authorization: Bearer ${b.bootstrapAdminToken}" ${b.url}/api/v1/incidents`,
    );
  }
  return lines.join('\n');
}

export const BACKEND_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
