import type { z } from 'zod';
import type { Logger } from '../platform/logger.js';
import type { ToolRunner } from './tools.js';
import type { LlmClient } from './llm.js';

/** What an agent may use while it runs. Every tool call goes through `tools` so it is recorded. */
export interface AgentContext {
  tools: ToolRunner;
  logger: Logger;
  now: () => number;
  signal: AbortSignal;
  /** Present only when AEGIS_LLM_URL is configured; agents must work without it. */
  llm?: LlmClient;
  /** Tokens an LLM spent for this run (agents add to it). */
  usage: { tokens: number };
}

/** One agent: typed input and output (zod), a timeout and retries; the orchestrator records each run. */
export interface AgentDefinition<I = unknown, O = unknown> {
  id: string;
  description: string;
  input: z.ZodType<I>;
  output: z.ZodType<O>;
  timeoutMs?: number;
  retries?: number;
  run(input: I, ctx: AgentContext): Promise<O>;
}

export function defineAgent<I, O>(def: AgentDefinition<I, O>): AgentDefinition<I, O> {
  return def;
}
