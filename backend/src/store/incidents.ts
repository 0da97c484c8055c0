import type { Clock } from '../platform/clock.js';
import { ConflictError, NotFoundError } from '../platform/errors.js';
import type { Database, Queryable } from './db.js';
import { decodeCursor, iso, type Page, SqlParams, toPage } from './paging.js';
import type {
  Incident,
  IncidentDetail,
  IncidentFeedback,
  IncidentNote,
  IncidentSignal,
  IncidentStatus,
  Severity,
  TimelineEntry,
} from './types.js';

export interface EditedPostmortem {
  incident_id: string;
  markdown: string;
  created_at: string;
  updated_at: string;
  edited_by: string | null;
  final_at: string | null;
  final_by: string | null;
}

/** What a writer records in the timeline; `at` is the clock's and `type` mirrors `kind`. */
export type NewTimelineEntry = Omit<TimelineEntry, 'at' | 'type'>;

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
  /** A resolved or closed incident back to `open` (the resolution stays in the timeline). */
  reopen(id: string, actor: string, reason?: string): Promise<Incident>;
  /** Sets or clears (null) who owns the incident. */
  assign(id: string, assignee: string | null, actor: string): Promise<Incident>;
  /** A note, also shown in the timeline as `{type: "note"}`. */
  addNote(id: string, text: string, author: string): Promise<IncidentNote>;
  recordFeedback(input: Omit<IncidentFeedback, 'id' | 'created_at'>, tx?: Queryable): Promise<IncidentFeedback>;
  /** Saves a person's edit of the written postmortem; `final` freezes it. A final one refuses edits. */
  editPostmortem(id: string, markdown: string, actor: string, final: boolean): Promise<EditedPostmortem>;
  setStatus(id: string, status: IncidentStatus, actor: string, message: string, tx?: Queryable): Promise<Incident>;
  addTimeline(id: string, entry: NewTimelineEntry, tx?: Queryable): Promise<void>;
  /** Title, severity and services follow the evidence (investigation); the timeline says what changed and why. */
  followEvidence(id: string, change: { title?: string; severity?: Incident['severity']; services?: string[] }, actor: string, reason: string): Promise<Incident>;
}

const FINAL: IncidentStatus[] = ['resolved', 'closed'];

