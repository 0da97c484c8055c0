import type { EventBus } from '../events/bus.js';
import type { ServiceGraphPort } from '../graph/port.js';
import type { Clock } from '../platform/clock.js';
import { RateLimitError } from '../platform/errors.js';
import { failpoint } from '../platform/failpoints.js';
import type { Logger } from '../platform/logger.js';
import type { IncidentGroup, NewAuditEntry, Queryable, Store } from '../store/index.js';
import type { Incident, IncidentSignal, Severity } from '../store/types.js';
import { GROUP_LOCK_CLASS, lockKeys, ownSubject, reachableSubjects } from './grouping.js';
import { moreSevere, type Signal, type SignalOutcome } from './signal.js';

export interface SignalWriterOptions {
  store: Store;
  graph: ServiceGraphPort;
  bus: EventBus;
  clock: Clock;
  logger: Logger;
  /** A signal joins an unresolved incident whose last signal is at most this old. */
  windowMs?: number;
  /** Signals per transaction. */
  maxBatch?: number;
  /** Transactions in flight at once (PGlite has one connection: keep 1 there). Default 1. */
  parallel?: number;
  /** Signals waiting beyond this are refused with 429 (back-pressure, never a silent drop). */
  maxQueued?: number;
}

/** The audit entry of one delivery, written with its signals; the writer fills in what happened. */
export type DeliveryAudit = Omit<NewAuditEntry, 'details'> & { details?: Record<string, unknown> };

export interface SignalWriter {
  /** Resolves once the signals (and the delivery's audit entry) are committed: only then may a webhook answer. */
  submit(signals: Signal[], audit?: DeliveryAudit): Promise<SignalOutcome[]>;
  /** Waits for everything submitted so far. */
  flush(): Promise<void>;
}

interface Pending {
  signals: Signal[];
  audit?: DeliveryAudit;
  resolve(outcomes: SignalOutcome[]): void;
  reject(err: unknown): void;
}

interface BatchEffects {
  opened: Incident[];
  joined: Array<{ incident_id: string; signal: IncidentSignal }>;
  resolved: Incident[];
}

const ACTOR = 'aegis:ingest';
/** How stale an incident's `last_signal_at` may get before a joining signal rewrites it. */
const TOUCH_EVERY_MS = 30_000;
const RETRYABLE = new Set(['40P01', '40001']);

/**
 * Durable, batched signal writer. Deliveries queue up while a transaction runs and the next transaction
 * takes them all: one commit covers many webhooks, and each caller hears back only after that commit.
 * Grouping is safe across replicas: each batch first takes transaction-level advisory locks on every
 * subject its signals could join, in one global order.
 */
