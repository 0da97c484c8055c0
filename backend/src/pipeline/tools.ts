import { z } from 'zod';
import { InputError, NotFoundError } from '../platform/errors.js';

/** A tool agents call (and external assistants, through MCP). Read-only tools never change anything. */
export interface ToolDefinition<S extends z.ZodRawShape = z.ZodRawShape> {
  name: string;
  description: string;
  readOnly: boolean;
  input: S;
  run(args: z.infer<z.ZodObject<S>>): Promise<unknown>;
}

export interface ToolCall {
  tool: string;
  args: unknown;
  ok: boolean;
  durationMs: number;
  /** A short description of the answer (sizes, not contents). */
  summary: string;
  error?: string;
}

export interface ToolRegistry {
  register<S extends z.ZodRawShape>(tool: ToolDefinition<S>): void;
  list(): ToolDefinition[];
  get(name: string): ToolDefinition;
  has(name: string): boolean;
}

export interface ToolRunner {
  call<T = unknown>(name: string, args: Record<string, unknown>): Promise<T>;
  /** Whether a tool is available (e.g. no log source configured). */
  has(name: string): boolean;
  readonly calls: ToolCall[];
}

export function defineTool<S extends z.ZodRawShape>(t: ToolDefinition<S>): ToolDefinition<S> {
  return t;
}

export function createToolRegistry(): ToolRegistry {
  const tools = new Map<string, ToolDefinition>();
  return {
    register(tool) {
      if (tools.has(tool.name)) throw new InputError(`tool ${tool.name} is already registered`);
      tools.set(tool.name, tool as unknown as ToolDefinition);
    },
    list: () => [...tools.values()],
    get(name) {
      const t = tools.get(name);
      if (!t) throw new NotFoundError(`unknown tool ${name}`);
      return t;
    },
    has: (name) => tools.has(name),
  };
}

/** A runner for one agent execution: validates arguments and records every call with its duration. */
export function createToolRunner(registry: ToolRegistry, nowMs: () => number = () => performance.now()): ToolRunner {
  const calls: ToolCall[] = [];
  return {
    calls,
    has: (name) => registry.has(name),
    async call<T>(name: string, args: Record<string, unknown>): Promise<T> {
      const tool = registry.get(name);
      const t0 = nowMs();
      try {
        const parsed = z.object(tool.input).parse(args);
        const out = await tool.run(parsed);
        calls.push({ tool: name, args, ok: true, durationMs: Math.round(nowMs() - t0), summary: summarise(out) });
        return out as T;
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        calls.push({ tool: name, args, ok: false, durationMs: Math.round(nowMs() - t0), summary: '', error: message });
        throw err;
      }
    },
  };
}

function summarise(out: unknown): string {
  if (Array.isArray(out)) return `${out.length} items`;
  if (out && typeof out === 'object') {
    const o = out as { results?: unknown[]; errors?: unknown[] };
    if (Array.isArray(o.results)) return `${o.results.length} results, ${o.errors?.length ?? 0} errors`;
    return `object with ${Object.keys(out).length} fields`;
  }
  return typeof out;
}
