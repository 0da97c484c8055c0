import type { Clock } from '../platform/clock.js';
import type { Database, Queryable } from './db.js';
import type { NewAuditEntry } from './audit.js';
import type { IncidentSignal, IncidentStatus, Severity } from './types.js';

/** A signal row as ingestion writes it (the store does not know where signals come from). */
export interface NewSignalRow {
  incident_id: string;
  source: string;
  kind: 'alert' | 'event';
  dedupe_key: string;
  service: string | null;
  namespace: string | null;
  severity: Severity;
  status: 'firing' | 'resolved';
  summary: string;
  payload: unknown;
  starts_at: Date;
}

export interface IncidentGroup {
  incident_id: string;
  subjects: string[];
  last_signal_at: Date;
  status: IncidentStatus;
  severity: Severity;
  services: string[];
}

export interface ResolvedSignal {
  id: string;
  incident_id: string;
  dedupe_key: string;
}

/**
 * Signal persistence for ingestion. Every write takes the caller's transaction, because dedupe, grouping
 * and the audit entry of one delivery commit together or not at all.
 */
export interface SignalRepository {
  /**
   * In one round trip: which of these dedupe keys are already stored, and the unresolved incidents
   * sharing a subject whose last signal is not older than `since` (most recent first).
   */
  lookup(
    tx: Queryable,
    keys: string[],
    subjects: string[],
    since: Date,
  ): Promise<{ existing: Set<string>; groups: IncidentGroup[] }>;
  /** Inserts signals (a re-delivery's key is skipped) and, in the same statement, audit entries; returns the stored ones. */
  insert(tx: Queryable, rows: NewSignalRow[], audit?: NewAuditEntry[]): Promise<IncidentSignal[]>;
  /** Adds subjects and moves `last_signal_at` forward (creating the group row on first use). */
  touchGroups(tx: Queryable, groups: Array<{ incident_id: string; subjects: string[]; at: Date }>): Promise<void>;
  /** Widens incidents' services and raises their severity where a joining signal asks for it. */
  widenIncidents(
    tx: Queryable,
    changes: Array<{ incident_id: string; services: string[]; severity: Severity }>,
  ): Promise<void>;
  /** Marks firing alert signals resolved; returns those that changed. */
  resolve(tx: Queryable, keys: string[], at: Date): Promise<ResolvedSignal[]>;
  /** Row-locks these incidents (in id order, so concurrent callers cannot deadlock each other). */
  lockIncidents(tx: Queryable, incidentIds: string[]): Promise<void>;
  /** Of these incidents, those that have alert signals and none of them still firing. */
  allAlertsResolved(tx: Queryable, incidentIds: string[]): Promise<string[]>;
  /** Of these incidents, those with a remediation approved, applying or verifying. */
  remediationInFlight(tx: Queryable, incidentIds: string[]): Promise<Set<string>>;
  timeline(
    tx: Queryable,
    entries: Array<{ incident_id: string; kind: string; actor: string; message: string; data: unknown }>,
  ): Promise<void>;
  audit(tx: Queryable, entries: NewAuditEntry[]): Promise<void>;
  /** Records a delivery id; false when it was seen before (a re-delivery). */
  recordDelivery(source: string, deliveryId: string, tx?: Queryable): Promise<boolean>;
}