export function createIncidentRepository({ db, clock }: { db: Database; clock: Clock }): IncidentRepository {
  const addTimeline = async (id: string, e: NewTimelineEntry, q: Queryable = db) => {
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
    change: (current: Incident) => { set: Record<string, unknown>; timeline: NewTimelineEntry },
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
          // Signals received together (one detection tick, one batch) in an order their content decides, not their
          // random ids: what reads "the first signals" (verification's checks) must see the same ones every time.
          `SELECT id, source, dedupe_key, service, status, summary, payload, received_at
           FROM incident_signals WHERE incident_id = $1 ORDER BY received_at, starts_at NULLS LAST, service NULLS LAST, source, summary, dedupe_key`,
          [id],
        ),
        db.query<TimelineEntry & { at: Date }>(
          'SELECT at, kind, kind AS type, actor, message, data FROM incident_timeline WHERE incident_id = $1 ORDER BY at, id',
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

    reopen(id, actor, reason) {
      return update(id, (cur) => {
        if (!FINAL.includes(cur.status))
          throw new ConflictError(`incident ${id} is ${cur.status}, not resolved or closed`);
        return {
          set: { status: 'open', resolved_by: null, resolved_at: null, resolution: null },
          timeline: {
            kind: 'reopened',
            actor,
            message: reason ? `reopened: ${reason}` : 'reopened',
            data: { from: cur.status, previous_resolution: cur.resolution },
          },
        };
      });
    },

    assign(id, assignee, actor) {
      return update(id, (cur) => ({
        set: { assignee },
        timeline: {
          kind: 'assigned',
          actor,
          message: assignee ? `assigned to ${assignee}` : 'unassigned',
          data: { from: cur.assignee, to: assignee },
        },
      }));
    },

    addNote(id, text, author) {
      return db.transaction(async (tx) => {
        await get(id, tx);
        const { rows } = await tx.query<IncidentNote & { created_at: Date }>(
          'INSERT INTO incident_notes (incident_id, author, text, created_at) VALUES ($1, $2, $3, $4) RETURNING *',
          [id, author, text, clock.now()],
        );
        const note = rows[0] as IncidentNote & { created_at: Date };
        await addTimeline(id, { kind: 'note', actor: author, message: text, data: { note_id: note.id } }, tx);
        return { ...note, created_at: iso(note.created_at) as string };
      });
    },

    async recordFeedback(input, tx = db) {
      const { rows } = await tx.query<IncidentFeedback & { created_at: Date }>(
        `INSERT INTO incident_feedback (incident_id, kind, service, metric, note, actor, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
        [input.incident_id, input.kind, input.service, input.metric, input.note, input.actor, clock.now()],
      );
      const saved = rows[0] as IncidentFeedback & { created_at: Date };
      const about = [input.service, input.metric].filter(Boolean).join(' ');
      await addTimeline(
        input.incident_id,
        {
          kind: 'feedback',
          actor: input.actor,
          message: `${input.kind}${about ? ` (${about})` : ''}${input.note ? `: ${input.note}` : ''}`,
          data: { feedback_id: saved.id, kind: input.kind, service: input.service, metric: input.metric },
        },
        tx,
      );
      return { ...saved, created_at: iso(saved.created_at) as string };
    },

    editPostmortem(id, markdown, actor, final) {
      return db.transaction(async (tx) => {
        await get(id, tx);
        const { rows } = await tx.query<{ final_at: Date | null }>(
          'SELECT final_at FROM postmortems WHERE incident_id = $1 FOR UPDATE',
          [id],
        );
        if (!rows[0])
          throw new NotFoundError(`incident ${id} has no postmortem yet: it is written when it is resolved`);
        if (rows[0].final_at) throw new ConflictError(`the postmortem of incident ${id} is final`);
        const now = clock.now();
        const saved = await tx.query<PostmortemRow>(
          `UPDATE postmortems SET markdown = $1, edited_by = $2, updated_at = $3,
             final_at = CASE WHEN $4::boolean THEN $3::timestamptz ELSE NULL END,
             final_by = CASE WHEN $4::boolean THEN $2 ELSE NULL END
           WHERE incident_id = $5
           RETURNING incident_id, markdown, created_at, updated_at, edited_by, final_at, final_by`,
          [markdown, actor, now, final, id],
        );
        await addTimeline(
          id,
          { kind: 'postmortem', actor, message: final ? 'postmortem finalised' : 'postmortem edited', data: { final } },
          tx,
        );
        const r = saved.rows[0] as PostmortemRow;
        return {
          ...r,
          created_at: iso(r.created_at) as string,
          updated_at: iso(r.updated_at) as string,
          final_at: iso(r.final_at),
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
        if (change.title && change.title !== cur.title) {
          set.title = change.title;
          said.push(`title "${change.title}"`);
        }
        if (change.severity && change.severity !== cur.severity) {
          set.severity = change.severity;
          said.push(`severity ${cur.severity} → ${change.severity}`);
        }
        if (change.services && change.services.join() !== cur.services.join()) {
          set.services = change.services;
          said.push(`services ${change.services.join(', ')}`);
        }
        return { set, timeline: { kind: 'status', actor, message: said.length ? `${said.join('; ')}: ${reason}` : `unchanged: ${reason}`, data: { ...change } } };
      });
    },
  };
}

type PostmortemRow = Omit<EditedPostmortem, 'created_at' | 'updated_at' | 'final_at'> & {
  created_at: Date;
  updated_at: Date;
  final_at: Date | null;
};

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
