import type { Clock } from '../platform/clock.js';
import { NotFoundError } from '../platform/errors.js';
import type { Database } from './db.js';
import { iso } from './paging.js';
import type { AgentExecution, ExecutionStatus } from './types.js';

export interface ExecutionRepository {
  start(input: { incidentId: string; agent: string; input: unknown; attempt?: number }): Promise<AgentExecution>;
  finish(
    id: string,
    result: {
      status: Exclude<ExecutionStatus, 'running'>;
      output?: unknown;
      toolCalls?: unknown[];
      error?: string;
      tokensUsed?: number;
    },
  ): Promise<AgentExecution>;
  listByIncident(incidentId: string): Promise<AgentExecution[]>;
}

export function createExecutionRepository({ db, clock }: { db: Database; clock: Clock }): ExecutionRepository {
  return {
    async start({ incidentId, agent, input, attempt = 1 }) {
      const { rows } = await db.query<ExecutionRow>(
        `INSERT INTO agent_executions (incident_id, agent, attempt, input, started_at)
         VALUES ($1, $2, $3, $4, $5) RETURNING *`,
        [incidentId, agent, attempt, JSON.stringify(input ?? {}), clock.now()],
      );
      return toExecution(rows[0] as ExecutionRow);
    },

    async finish(id, r) {
      const now = clock.now();
      const { rows } = await db.query<ExecutionRow>(
        `UPDATE agent_executions SET status = $2, output = $3, tool_calls = $4, error = $5, tokens_used = $6,
           finished_at = $7, duration_ms = GREATEST(0, (EXTRACT(EPOCH FROM ($7::timestamptz - started_at)) * 1000)::int)
         WHERE id = $1 RETURNING *`,
        [
          id,
          r.status,
          JSON.stringify(r.output ?? null),
          JSON.stringify(r.toolCalls ?? []),
          r.error ?? null,
          r.tokensUsed ?? null,
          now,
        ],
      );
      if (!rows[0]) throw new NotFoundError(`agent execution ${id} not found`);
      return toExecution(rows[0]);
    },

    async listByIncident(incidentId) {
      const { rows } = await db.query<ExecutionRow>(
        'SELECT * FROM agent_executions WHERE incident_id = $1 ORDER BY started_at, id',
        [incidentId],
      );
      return rows.map(toExecution);
    },
  };
}

type ExecutionRow = Omit<AgentExecution, 'started_at' | 'finished_at'> & { started_at: Date; finished_at: Date | null };

function toExecution(r: ExecutionRow): AgentExecution {
  return { ...r, started_at: iso(r.started_at) as string, finished_at: iso(r.finished_at) };
}