export function createSignalRepository({ db, clock }: { db: Database; clock: Clock }): SignalRepository {
  return {
    async lookup(tx, keys, subjects, since) {
      if (!keys.length && !subjects.length) return { existing: new Set(), groups: [] };
      const { rows } = await tx.query<{
        dedupe_key: string | null;
        g: (Omit<IncidentGroup, 'last_signal_at'> & { last_signal_at: string }) | null;
      }>(
        `SELECT dedupe_key, NULL::jsonb AS g FROM incident_signals WHERE dedupe_key = ANY($1::text[])
         UNION ALL
         (SELECT NULL, jsonb_build_object('incident_id', g.incident_id, 'subjects', g.subjects, 'last_signal_at', g.last_signal_at,
                 'status', i.status, 'severity', i.severity, 'services', i.services)
          FROM incident_groups g JOIN incidents i ON i.id = g.incident_id
          WHERE g.subjects && $2::text[] AND g.last_signal_at >= $3 AND i.status NOT IN ('resolved', 'closed')
          ORDER BY g.last_signal_at DESC)`,
        [keys, subjects, since],
      );
      const existing = new Set<string>();
      const groups: IncidentGroup[] = [];
      for (const r of rows) {
        if (r.dedupe_key !== null) existing.add(r.dedupe_key);
        else if (r.g) groups.push({ ...r.g, last_signal_at: new Date(r.g.last_signal_at) });
      }
      return { existing, groups };
    },

    async insert(tx, rows, audit = []) {
      if (!rows.length) {
        if (audit.length) await tx.query(AUDIT_INSERT, [JSON.stringify(auditRows(audit)), clock.now()]);
        return [];
      }
      const now = clock.now();
      const { rows: out } = await tx.query<{ id: string; dedupe_key: string }>(
        `WITH audit AS (${AUDIT_INSERT.replace('$1', '$3')})
         INSERT INTO incident_signals
           (incident_id, source, kind, dedupe_key, service, namespace, severity, status, summary, payload, starts_at, received_at)
         SELECT r.incident_id, r.source, r.kind, r.dedupe_key, r.service, r.namespace, r.severity, r.status, r.summary,
                r.payload, r.starts_at, $2
         FROM jsonb_to_recordset($1::jsonb) AS r(incident_id uuid, source text, kind text, dedupe_key text, service text,
              namespace text, severity text, status text, summary text, payload jsonb, starts_at timestamptz)
         ON CONFLICT (dedupe_key) DO NOTHING
         RETURNING id, dedupe_key`,
        [JSON.stringify(rows), now, JSON.stringify(auditRows(audit))],
      );
      // Only the ids come back: the rest is what was sent (the payload need not be parsed again).
      const byKey = new Map(rows.map((r) => [r.dedupe_key, r]));
      const receivedAt = now.toISOString();
      return out.flatMap(({ id, dedupe_key }) => {
        const r = byKey.get(dedupe_key);
        return r
          ? [
              {
                id,
                source: r.source,
                dedupe_key,
                service: r.service,
                status: r.status,
                summary: r.summary,
                payload: r.payload,
                received_at: receivedAt,
              },
            ]
          : [];
      });
    },

    async touchGroups(tx, groups) {
      if (!groups.length) return;
      await tx.query(
        `INSERT INTO incident_groups (incident_id, subjects, last_signal_at)
         SELECT g.incident_id, ARRAY(SELECT jsonb_array_elements_text(g.subjects)), g.at
         FROM jsonb_to_recordset($1::jsonb) AS g(incident_id uuid, subjects jsonb, at timestamptz)
         ON CONFLICT (incident_id) DO UPDATE SET
           subjects = ARRAY(SELECT DISTINCT s FROM unnest(incident_groups.subjects || EXCLUDED.subjects) s ORDER BY s),
           last_signal_at = GREATEST(incident_groups.last_signal_at, EXCLUDED.last_signal_at)`,
        [JSON.stringify(groups)],
      );
    },

    async widenIncidents(tx, changes) {
      if (!changes.length) return;
      await tx.query(
        `UPDATE incidents i SET
           services = ARRAY(SELECT DISTINCT s FROM unnest(i.services || ARRAY(SELECT jsonb_array_elements_text(c.services))) s ORDER BY s),
           severity = c.severity,
           updated_at = $2
         FROM jsonb_to_recordset($1::jsonb) AS c(incident_id uuid, services jsonb, severity text)
         WHERE i.id = c.incident_id`,
        [JSON.stringify(changes), clock.now()],
      );
    },

    async resolve(tx, keys, at) {
      if (!keys.length) return [];
      const { rows } = await tx.query<ResolvedSignal>(
        `UPDATE incident_signals SET status = 'resolved', resolved_at = $2
         WHERE dedupe_key = ANY($1::text[]) AND status = 'firing'
         RETURNING id, incident_id, dedupe_key`,
        [keys, at],
      );
      return rows;
    },

    async lockIncidents(tx, incidentIds) {
      if (!incidentIds.length) return;
      await tx.query('SELECT id FROM incidents WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE', [incidentIds]);
    },

    async allAlertsResolved(tx, incidentIds) {
      if (!incidentIds.length) return [];
      const { rows } = await tx.query<{ incident_id: string }>(
        `SELECT incident_id FROM incident_signals WHERE incident_id = ANY($1::uuid[]) AND kind = 'alert'
         GROUP BY incident_id HAVING bool_and(status = 'resolved')`,
        [incidentIds],
      );
      return rows.map((r) => r.incident_id);
    },

    async remediationInFlight(tx, incidentIds) {
      if (!incidentIds.length) return new Set();
      const { rows } = await tx.query<{ incident_id: string }>(
        `SELECT DISTINCT incident_id FROM remediations
         WHERE incident_id = ANY($1::uuid[]) AND status IN ('approved', 'applying', 'verifying')`,
        [incidentIds],
      );
      return new Set(rows.map((r) => r.incident_id));
    },

    async timeline(tx, entries) {
      if (!entries.length) return;
      await tx.query(
        `INSERT INTO incident_timeline (incident_id, at, kind, actor, message, data)
         SELECT e.incident_id, $2, e.kind, e.actor, e.message, e.data
         FROM jsonb_to_recordset($1::jsonb) AS e(incident_id uuid, kind text, actor text, message text, data jsonb)`,
        [JSON.stringify(entries), clock.now()],
      );
    },

    async audit(tx, entries) {
      if (!entries.length) return;
      await tx.query(AUDIT_INSERT, [JSON.stringify(auditRows(entries)), clock.now()]);
    },

    async recordDelivery(source, deliveryId, tx = db) {
      const { rowCount } = await tx.query(
        `INSERT INTO webhook_deliveries (source, delivery_id, received_at) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING`,
        [source, deliveryId, clock.now()],
      );
      return rowCount > 0;
    },
  };
}

/** Bulk audit insert: $1 the entries as JSON, $2 the time. */
const AUDIT_INSERT = `INSERT INTO audit_log (at, actor, actor_role, action, target, result, status, request_id, remote_addr, details)
  SELECT $2, e.actor, e.actor_role, e.action, e.target, e.result, e.status, e.request_id, e.remote_addr, e.details
  FROM jsonb_to_recordset($1::jsonb) AS e(actor text, actor_role text, action text, target text, result text,
       status int, request_id text, remote_addr text, details jsonb)`;

function auditRows(entries: NewAuditEntry[]) {
  return entries.map((e) => ({ ...e, details: e.details ?? {} }));
}
