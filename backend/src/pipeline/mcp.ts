import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ToolRegistry } from './tools.js';

/** The agents' read-only tools as an MCP server, so external assistants call exactly what the agents call. */
export function createMcpServer(registry: ToolRegistry, version = '0.1.0'): McpServer {
  const server = new McpServer({ name: 'aegis', version });
  for (const tool of registry.list()) {
    if (!tool.readOnly) continue;
    server.registerTool(
      tool.name,
      { description: tool.description, inputSchema: tool.input, annotations: { readOnlyHint: true } },
      async (args: Record<string, unknown>) => {
        const out = await tool.run(args as never);
        const text = JSON.stringify(out);
        // Bounded: assistants have small context windows.
        return { content: [{ type: 'text' as const, text: text.length > 100_000 ? `${text.slice(0, 100_000)}…(truncated)` : text }] };
      },
    );
  }
  return server;
}
