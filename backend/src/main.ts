import { randomUUID } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { adminRoutes, createApp, createAuthenticator, createAuthGuard, incidentRoutes, rateLimitsFromConfig } from './api/index.js';
import { createPreviewRouter, withPreview } from './api/preview.js';
import { secretValues, unknownEnvKeys, type AegisConfig } from './config/index.js';
import {
  coordinationRoutes,
  kubeConfigNamespace,
  kubernetesLeaseBackend,
  type LeaseBackend,
  pruneRelayedEvents,
  startCoordination,
  type Coordination,
  type Stoppable,
} from './coordination/index.js';
import { InputError } from './platform/errors.js';
import {
  anomalyScoreGauges,
  createDetectionService,
  createDetectStore,
  type DetectStore,
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
import type { EventWatch, KubernetesCollector } from './sources/kubernetes/index.js';
import { simulatorRoutes, type Simulator } from './sources/simulator/index.js';
import { createStore, type Database, migrate, openDatabase, type Store } from './store/index.js';
import { createApiScanner, createIacFindingStore, createIacScanner, iacRoutes, parseIacRoots, registerBuiltinRules, rulesFromRegistry, type IacScanner } from './iac/index.js';
import { capabilitiesRoutes } from './pipeline/capabilities.js';
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
  /** The cluster's event watch, while this replica holds its lease (a driver of a manual clock waits for it to catch up). */
  eventWatch(): EventWatch | undefined;
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
  /**
   * Benches and tests that drive a manual clock (see pipeline/e2e/driven.ts): nothing periodic runs on a real
   * timer that the driver runs itself — detection (`detection.tick()`), continuous investigation (`pipeline.sweep()`)
   * and the pipeline's reconcile; verification polls this often in the clock's time (default 2 s).
   */
  drivenClock?: { remediationPollMs?: number };
}

const VERSION = '0.1.0';

/** Opens the store the config names: PostgreSQL when AEGIS_DATABASE_URL is set, else PGlite under AEGIS_HOME. */
export async function openConfiguredDatabase(config: AegisConfig): Promise<Database> {
  if (config.AEGIS_DATABASE_URL) return openDatabase({ engine: 'postgres', url: config.AEGIS_DATABASE_URL });
  return openDatabase({ engine: 'pglite', dataDir: path.join(config.AEGIS_HOME, 'db') });
}

