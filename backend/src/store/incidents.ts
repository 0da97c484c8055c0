import type { Clock } from '../platform/clock.js';
import { ConflictError, NotFoundError } from '../platform/errors.js';
import type { Database, Queryable } from './db.js';
import { decodeCursor, iso, type Page, SqlParams, toPage } from './paging.js';
import type { Incident, IncidentDetail, IncidentSignal, IncidentStatus, Severity, TimelineEntry } from './types.js';

export interface NewIncident {
  title: string;
  description?: string;
  severity?: Severity;
  status?: IncidentStatus;
  source?: string;
  namespace?: string | null;
  services?: string[];
  labels?: Record<string, string>;
  started_at?: Date;
}

export interface IncidentFilter {
  status?: IncidentStatus[];
  severity?: Severity[];
  service?: string;
  namespace?: string;
  from?: Date;
  to?: Date;
  q?: string;
  limit: number;
  cursor?: string;
}

export interface IncidentRepository {
  create(input: NewIncident, actor: string, tx?: Queryable): Promise<Incident>;
  get(id: string): Promise<Incident>;
  getDetail(id: string): Promise<IncidentDetail>;
  list(filter: IncidentFilter): Promise<Page<Incident>>;
  acknowledge(id: string, actor: string): Promise<Incident>;
  resolve(id: string, actor: string, resolution?: string): Promise<Incident>;
  setStatus(id: string, status: IncidentStatus, actor: string, message: string, tx?: Queryable): Promise<Incident>;
  addTimeline(id: string, entry: Omit<TimelineEntry, 'at'>, tx?: Queryable): Promise<void>;
  /** Title, severity and services follow the evidence (investigation); the timeline says what changed and why. */
  followEvidence(id: string, change: { title?: string; severity?: Incident['severity']; services?: string[] }, actor: string, reason: string): Promise<Incident>;
}

const FINAL: IncidentStatus[] = ['resolved', 'closed'];