export function createSignalWriter(opts: SignalWriterOptions): SignalWriter {
  const { store, graph, bus, clock, logger } = opts;
  const windowMs = opts.windowMs ?? 15 * 60_000;
  const maxBatch = opts.maxBatch ?? 1000;
  // One batch at a time by default: concurrent batches mostly wait on each other's subject locks (measured).
  const parallel = opts.parallel ?? 1;
  const maxQueued = opts.maxQueued ?? 50_000;
  const queue: Pending[] = [];
  let queued = 0;
  let running = 0;
  const idle: Array<() => void> = [];

  const take = (): Pending[] => {
    const batch: Pending[] = [];
    let size = 0;
    while (queue.length && (batch.length === 0 || size + (queue[0]?.signals.length ?? 0) <= maxBatch)) {
      const next = queue.shift() as Pending;
      size += next.signals.length;
      batch.push(next);
    }
    queued -= size;
    return batch;
  };

  const pump = () => {
    while (running < parallel && queue.length) {
      const batch = take();
      running++;
      void runBatch(batch).finally(() => {
        running--;
        pump();
        if (!running && !queue.length) idle.splice(0).forEach((f) => f());
      });
    }
  };

  const runBatch = async (batch: Pending[]) => {
    for (let attempt = 1; ; attempt++) {
      try {
        const { outcomes, effects } = await store.db.transaction((tx) => writeBatch(tx, batch));
        batch.forEach((p, i) => p.resolve(outcomes[i] ?? []));
        publish(effects);
        return;
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code && RETRYABLE.has(code) && attempt < 4) continue;
        logger.error('signal batch failed', { err, deliveries: batch.length });
        batch.forEach((p) => p.reject(err));
        return;
      }
    }
  };

  const publish = (effects: BatchEffects) => {
    for (const incident of effects.opened) bus.publish('incidents', 'incident.opened', incident);
    for (const joined of effects.joined) bus.publish('incidents', 'incident.signal', joined);
    for (const incident of effects.resolved) bus.publish('incidents', 'incident.resolved', incident);
  };

  const writeBatch = async (tx: Queryable, batch: Pending[]) => {
    const now = clock.now();
    const all = batch.flatMap((p) => p.signals);
    const firing = all.filter((s) => s.status === 'firing');
    const reach = new Map(firing.map((s) => [s, reachableSubjects(s, graph)]));
    const subjects = [...new Set([...reach.values()].flat())];
    if (subjects.length) {
      await tx.query(
        'SELECT pg_advisory_xact_lock($1::int, k) FROM unnest($2::int[]) WITH ORDINALITY AS t(k, n) ORDER BY n',
        [GROUP_LOCK_CLASS, lockKeys(subjects)],
      );
    }
    const { existing, groups } = await store.signals.lookup(
      tx,
      firing.map((s) => s.dedupe_key),
      subjects,
      new Date(now.getTime() - windowMs),
    );
    const grouping = await assign(tx, firing, reach, existing, groups, now);

    // Resolutions of signals stored earlier; a signal that fires and resolves within this batch is stored resolved.
    const placedKeys = new Set(grouping.placed.map((p) => p.signal.dedupe_key));
    const resolving = all.filter((s) => s.status === 'resolved');
    const resolvedRows = await store.signals.resolve(
      tx,
      resolving.filter((s) => !placedKeys.has(s.dedupe_key)).map((s) => s.dedupe_key),
      now,
    );
    const resolvedByKey = new Map(resolvedRows.map((r) => [r.dedupe_key, r.incident_id]));
    const resolvedNow = new Set(resolving.filter((s) => placedKeys.has(s.dedupe_key)).map((s) => s.dedupe_key));
    for (const p of grouping.placed)
      if (resolvedNow.has(p.signal.dedupe_key)) resolvedByKey.set(p.signal.dedupe_key, p.incidentId);

    const outcome = (s: Signal): SignalOutcome => {
      if (s.status === 'resolved') {
        const incident = resolvedByKey.get(s.dedupe_key);
        return incident
          ? { dedupe_key: s.dedupe_key, result: 'resolved', incident_id: incident }
          : { dedupe_key: s.dedupe_key, result: 'unmatched' };
      }
      const placed = grouping.placement.get(s);
      if (!placed) return { dedupe_key: s.dedupe_key, result: 'duplicate' };
      return { dedupe_key: s.dedupe_key, result: placed.opened ? 'opened' : 'joined', incident_id: placed.incidentId };
    };
    const outcomes = batch.map((p) => p.signals.map(outcome));
    // Signals and the deliveries' audit entries go in one statement: one round trip per batch.
    const inserted = await store.signals.insert(
      tx,
      grouping.placed.map(({ signal, incidentId }) => ({
        incident_id: incidentId,
        source: signal.source,
        kind: signal.kind,
        dedupe_key: signal.dedupe_key,
        service: signal.service,
        namespace: signal.namespace,
        severity: signal.severity,
        status: resolvedNow.has(signal.dedupe_key) ? 'resolved' : 'firing',
        summary: signal.summary || signal.title,
        payload: signal.payload,
        starts_at: signal.starts_at,
      })),
      batch.flatMap((p, i) => (p.audit ? [withOutcomes(p.audit, outcomes[i] ?? [])] : [])),
    );
    const insertedByKey = new Map(inserted.map((s) => [s.dedupe_key, s]));
    await store.signals.touchGroups(
      tx,
      [...grouping.subjectsByIncident].map(([incident_id, s]) => ({ incident_id, subjects: [...s], at: now })),
    );
    await store.signals.widenIncidents(tx, grouping.widen);
    // The timeline notes what changes an incident (opened, a new service, a higher severity), not every re-fire.
    const noteworthy = new Set([...grouping.createdIds, ...grouping.widen.map((w) => w.incident_id)]);
    await store.signals.timeline(
      tx,
      joinTimeline(
        grouping.placed.filter((p) => noteworthy.has(p.incidentId)),
        grouping.createdIds,
      ),
    );
    const resolvedIncidents = await settleResolved(tx, [...new Set(resolvedByKey.values())]);

    const joined = grouping.placed
      .filter((p) => !p.first)
      .flatMap((p) => {
        const signal = insertedByKey.get(p.signal.dedupe_key);
        return signal ? [{ incident_id: p.incidentId, signal }] : [];
      });
    failpoint('ingest.before-commit');
    return { outcomes, effects: { opened: grouping.opened, joined, resolved: resolvedIncidents } };
  };

  /**
   * Whether a signal joining through `via` (its own service's subject, or a neighbour's) is the incident's problem:
   * through its own service always; through a neighbour only if every service already in the incident is its own
   * or a direct neighbour of it. A user-facing service's incident that a fault on one of its dependencies joined is
   * that fault's: a second fault on a dependency unrelated to the first, overlapping it, gets an incident of its own.
   */
  const sameProblem = (signal: Signal, via: string, services: Set<string> | undefined): boolean => {
    if (!signal.service || !services || via === ownSubject(signal)) return true;
    const near = new Set([signal.service, ...graph.upstream(signal.service), ...graph.downstream(signal.service)]);
    return [...services].every((s) => near.has(s));
  };

  /** Places each new firing signal: into an incident met earlier in this batch, an open one in the window, or a new one. */
  const assign = async (
    tx: Queryable,
    firing: Signal[],
    reach: Map<Signal, string[]>,
    existing: Set<string>,
    groups: IncidentGroup[],
    now: Date,
  ) => {
    const bySubject = new Map<string, string>();
    for (const g of [...groups].reverse()) for (const s of g.subjects) bySubject.set(s, g.incident_id); // most recent wins
    const known = new Map(groups.map((g) => [g.incident_id, { severity: g.severity, services: new Set(g.services) }]));
    // A group row is rewritten only for a new subject or when its last signal is getting old: floods stay cheap.
    const stored = new Map(
      groups.map((g) => [
        g.incident_id,
        { subjects: new Set(g.subjects), fresh: g.last_signal_at.getTime() > now.getTime() - TOUCH_EVERY_MS },
      ]),
    );
    const seen = new Set(existing);
    const placement = new Map<Signal, { incidentId: string; opened: boolean }>();
    const placed: Array<{ signal: Signal; incidentId: string; first: boolean }> = [];
    const subjectsByIncident = new Map<string, Set<string>>();
    const opened: Incident[] = [];
    const createdIds = new Set<string>();
    const widen = new Map<string, { incident_id: string; services: string[]; severity: Severity }>();

    for (const signal of firing) {
      if (seen.has(signal.dedupe_key)) continue;
      seen.add(signal.dedupe_key);
      const target = (reach.get(signal) ?? [])
        .map((s) => ({ via: s, id: bySubject.get(s) }))
        .find(({ via, id }) => id !== undefined && sameProblem(signal, via, known.get(id)?.services))?.id;
      let incidentId = target;
      let first = false;
      if (!incidentId) {
        const incident = await store.incidents.create(newIncidentFrom(signal), ACTOR, tx);
        opened.push(incident);
        createdIds.add(incident.id);
        known.set(incident.id, { severity: incident.severity, services: new Set(incident.services) });
        incidentId = incident.id;
        first = true;
      } else {
        const k = known.get(incidentId);
        if (
          k &&
          ((signal.service && !k.services.has(signal.service)) ||
            moreSevere(signal.severity, k.severity) !== k.severity)
        ) {
          if (signal.service) k.services.add(signal.service);
          k.severity = moreSevere(signal.severity, k.severity);
          widen.set(incidentId, { incident_id: incidentId, services: [...k.services], severity: k.severity });
        }
      }
      const own = ownSubject(signal);
      // A signal that joined only through a neighbour does not make its own service a way in: no chains along the graph.
      const viaNeighbour = !first && bySubject.get(own) !== incidentId;
      if (viaNeighbour) {
        placement.set(signal, { incidentId, opened: first });
        placed.push({ signal, incidentId, first });
        continue;
      }
      bySubject.set(own, incidentId);
      const row = stored.get(incidentId);
      if (!row?.fresh || !row.subjects.has(own)) {
        subjectsByIncident.set(incidentId, (subjectsByIncident.get(incidentId) ?? new Set()).add(own));
      }
      placement.set(signal, { incidentId, opened: first });
      placed.push({ signal, incidentId, first });
    }
    return { placement, placed, subjectsByIncident, opened, createdIds, widen: [...widen.values()] };
  };

  /** Incidents whose every alert is now resolved: resolved, unless a remediation is in flight (then annotated). */
  const settleResolved = async (tx: Queryable, incidentIds: string[]): Promise<Incident[]> => {
    // Two replicas resolving an incident's last two alerts at once must not both see the other still firing.
    await store.signals.lockIncidents(tx, incidentIds);
    const done = await store.signals.allAlertsResolved(tx, incidentIds);
    const busy = await store.signals.remediationInFlight(tx, done);
    const resolved: Incident[] = [];
    for (const id of done) {
      if (busy.has(id)) {
        await store.incidents.addTimeline(
          id,
          {
            kind: 'signal',
            actor: ACTOR,
            message: 'all alerts resolved; a remediation is in flight, so the incident stays open',
            data: {},
          },
          tx,
        );
        continue;
      }
      const current = await tx.query<{ status: string }>('SELECT status FROM incidents WHERE id = $1', [id]);
      if (['resolved', 'closed'].includes(current.rows[0]?.status ?? 'resolved')) continue;
      resolved.push(await store.incidents.setStatus(id, 'resolved', ACTOR, 'all alerts resolved', tx));
    }
    return resolved;
  };

  return {
    submit(signals, audit) {
      if (queued + signals.length > maxQueued) {
        return Promise.reject(new RateLimitError(`ingestion queue is full (${queued} signals waiting)`, 1));
      }
      return new Promise<SignalOutcome[]>((resolve, reject) => {
        queue.push({ signals, audit, resolve, reject });
        queued += signals.length;
        pump();
      });
    },
    flush() {
      if (!running && !queue.length) return Promise.resolve();
      return new Promise<void>((resolve) => idle.push(resolve));
    },
  };
}