/** What every wiring step below is handed: the foundation, and where it registers its shutdown. */
interface Wiring {
  config: AegisConfig;
  clock: Clock;
  logger: Logger;
  db: Database;
  store: Store;
  bus: EventBus;
  /** Every replica's events, for consumers that must see them all; side effects stay on `bus`, so they happen once. */
  clusterEvents: EventBus;
  cluster: ClusterSources;
  coordination: Coordination;
  registries: ExtensionRegistries;
  metrics: Registry;
  metricsSource?: MetricsSource;
  detectStore: DetectStore;
  /** Shutdown steps, last registered first. */
  onClose(step: () => Promise<void>): void;
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
  const onClose = (step: () => Promise<void>) => void closers.unshift(step);
  const closeAll = async () => {
    for (const close of closers) await close().catch((err: unknown) => logger.error('shutdown step failed', { err }));
  };
  try {
    await migrate(db, logger);
    const store = createStore({ db, clock });
    const bus = createInProcessBus({ logger: logger.child({ component: 'bus' }), now: () => clock.now() });
    const cluster = await connectClusterSources({ config, clock, logger: logger.child({ component: 'sources' }) });
    onClose(() => cluster.close());
    const coordination = await startCoordination({
      db,
      bus,
      logger,
      replicaId: `${hostname()}-${process.pid}-${randomUUID().slice(0, 6)}`,
      version: VERSION,
      leaseBackend: leaseBackendFor(config, db, cluster),
    });
    onClose(() => coordination.close());
    const metrics = new Registry();
    collectDefaultMetrics({ register: metrics, prefix: 'aegis_process_' });
    const w: Wiring = {
      config,
      clock,
      logger,
      db,
      store,
      bus,
      clusterEvents: coordination.events,
      cluster,
      coordination,
      registries: await loadRegistries(config, logger),
      metrics,
      metricsSource: opts.metricsSource ?? cluster.metrics,
      detectStore: createDetectStore({ db, clock }),
      onClose,
    };
    await ensureConfiguredTokens(store, config);
    const bootstrapAdminToken = await bootstrapAdmin(store);

    const { graph, rca } = await wireGraphAndRca(w);
    const detection = wireDetection(w, graph);
    const remediation = await wireRemediation(w, opts.remediationPolicy, graph, opts.drivenClock?.remediationPollMs);
    const { ingest, eventWatch } = await wireIngest(w, graph, remediation);
    await wireNotifications(w);
    const { pipeline, pipelineStore, tools, namespace } = await wirePipeline(w, graph, rca, remediation, Boolean(opts.drivenClock));

    const authenticator = createAuthenticator({ tokens: store.tokens, clock });
    const app = createApp({
      routes: [
        ...ingest.routes, // first: the hot path in an alert flood, matched before every other route
        ...simulatorRoutes({ simulator: cluster.simulator }),
        ...incidentRoutes({ store, bus, clock, rootCause: (id, input, actor) => rca.recordRootCause(id, input, actor) }),
        ...adminRoutes({ store, authenticator, now: () => clock.now() }),
        ...graphRoutes({ graph, rootCauses: () => rca.rootCauseProbabilities() }),
        ...rcaRoutes({ rca }),
        ...detectRoutes({ store: w.detectStore, clock }),
        ...remediationRoutes({ remediation }),
        ...pipelineRoutes({ pipeline, pipelineStore, store, clock }),
        ...capabilitiesRoutes(() => ({
          cluster: cluster.mode,
          metrics: cluster.simulator ? 'simulator' : w.metricsSource ? 'prometheus' : 'none',
          metricTemplates: config.AEGIS_METRIC_TEMPLATES,
          logs: cluster.simulator ? 'simulator' : cluster.logs ? 'loki' : 'none',
          traces: Boolean(config.AEGIS_TEMPO_URL),
        })),
        ...iacRoutes({
          store: createIacFindingStore({ db }),
          clock,
          roots: parseIacRoots(config.AEGIS_IAC_ROOTS),
          scanner: createApiScanner({ extensionsDir: config.AEGIS_EXTENSIONS_DIR }),
        }),
        ...coordinationRoutes(coordination),
      ],
      authenticator,
      audit: store.audit,
      logger: logger.child({ component: 'api' }),
      metrics,
      version: VERSION,
      bodyLimit: config.AEGIS_BODY_LIMIT,
      rateLimit: rateLimitsFromConfig(config),
      ready: async () => {
        await db.query('SELECT 1');
      },
      signatureAuthPrefix: '/api/v1/webhooks/',
    });
    // Demo mode (simulated cluster): /preview hosts the built Grafana plugins for people without Grafana.
    const handler = cluster.simulator
      ? withPreview(
          createPreviewRouter({ repoRoot: path.resolve(BACKEND_ROOT, '..'), tokens: store.tokens, audit: store.audit, clock, logger: logger.child({ component: 'preview' }) }),
          app,
          logger.child({ component: 'preview' }),
        )
      : app;
    // MCP and socket.io authenticate in front of the API app: one guard throttles and audits their failures.
    const authGuard = createAuthGuard({ authenticator, audit: store.audit, clock, logger: logger.child({ component: 'auth' }) });
    const served = withMcpEndpoint({ inner: handler, registry: tools, authenticator, guard: authGuard, namespaces: [namespace], logger: logger.child({ component: 'mcp' }) });
    const { server, url } = await listen(config, served);
    onClose(() => closeServer(server));
    const realtime = attachRealtime({ server, bus: w.clusterEvents, authenticator, guard: authGuard, logger: logger.child({ component: 'ws' }) });
    onClose(() => realtime.close());
    logger.info('aegis listening', { url, store: db.engine, home: config.AEGIS_HOME, replica: coordination.replicaId });

    startLoops(w, opts.drivenClock ? undefined : detection);
    remediation.start();
    await pipeline.start();
    // An incident committed just before its replica died never had its investigation queued: one replica sweeps.
    if (!opts.drivenClock) coordination.leases.singleton('pipeline-reconcile', () => every(30_000, () => pipeline.reconcile(), logger));
    onClose(async () => {
      await pipeline.stop();
      await remediation.stop();
    });
    opts.print?.(banner({ url, engine: db.engine, home: config.AEGIS_HOME, bootstrapAdminToken, cluster: describeClusterSources(cluster), preview: cluster.simulator ? `${url}/preview` : undefined }));

    return {
      url,
      store,
      bus,
      registries: w.registries,
      logger,
      graph,
      rca,
      remediation,
      pipeline,
      ingest,
      detection,
      cluster,
      simulator: cluster.simulator,
      metrics: w.metricsSource,
      logs: cluster.logs,
      kubernetes: cluster.kubernetes,
      eventWatch,
      coordination,
      bootstrapAdminToken,
      close: closeAll,
    };
  } catch (err) {
    for (const close of closers) await close().catch(() => {});
    throw err;
  }
}

