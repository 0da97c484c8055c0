import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import express from 'express';
import type { Authenticator } from '../api/auth.js';
import { jsonErrorHandler } from '../api/errors.js';
import { createAuthGuard, type AuthGuard } from '../api/guard.js';
import { systemClock } from '../platform/clock.js';
import { errorMessage } from '../platform/errors.js';
import type { Logger } from '../platform/logger.js';
import { scrubValue } from '../platform/scrub.js';
import type { AuditLog } from '../store/audit.js';
import type { ToolRegistry } from './tools.js';

export interface McpOptions {
  /** The namespaces Aegis watches: a tool asked about any other answers an error and reads nothing. */
  namespaces?: string[];
  version?: string;
}

const MAX_TEXT = 100_000;

/**
 * The agents' read-only tools as an MCP server, so external assistants call exactly what the agents call.
 * Every answer passes the secret scrubber (env values named like secrets, credentials in logs).
 */
export function createMcpServer(registry: ToolRegistry, opts: McpOptions = {}): McpServer {
  const server = new McpServer({ name: 'aegis', version: opts.version ?? '0.1.0' });
  const watched = opts.namespaces?.length ? new Set(opts.namespaces) : undefined;
  for (const tool of registry.list()) {
    if (!tool.readOnly) continue;
    server.registerTool(
      tool.name,
      { description: tool.description, inputSchema: tool.input, annotations: { readOnlyHint: true } },
      async (args: Record<string, unknown>) => {
        const ns = args.namespace;
        if (watched && typeof ns === 'string' && !watched.has(ns)) {
          return { isError: true, content: [{ type: 'text' as const, text: `${ns} is not a namespace Aegis watches (${[...watched].join(', ')})` }] };
        }
        const out = scrubValue(await tool.run(args as never));
        const text = JSON.stringify(out) ?? 'null';
        // Bounded: assistants have small context windows.
        return { content: [{ type: 'text' as const, text: text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…(truncated)` : text }] };
      },
    );
  }
  return server;
}

/**
 * `POST /api/v1/mcp`: the same tools over MCP's streamable HTTP transport (stateless, JSON answers),
 * behind the API's bearer tokens with the `read` permission; failed authentications are throttled per
 * client address and audited. In front of the app, like the preview.
 */
export function withMcpEndpoint(o: {
  inner: express.Express;
  registry: ToolRegistry;
  authenticator: Authenticator;
  logger: Logger;
  audit?: AuditLog;
  guard?: AuthGuard;
  namespaces?: string[];
  path?: string;
}): express.Express {
  const outer = express();
  outer.disable('x-powered-by');
  outer.set('trust proxy', 'loopback');
  outer.set('case sensitive routing', true);
  outer.set('strict routing', true);
  const guard = o.guard ?? createAuthGuard({ authenticator: o.authenticator, audit: o.audit, clock: systemClock, logger: o.logger });
  outer.post(o.path ?? '/api/v1/mcp', express.json({ limit: '1mb' }), (req, res) => {
    void (async () => {
      const verdict = await guard.check({ authorization: req.header('authorization'), remoteAddr: req.ip, action: 'mcp.authenticate' });
      if (!verdict.ok) {
        if (verdict.retryAfterSeconds) res.setHeader('Retry-After', String(verdict.retryAfterSeconds));
        const code = verdict.status === 401 ? 'unauthenticated' : verdict.status === 403 ? 'forbidden' : 'rate_limited';
        return res.status(verdict.status).json({ error: { code, message: verdict.message } });
      }
      const server = createMcpServer(o.registry, { namespaces: o.namespaces });
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
  outer.use(jsonErrorHandler(o.logger));
  return outer;
}
