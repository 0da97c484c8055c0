import type { Clock } from '../platform/clock.js';
import type { Database } from '../store/index.js';

export interface AgentStats {
  agent: string;
  runs: number;
  successes: number;
  /** Finished, but the proposal it made was refused (policy, dry run). */
  refusals: number;
  /** Finished without proposing anything. */
  abstentions: number;
  success_rate: number;
  p50_ms: number | null;
  p95_ms: number | null;
}

export interface Postmortem {
  incident_id: string;
  markdown: string;
  data: unknown;
  created_at: string;
  updated_at: string;
}

export interface FixerOutcomeRow {
  source: 'simulator' | 'real';
  incidentId?: string;
  remediationId?: string;
  service: string;
  action: string;
  features: number[];
  success: boolean;
  recoveryMs: number | null;
}

/** The pipeline's own tables (migration 055) and the agent statistics query. */
export interface PipelineStore {
  agentStats(from: Date, to: Date): Promise<AgentStats[]>;
  savePostmortem(incidentId: string, markdown: string, data: unknown): Promise<Postmortem>;
  getPostmortem(incidentId: string): Promise<Postmortem | undefined>;
  saveVector(incidentId: string, vector: Record<string, number>, tokens: string[]): Promise<void>;
  vectors(exceptIncident: string, limit: number): Promise<Array<{ incident_id: string; vector: Record<string, number> }>>;
  recordOutcome(o: FixerOutcomeRow): Promise<boolean>;
  realOutcomes(): Promise<FixerOutcomeRow[]>;
  saveModel(name: string, model: unknown, episodes: number): Promise<void>;
  loadModel(name: string): Promise<{ model: unknown; episodes: number } | undefined>;
}

const iso = (d: Date | string) => (d instanceof Date ? d.toISOString() : d);

export function createPipelineStore({ db, clock }: { db: Database; clock: Clock }): PipelineStore {
  return {
    async agentStats(from, to) {
      const { rows } = await db.query<{ agent: string; runs: string; successes: string; refusals: string; abstentions: string; p50: number | null; p95: number | null }>(
        // Issue 19: an agent that finished but proposed nothing (abstained) or whose proposal was refused is counted as such.
        `SELECT agent, count(*) AS runs, count(*) FILTER (WHERE status = 'success') AS successes,
                count(*) FILTER (WHERE status = 'success' AND output->>'proposal_error' IS NOT NULL AND coalesce(output->'plan'->>'action', '') <> 'none') AS refusals,
                count(*) FILTER (WHERE status = 'success' AND output->'plan'->>'action' = 'none') AS abstentions,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms) AS p50,
                percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms) AS p95
         FROM agent_executions WHERE started_at >= $1 AND started_at < $2 AND status <> 'running'
         GROUP BY agent ORDER BY agent`,
        [from, to],
      );
      return rows.map((r) => {
        const runs = Number(r.runs);
        const successes = Number(r.successes);
        return {
          agent: r.agent,
          runs,
          successes,
          refusals: Number(r.refusals),
          abstentions: Number(r.abstentions),
          success_rate: runs ? successes / runs : 0,
          p50_ms: r.p50 === null ? null : Math.round(Number(r.p50)),
          p95_ms: r.p95 === null ? null : Math.round(Number(r.p95)),
        };
      });
    },
    async savePostmortem(incidentId, markdown, data) {
      const now = clock.now();
      const { rows } = await db.query<Postmortem & { created_at: Date; updated_at: Date }>(
        `INSERT INTO postmortems (incident_id, markdown, data, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)
         ON CONFLICT (incident_id) DO UPDATE SET markdown = EXCLUDED.markdown, data = EXCLUDED.data, updated_at = EXCLUDED.updated_at
         RETURNING *`,
        [incidentId, markdown, JSON.stringify(data ?? {}), now],
      );
      const r = rows[0] as Postmortem & { created_at: Date; updated_at: Date };
      return { ...r, created_at: iso(r.created_at), updated_at: iso(r.updated_at) };
    },
    async getPostmortem(incidentId) {
      const { rows } = await db.query<Postmortem & { created_at: Date; updated_at: Date }>('SELECT * FROM postmortems WHERE incident_id = $1', [incidentId]);
      const r = rows[0];
      return r ? { ...r, created_at: iso(r.created_at), updated_at: iso(r.updated_at) } : undefined;
    },
    async saveVector(incidentId, vector, tokens) {
      await db.query(
        `INSERT INTO incident_vectors (incident_id, vector, tokens, updated_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (incident_id) DO UPDATE SET vector = EXCLUDED.vector, tokens = EXCLUDED.tokens, updated_at = EXCLUDED.updated_at`,
        [incidentId, JSON.stringify(vector), tokens, clock.now()],
      );
    },
    async vectors(exceptIncident, limit) {
      const { rows } = await db.query<{ incident_id: string; vector: Record<string, number> }>(
        'SELECT incident_id, vector FROM incident_vectors WHERE incident_id <> $1 ORDER BY updated_at DESC LIMIT $2',
        [exceptIncident, limit],
      );
      return rows;
    },
    async recordOutcome(o) {
      const { rowCount } = await db.query(
        `INSERT INTO fixer_outcomes (source, incident_id, remediation_id, service, action, features, success, recovery_ms, at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING`,
        [o.source, o.incidentId ?? null, o.remediationId ?? null, o.service, o.action, JSON.stringify(o.features), o.success, o.recoveryMs, clock.now()],
      );
      return rowCount > 0;
    },
    async realOutcomes() {
      const { rows } = await db.query<{ service: string; action: string; features: number[]; success: boolean; recovery_ms: number | null }>(
        "SELECT service, action, features, success, recovery_ms FROM fixer_outcomes WHERE source = 'real' ORDER BY at",
      );
      return rows.map((r) => ({ source: 'real' as const, service: r.service, action: r.action, features: r.features, success: r.success, recoveryMs: r.recovery_ms }));
    },
    async saveModel(name, model, episodes) {
      await db.query(
        `INSERT INTO fixer_models (name, model, episodes, updated_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (name) DO UPDATE SET model = EXCLUDED.model, episodes = EXCLUDED.episodes, updated_at = EXCLUDED.updated_at`,
        [name, JSON.stringify(model), episodes, clock.now()],
      );
    },
    async loadModel(name) {
      const { rows } = await db.query<{ model: unknown; episodes: number }>('SELECT model, episodes FROM fixer_models WHERE name = $1', [name]);
      return rows[0];
    },
  };
}