/** A Kubernetes Lease when configured (replicas in a cluster); otherwise advisory locks on PostgreSQL. */
function leaseBackendFor(config: AegisConfig, db: Database, cluster: ClusterSources): LeaseBackend | undefined {
  if (config.AEGIS_LEASE_BACKEND !== 'kubernetes' || db.engine !== 'postgres') return undefined; // embedded: one process
  if (!cluster.kubeConfig) throw new InputError('AEGIS_LEASE_BACKEND=kubernetes needs a cluster (in-cluster service account or AEGIS_KUBECONFIG)');
  return kubernetesLeaseBackend({ kubeConfig: cluster.kubeConfig, namespace: kubeConfigNamespace(cluster.kubeConfig) });
}

async function loadRegistries(config: AegisConfig, logger: Logger): Promise<ExtensionRegistries> {
  const registries = createExtensionRegistries();
  registerBuiltinDetectors(registries.detectors); // before user modules, so they may replace a built-in
  registerBuiltinActions(registries.actions);
  registerBuiltinRules(registries);
  if (config.AEGIS_EXTENSIONS_DIR) await loadExtensions(config.AEGIS_EXTENSIONS_DIR, registries, logger);
  return registries;
}

/** The service graph (discovered every minute on each replica) and root cause analysis over it. */
async function wireGraphAndRca(w: Wiring): Promise<{ graph: ServiceGraph; rca: RcaService }> {
  const graph = createServiceGraph();
  const discovery = createGraphDiscovery({
    graph,
    logger: w.logger.child({ component: 'graph' }),
    prometheus: w.config.AEGIS_PROMETHEUS_URL ? httpPromQuery(w.config.AEGIS_PROMETHEUS_URL) : undefined,
    workloads: w.cluster.kubeConfig ? kubeWorkloadSource(w.cluster.kubeConfig) : undefined,
    snapshots: simulatorTopology(w.cluster.simulator),
    overrideFile: path.join(w.config.AEGIS_HOME, 'graph-overrides.yaml'),
  });
  await discovery.refresh();
  const rediscover = setInterval(() => void discovery.refresh().catch(() => {}), 60_000);
  rediscover.unref();
  w.onClose(async () => clearInterval(rediscover));
  const graphHealth = createGraphHealthTracker({ graph, bus: w.clusterEvents });
  w.onClose(async () => graphHealth.close());
  const feeds = createBusFeeds({ bus: w.clusterEvents, clock: w.clock });
  w.onClose(async () => feeds.close());
  const rca = createRcaService({
    anomalies: feeds.anomalies,
    changes: feeds.changes,
    incidents: w.store.incidents,
    store: createRcaStore({ db: w.db, clock: w.clock }),
    graph,
    clock: w.clock,
    logger: w.logger.child({ component: 'rca' }),
    metrics: w.metricsSource,
    logs: w.cluster.logs,
    traces: w.cluster.traces,
  });
  rcaProbabilityGauge(w.metrics, rca);
  return { graph, rca };
}

/** Scheduled detection when a metrics source exists; each replica scores its shard of the series. */
function wireDetection(w: Wiring, graph: ServiceGraph): DetectionService | undefined {
  if (!w.metricsSource) return undefined;
  return createDetectionService({
    source: w.metricsSource,
    store: w.detectStore,
    bus: w.bus,
    clock: w.clock,
    logger: w.logger,
    graph,
    lookup: registryLookup(w.registries.detectors),
    onScore: anomalyScoreGauges(w.metrics),
    owns: (series) => w.coordination.membership.owns(series),
    // Opt-in LSTM member (AEGIS_DETECT_LSTM): one model per metric group, trained in a worker.
    lstm: w.config.AEGIS_DETECT_LSTM
      ? {
          loadTf: () => loadTensorflow({ prefer: w.config.AEGIS_TF_BACKEND, logger: w.logger.child({ component: 'detect' }) }),
          train: (series, options) => trainInWorker(series, options, w.config.AEGIS_TF_BACKEND),
        }
      : undefined,
  });
}

