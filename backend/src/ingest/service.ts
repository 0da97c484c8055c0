import type { RouteDef } from '../api/route.js';
import type { EventBus } from '../events/bus.js';
import type { ServiceGraphPort } from '../graph/port.js';
import type { Clock } from '../platform/clock.js';
import { UnavailableError } from '../platform/errors.js';
import type { Logger } from '../platform/logger.js';
import type { Store } from '../store/index.js';
import { anomalyMessageSchema, anomalySignal, kubernetesSignal, type KubeEventInput } from './internal.js';
import { githubWebhookRoutes, type GithubContentsPort, type IacScanPort } from './github.js';
import { alertWebhookRoutes } from './routes.js';
import { slackWebhookRoutes, type RemediationDecisions, type SlackUser } from './slack.js';
import type { SignalOutcome } from './signal.js';
import { createSignalWriter, type SignalWriter, type SignalWriterOptions } from './writer.js';

export interface IngestOptions {
  store: Store;
  graph: ServiceGraphPort;
  bus: EventBus;
  clock: Clock;
  logger: Logger;
  grafanaSecret?: string;
  github?: { secret?: string; contents: GithubContentsPort; iac?: IacScanPort };
  slack?: {
    secret?: string;
    users: () => Promise<Record<string, SlackUser>>;
    /** Looked up per request: the remediation service may be built after ingestion. */
    decisions?: () => RemediationDecisions | undefined;
  };
  writer?: Partial<Pick<SignalWriterOptions, 'windowMs' | 'maxBatch' | 'parallel' | 'maxQueued'>>;
}

export interface Ingest {
  routes: RouteDef[];
  writer: SignalWriter;
  /**
   * Ingests anomalies that are open now (detection's store), so one published while this process was
   * down is not missed; already-ingested ones are duplicates. Returns how many became new signals.
   */
  reconcileAnomalies(open: () => Promise<unknown[]>): Promise<number>;
  /** A Kubernetes event from the collector; only warnings about failing workloads become signals. */
  kubernetesEvent(event: KubeEventInput): Promise<SignalOutcome[]>;
  /** Stops listening to the bus and waits for queued signals to commit. */
  close(): Promise<void>;
}

/**
 * Ingestion: webhooks, Aegis's own anomalies (bus topic `anomalies`) and Kubernetes warnings, all
 * normalised into signals and written by one durable writer that dedupes and groups them into incidents.
 */
export function createIngest(o: IngestOptions): Ingest {
  const writer = createSignalWriter({
    store: o.store,
    graph: o.graph,
    bus: o.bus,
    clock: o.clock,
    logger: o.logger,
    ...o.writer,
  });
  const unsubscribe = o.bus.subscribe('anomalies', async (event) => {
    if (event.type !== 'anomaly.opened' && event.type !== 'anomaly.closed') return;
    const parsed = anomalyMessageSchema.safeParse(event.data);
    if (!parsed.success) {
      o.logger.warn('ignoring malformed anomaly event', { type: event.type });
      return;
    }
    // A silenced service (or "not an anomaly" feedback) opens no incident; a close still goes through.
    if (
      event.type === 'anomaly.opened' &&
      (await o.store.silences.matching(parsed.data.service, parsed.data.metric)).length
    ) {
      o.logger.info('anomaly silenced', { service: parsed.data.service, metric: parsed.data.metric });
      return;
    }
    await writer.submit([anomalySignal(parsed.data, event.type === 'anomaly.opened' ? 'firing' : 'resolved')]);
  });
  return {
    routes: [
      ...alertWebhookRoutes({ writer, clock: o.clock, grafanaSecret: o.grafanaSecret }),
      ...(o.github
        ? githubWebhookRoutes({
            writer,
            signals: o.store.signals,
            bus: o.bus,
            logger: o.logger,
            now: () => o.clock.now(),
            ...o.github,
          })
        : []),
      ...(o.slack
        ? slackWebhookRoutes({
            writer,
            signals: o.store.signals,
            incidents: o.store.incidents,
            nowMs: () => o.clock.nowMs(),
            ...slackDeps(o.slack),
          })
        : []),
    ],
    writer,
    async reconcileAnomalies(open) {
      const signals = (await open()).flatMap((a) => {
        const parsed = anomalyMessageSchema.safeParse(a);
        return parsed.success ? [anomalySignal(parsed.data, 'firing')] : [];
      });
      if (!signals.length) return 0;
      const outcomes = await writer.submit(signals);
      return outcomes.filter((x) => x.result === 'opened' || x.result === 'joined').length;
    },
    async kubernetesEvent(event) {
      const signal = kubernetesSignal(event, o.clock.now());
      return signal ? writer.submit([signal]) : [];
    },
    async close() {
      unsubscribe();
      await writer.flush();
    },
  };
}

/** Resolves the remediation service per call, so ingestion can be built before it. */
function slackDeps(s: NonNullable<IngestOptions['slack']>) {
  const decisions: RemediationDecisions = {
    approve: (id, actor, role) => required(s.decisions?.()).approve(id, actor, role),
    reject: (id, actor, reason, role) => required(s.decisions?.()).reject(id, actor, reason, role),
  };
  return { secret: s.secret, users: s.users, decisions: s.decisions ? decisions : undefined };
}

function required(d: RemediationDecisions | undefined): RemediationDecisions {
  if (!d) throw new UnavailableError('remediation approvals are not available on this server');
  return d;
}
