import type { Queryable } from '../store/db.js';

/**
 * One fault can open two incidents at once: its own service's anomaly, and a side effect on a service
 * that is not its neighbour (fewer requests reach a callee of a failing caller), which grouping keeps
 * apart. RCA then names the faulty service in both. The incident with the service's own signals is
 * the one that fixes it; the other points there instead of proposing — otherwise whichever ran first
 * held the target, and the incident about the service was refused ("another remediation on this target
 * is not finished").
 */
export interface HandledElsewhere {
  service: string;
  incident_id: string;
  title: string;
}

const OPEN = ['open', 'investigating', 'awaiting_approval', 'remediating'];

/** Services among `services` on which another open incident has firing signals and this one has none. */
export async function handledElsewhere(db: Queryable, incidentId: string, services: string[]): Promise<HandledElsewhere[]> {
  if (!services.length) return [];
  const { rows } = await db.query<HandledElsewhere>(
    `SELECT DISTINCT ON (s.service) s.service, i.id AS incident_id, i.title
       FROM incident_signals s JOIN incidents i ON i.id = s.incident_id
      WHERE i.id <> $1 AND i.status = ANY($2) AND s.service = ANY($3) AND s.status = 'firing'
        AND NOT EXISTS (SELECT 1 FROM incident_signals m WHERE m.incident_id = $1 AND m.service = s.service)
      ORDER BY s.service, i.created_at`,
    [incidentId, OPEN, services],
  );
  return rows;
}

/** Proposals still open in other incidents on services this incident has its own signals on, where that incident has none. */
export async function proposalsToMoveHere(db: Queryable, incidentId: string): Promise<Array<{ id: string; target: string; incident_id: string }>> {
  const { rows } = await db.query<{ id: string; target: string; incident_id: string }>(
    `SELECT r.id, r.target, r.incident_id FROM remediations r
      WHERE r.status = 'proposed' AND r.incident_id <> $1
        AND EXISTS (SELECT 1 FROM incident_signals s WHERE s.incident_id = $1 AND s.service = r.target AND s.status = 'firing')
        AND NOT EXISTS (SELECT 1 FROM incident_signals o WHERE o.incident_id = r.incident_id AND o.service = r.target)`,
    [incidentId],
  );
  return rows;
}

/**
 * The services a fix for an incident may target: those its own signals are on, everything they depend
 * on (a root cause sits downstream of its symptoms), and their direct callers. A fault elsewhere that RCA
 * also sees (two faults at once) is not this incident's to fix: it gets, or has, its own.
 */
export async function relatedServices(signalServices: string[], neighbours: (service: string) => Promise<{ upstream: string[]; downstream: string[] }>): Promise<string[]> {
  const related = new Set<string>();
  const queue = [...new Set(signalServices)];
  for (const s of queue) {
    related.add(s);
    for (const caller of (await neighbours(s)).upstream) related.add(caller);
  }
  for (let i = 0; i < queue.length; i++) {
    for (const callee of (await neighbours(queue[i] as string)).downstream) {
      if (queue.includes(callee)) continue;
      queue.push(callee);
      related.add(callee);
    }
  }
  return [...related];
}