/** Webhooks, anomalies and Kubernetes warnings → deduped, grouped incidents. */
async function wireIngest(w: Wiring, graph: ServiceGraph, remediation: RemediationService): Promise<{ ingest: Ingest; eventWatch: () => EventWatch | undefined }> {
  const { config } = w;
  const ingest = createIngest({
    store: w.store,
    graph,
    bus: w.bus,
    clock: w.clock,
    logger: w.logger.child({ component: 'ingest' }),
    grafanaSecret: config.AEGIS_GRAFANA_WEBHOOK_SECRET,
    github: {
      secret: config.AEGIS_GITHUB_WEBHOOK_SECRET,
      contents: githubContentsApi({ token: config.AEGIS_GITHUB_TOKEN }),
      iac: iacEngineScanner({ db: w.db, clock: w.clock }),
    },
    slack: {
      secret: config.AEGIS_SLACK_SIGNING_SECRET,
      users: async () => (await loadSlackSettings(path.join(config.AEGIS_HOME, 'slack.yaml'))).users,
      decisions: () => remediation,
    },
  });
  w.onClose(() => ingest.close());
  void ingest.reconcileAnomalies(() => w.detectStore.openAnomalies()).catch((err: unknown) => w.logger.warn('anomaly reconcile failed', { err }));
  const kubernetes = w.cluster.kubernetes;
  let watch: EventWatch | undefined;
  if (kubernetes) {
    // One replica watches the cluster's events; another takes over when it dies.
    w.coordination.leases.singleton('kubernetes-events', () => {
      const current = kubernetes.watchEvents({
        onEvent: (event) => void ingest.kubernetesEvent(event).catch((err: unknown) => w.logger.warn('kubernetes event not ingested', { err })),
      });
      watch = current;
      return {
        stop: () => {
          if (watch === current) watch = undefined;
          return current.stop();
        },
      };
    });
  }
  return { ingest, eventWatch: () => watch };
}

/** Built-in notifiers (a user module may replace one) fed from the local bus: each notice is sent once. */
async function wireNotifications(w: Wiring): Promise<void> {
  const { config } = w;
  const slack = await loadSlackSettings(path.join(config.AEGIS_HOME, 'slack.yaml'));
  const notifiers = builtinNotifiers({
    slackWebhookUrl: config.AEGIS_SLACK_WEBHOOK_URL,
    slackBotToken: config.AEGIS_SLACK_BOT_TOKEN,
    slackChannel: slack.channel,
    grafanaUrl: config.AEGIS_GRAFANA_URL,
    grafanaToken: config.AEGIS_GRAFANA_API_TOKEN,
    incidents: w.store.incidents,
  });
  for (const n of notifiers) if (!w.registries.notifiers.has(n.id)) w.registries.notifiers.register(n);
  const notifications = dispatchNotifications({ bus: w.bus, notifiers: w.registries.notifiers, logger: w.logger.child({ component: 'notify' }) });
  w.onClose(async () => notifications.close());
}

async function wireRemediation(w: Wiring, policy: RemediationPolicy | undefined, graph: ServiceGraph, pollMs?: number): Promise<RemediationService> {
  return createRemediationService({
    store: w.store,
    bus: w.bus,
    clock: w.clock,
    logger: w.logger.child({ component: 'remediation' }),
    actions: w.registries.actions,
    cluster: kubeClusterOf(w),
    metrics: w.metricsSource,
    policy: policy ?? (await loadRemediationPolicy(path.join(w.config.AEGIS_HOME, 'remediation-policy.yaml'))),
    owner: w.coordination.replicaId,
    leaseTtlMs: 15_000,
    callers: (service) => graph.upstream(service),
    // Detection's anomalies on a service (any namespace: leaving out too much only falls back to the plain hour): the periods verification's baselines leave out.
    disturbed: async (service, fromMs, toMs) =>
      (await w.detectStore.listAnomalies({ service, from: new Date(fromMs), to: new Date(toMs), limit: 500 })).items.map((a) => ({ fromMs: Date.parse(a.start), toMs: a.open ? toMs : Date.parse(a.end) })),
    pollMs,
    impersonation: w.config.AEGIS_IMPERSONATE_USER ? { user: w.config.AEGIS_IMPERSONATE_USER, group: w.config.AEGIS_IMPERSONATE_GROUP } : undefined,
  });
}

