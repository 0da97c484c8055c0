import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import express from 'express';
import type { Authenticator } from '../api/auth.js';
import { can } from '../api/principal.js';
import { AegisError, errorMessage } from '../platform/errors.js';
import type { Logger } from '../platform/logger.js';
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

/**
 * `POST /api/v1/mcp`: the same tools over MCP's streamable HTTP transport (stateless, JSON answers),
 * behind the API's bearer tokens with the `read` permission. In front of the app, like the preview.
 */
export function withMcpEndpoint(o: { inner: express.Express; registry: ToolRegistry; authenticator: Authenticator; logger: Logger; path?: string }): express.Express {
  const outer = express();
  outer.disable('x-powered-by');
  const deny = (res: express.Response, status: number, message: string) =>
    res.status(status).json({ error: { code: status === 401 ? 'unauthenticated' : 'forbidden', message } });
  outer.post(o.path ?? '/api/v1/mcp', express.json({ limit: '1mb' }), (req, res) => {
    void (async () => {
      let principal;
      try {
        principal = await o.authenticator.authenticate(req.header('authorization'), undefined);
      } catch (err) {
        return deny(res, err instanceof AegisError ? err.status : 401, errorMessage(err));
      }
      if (!principal) return deny(res, 401, 'a bearer token is required');
      if (!can(principal, 'read')) return deny(res, 403, `role ${principal.role} may not read`);
      const server = createMcpServer(o.registry);
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
      res.on('close', () => {
        void transport.close();
        void server.close();
      });
      await server.connect(transport);
      await transport.handleRequest(req, res, req.body);
    })().catch((err: unknown) => {
      o.logger.error('MCP request failed', { err: errorMessage(err) });
      if (!res.headersSent) res.status(500).json({ error: { code: 'internal', message: 'MCP request failed' } });
    });
  });
  outer.use(o.inner);
  return outer;
}