function newIncidentFrom(signal: Signal) {
  return {
    title: signal.title.slice(0, 300),
    description: signal.summary,
    severity: signal.severity,
    source: signal.source,
    namespace: signal.namespace,
    services: signal.service ? [signal.service] : [],
    labels: Object.fromEntries(Object.entries(signal.labels).slice(0, 30)),
    started_at: signal.starts_at,
  };
}

function joinTimeline(placed: Array<{ signal: Signal; incidentId: string; first: boolean }>, created: Set<string>) {
  const byIncident = new Map<string, Signal[]>();
  for (const p of placed) byIncident.set(p.incidentId, [...(byIncident.get(p.incidentId) ?? []), p.signal]);
  return [...byIncident].map(([incident_id, signals]) => {
    const titles = [...new Set(signals.map((s) => `${s.source}: ${s.title}`))];
    const verb = created.has(incident_id) ? 'opened by' : 'joined by';
    return {
      incident_id,
      kind: 'signal',
      actor: ACTOR,
      message: `${verb} ${signals.length} signal${signals.length === 1 ? '' : 's'}: ${titles.slice(0, 5).join('; ')}${titles.length > 5 ? '…' : ''}`,
      data: { dedupe_keys: signals.slice(0, 50).map((s) => s.dedupe_key), count: signals.length },
    };
  });
}

function withOutcomes(audit: DeliveryAudit, outcomes: SignalOutcome[]): NewAuditEntry {
  const count = (r: SignalOutcome['result']) => outcomes.filter((o) => o.result === r).length;
  const incidents = [...new Set(outcomes.flatMap((o) => (o.incident_id ? [o.incident_id] : [])))];
  return {
    ...audit,
    target: audit.target ?? incidents[0] ?? null,
    details: {
      ...audit.details,
      signals: outcomes.length,
      opened: count('opened'),
      joined: count('joined'),
      duplicates: count('duplicate'),
      resolved: count('resolved'),
      unmatched: count('unmatched'),
      incidents: incidents.slice(0, 20),
    },
  };
}