const kubeClusters = new WeakMap<Wiring, ReturnType<typeof createKubeCluster> | undefined>();
/** One Kubernetes cluster port shared by remediation and the agents' tools. */
function kubeClusterOf(w: Wiring) {
  if (!kubeClusters.has(w)) kubeClusters.set(w, w.cluster.kubeConfig ? createKubeCluster(w.cluster.kubeConfig) : undefined);
  return kubeClusters.get(w);
}

/** The agents, their tools (also served over MCP) and the pipeline that runs them per incident. */
async function wirePipeline(w: Wiring, graph: ServiceGraph, rca: RcaService, remediation: RemediationService, driven: boolean) {
  const { config, cluster, registries } = w;
  const pipelineStore = createPipelineStore({ db: w.db, clock: w.clock });
  const fixerModel = await loadFixerModel(pipelineStore);
  let scanner: Promise<IacScanner> | undefined;
  const namespace = cluster.simulator?.namespace ?? cluster.kubeConfig?.getContextObject(cluster.kubeConfig.getCurrentContext())?.namespace ?? 'default';
  const getScanner = () => (scanner ??= createIacScanner({ rules: rulesFromRegistry(registries) }));
  const tools = createToolset({
    graph,
    cluster: kubeClusterOf(w),
    metrics: w.metricsSource,
    logs: cluster.logs,
    namespace,
    iac: { rules: () => rulesFromRegistry(registries), scanner: getScanner },
  });
  const pipeline = createPipeline({
    store: w.store,
    pipelineStore,
    bus: w.bus,
    clock: w.clock,
    logger: w.logger.child({ component: 'pipeline' }),
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
    // On a driven clock: investigations run here, one at a time, in the order their incidents opened (a queued job,
    // or two investigations interleaving on the cluster's API, would depend on the machine's speed), and the driver
    // sweeps (a real-time timer would re-investigate at whatever simulated time it fired).
    jobs: driven ? undefined : w.coordination.jobs,
    concurrency: driven ? 1 : undefined,
    continuous: driven ? { sweepEveryMs: 0 } : undefined,
  });
  return { pipeline, pipelineStore, tools, getScanner, namespace };
}

/** Detection on every replica (over its shard); retention on one, under a lease. */
function startLoops(w: Wiring, detection: DetectionService | undefined): void {
  if (detection) {
    detection.start(60_000, 5_000); // first tick a little after start-up, not during it
    w.onClose(() => detection.stop());
  }
  w.coordination.leases.singleton('retention', () =>
    every(
      3_600_000,
      async () => {
        await detection?.compact();
        await pruneRelayedEvents(w.db);
      },
      w.logger,
    ),
  );
}

async function listen(config: AegisConfig, served: http.RequestListener): Promise<{ server: http.Server | https.Server; url: string }> {
  const tls = config.AEGIS_TLS_CERT && config.AEGIS_TLS_KEY;
  const server = tls
    ? https.createServer({ cert: await readFile(config.AEGIS_TLS_CERT!), key: await readFile(config.AEGIS_TLS_KEY!) }, served)
    : http.createServer(served);
  server.requestTimeout = 30_000;
  server.headersTimeout = 15_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.AEGIS_PORT, config.AEGIS_HOST, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = config.AEGIS_HOST.includes(':') ? `[${config.AEGIS_HOST}]` : config.AEGIS_HOST;
  return { server, url: `${tls ? 'https' : 'http'}://${host}:${port}` };
}

function closeServer(server: http.Server | https.Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
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
    ['viewer', config.AEGIS_VIEWER_TOKEN],
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

function banner(b: { url: string; engine: string; home: string; bootstrapAdminToken?: string; cluster?: string; preview?: string }): string {
  const lines = [`Aegis is running at ${b.url}  (store: ${b.engine}, home: ${b.home})`];
  if (b.cluster) lines.push(b.cluster);
  if (b.preview) lines.push(`Preview: ${b.preview}  (the Grafana plugins in a browser; it issues its own short-lived token)`);
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

const HERE = path.dirname(fileURLToPath(import.meta.url));
// backend/src/main.ts, or backend/dist/src/main.js when compiled (scripts/build-backend.mjs).
export const BACKEND_ROOT = path.resolve(HERE, path.basename(path.dirname(HERE)) === 'dist' ? '../..' : '..');