export function createIncidentRepository({ db, clock }: { db: Database; clock: Clock }): IncidentRepository {
  const addTimeline = async (id: string, e: Omit<TimelineEntry, 'at'>, q: Queryable = db) => {
    await q.query(
      'INSERT INTO incident_timeline (incident_id, at, kind, actor, message, data) VALUES ($1, $2, $3, $4, $5, $6)',
      [id, clock.now(), e.kind, e.actor, e.message, JSON.stringify(e.data ?? {})],
    );
  };

  const get = async (id: string, q: Queryable = db): Promise<Incident> => {
    const { rows } = await q.query<IncidentRow>('SELECT * FROM incidents WHERE id = $1', [id]);
    const row = rows[0];
    if (!row) throw new NotFoundError(`incident ${id} not found`);
    return toIncident(row);
  };

  /** Changes one incident under a row lock, and records why in its timeline, in one transaction. */
  const update = (
    id: string,
    change: (current: Incident) => { set: Record<string, unknown>; timeline: Omit<TimelineEntry, 'at'> },
    outer?: Queryable,
  ): Promise<Incident> => {
    const run = async (tx: Queryable) => {
      const { rows } = await tx.query<IncidentRow>('SELECT * FROM incidents WHERE id = $1 FOR UPDATE', [id]);
      if (!rows[0]) throw new NotFoundError(`incident ${id} not found`);
      const { set, timeline } = change(toIncident(rows[0]));
      const p = new SqlParams();
      const assignments = Object.entries({ ...set, updated_at: clock.now() }).map(([k, v]) => `${k} = ${p.add(v)}`);
      const updated = await tx.query<IncidentRow>(
        `UPDATE incidents SET ${assignments.join(', ')} WHERE id = ${p.add(id)} RETURNING *`,
        p.values,
      );
      await addTimeline(id, timeline, tx);
      return toIncident(updated.rows[0] as IncidentRow);
    };
    return outer ? run(outer) : db.transaction(run);
  };

  return {
    async create(input, actor, tx) {
      const run = async (q: Queryable) => {
        const now = clock.now();
        const { rows } = await q.query<IncidentRow>(
          `INSERT INTO incidents (title, description, severity, status, source, namespace, services, labels, started_at, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING *`,
          [
            input.title,
            input.description ?? '',
            input.severity ?? 'medium',
            input.status ?? 'open',
            input.source ?? 'aegis',
            input.namespace ?? null,
            input.services ?? [],
            JSON.stringify(input.labels ?? {}),
            input.started_at ?? now,
            now,
          ],
        );
        const incident = toIncident(rows[0] as IncidentRow);
        await addTimeline(
          incident.id,
          { kind: 'created', actor, message: `incident opened: ${input.title}`, data: {} },
          q,
        );
        return incident;
      };
      return tx ? run(tx) : db.transaction(run);
    },

    get: (id) => get(id),

    async getDetail(id) {
      const incident = await get(id);
      const [signals, timeline] = await Promise.all([
        db.query<IncidentSignal & { received_at: Date }>(
          `SELECT id, source, dedupe_key, service, status, summary, payload, received_at
           FROM incident_signals WHERE incident_id = $1 ORDER BY received_at, id`,
          [id],
        ),
        db.query<TimelineEntry & { at: Date }>(
          'SELECT at, kind, actor, message, data FROM incident_timeline WHERE incident_id = $1 ORDER BY at, id',
          [id],
        ),
      ]);
      return {
        ...incident,
        signals: signals.rows.map((s) => ({ ...s, received_at: iso(s.received_at) as string })),
        timeline: timeline.rows.map((t) => ({ ...t, at: iso(t.at) as string })),
      };
    },

    async list(f) {
      const p = new SqlParams();
      const where: string[] = [];
      if (f.status?.length) where.push(`status = ANY(${p.add(f.status)})`);
      if (f.severity?.length) where.push(`severity = ANY(${p.add(f.severity)})`);
      if (f.service) where.push(`${p.add(f.service)} = ANY(services)`);
      if (f.namespace) where.push(`namespace = ${p.add(f.namespace)}`);
      if (f.from) where.push(`created_at >= ${p.add(f.from)}`);
      if (f.to) where.push(`created_at < ${p.add(f.to)}`);
      if (f.q) where.push(`title ILIKE ${p.add(`%${f.q.replace(/[\\%_]/g, (c) => '\\' + c)}%`)}`);
      if (f.cursor) {
        const c = decodeCursor(f.cursor);
        where.push(`(created_at, id) < (${p.add(c.at)}::timestamptz, ${p.add(c.id)}::uuid)`);
      }
      const sql = `SELECT * FROM incidents ${where.length ? 'WHERE ' + where.join(' AND ') : ''}
                   ORDER BY created_at DESC, id DESC LIMIT ${p.add(f.limit + 1)}`;
      const { rows } = await db.query<IncidentRow>(sql, p.values);
      return toPage(rows.map(toIncident), f.limit, (i) => ({ at: i.created_at, id: i.id }));
    },

    acknowledge(id, actor) {
      return update(id, (cur) => {
        if (FINAL.includes(cur.status)) throw new ConflictError(`incident ${id} is already ${cur.status}`);
        if (cur.acknowledged_by) {
          return {
            set: {},
            timeline: { kind: 'acknowledged', actor, message: `acknowledged again by ${actor}`, data: {} },
          };
        }
        return {
          set: { acknowledged_by: actor, acknowledged_at: clock.now() },
          timeline: { kind: 'acknowledged', actor, message: `acknowledged by ${actor}`, data: {} },
        };
      });
    },

    resolve(id, actor, resolution) {
      return update(id, (cur) => {
        if (FINAL.includes(cur.status)) throw new ConflictError(`incident ${id} is already ${cur.status}`);
        return {
          set: { status: 'resolved', resolved_by: actor, resolved_at: clock.now(), resolution: resolution ?? null },
          timeline: { kind: 'resolved', actor, message: resolution ? `resolved: ${resolution}` : 'resolved', data: {} },
        };
      });
    },

    setStatus(id, status, actor, message, tx) {
      return update(
        id,
        (cur) => {
          if (FINAL.includes(cur.status) && !FINAL.includes(status)) {
            throw new ConflictError(`incident ${id} is ${cur.status}; it cannot become ${status}`);
          }
          const resolving = FINAL.includes(status) ? { resolved_by: actor, resolved_at: clock.now() } : {};
          return {
            set: { status, ...resolving },
            timeline: { kind: 'status', actor, message, data: { from: cur.status, to: status } },
          };
        },
        tx,
      );
    },

    addTimeline: (id, entry, tx) => addTimeline(id, entry, tx),

    followEvidence(id, change, actor, reason) {
      return update(id, (cur) => {
        const set: Record<string, unknown> = {};
        const said: string[] = [];
        if (change.title && change.title !== cur.title) (set.title = change.title), said.push(`title "${change.title}"`);
        if (change.severity && change.severity !== cur.severity) (set.severity = change.severity), said.push(`severity ${cur.severity} → ${change.severity}`);
        if (change.services && change.services.join() !== cur.services.join()) (set.services = change.services), said.push(`services ${change.services.join(', ')}`);
        return { set, timeline: { kind: 'status', actor, message: said.length ? `${said.join('; ')}: ${reason}` : `unchanged: ${reason}`, data: { ...change } } };
      });
    },
  };
}

type IncidentRow = Omit<Incident, 'started_at' | 'created_at' | 'updated_at' | 'acknowledged_at' | 'resolved_at'> & {
  started_at: Date;
  created_at: Date;
  updated_at: Date;
  acknowledged_at: Date | null;
  resolved_at: Date | null;
};

function toIncident(r: IncidentRow): Incident {
  return {
    ...r,
    started_at: iso(r.started_at) as string,
    created_at: iso(r.created_at) as string,
    updated_at: iso(r.updated_at) as string,
    acknowledged_at: iso(r.acknowledged_at),
    resolved_at: iso(r.resolved_at),
  };
}
