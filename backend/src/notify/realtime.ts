import type http from 'node:http';
import type https from 'node:https';
import { Server, type Socket } from 'socket.io';
import { z } from 'zod';
import type { Authenticator } from '../api/auth.js';
import { createAuthGuard, type AuthGuard } from '../api/guard.js';
import type { Principal } from '../api/principal.js';
import { systemClock } from '../platform/clock.js';
import { TOPICS, type EventBus, type Topic } from '../events/bus.js';
import type { Logger } from '../platform/logger.js';

export interface RealtimeOptions {
  server: http.Server | https.Server;
  bus: EventBus;
  authenticator: Authenticator;
  logger: Logger;
  /** socket.io's path; the default is what socket.io-client expects. */
  path?: string;
  /** Throttles and audits failed handshakes (shared with the MCP endpoint). */
  guard?: AuthGuard;
  /** How often each connection's token is checked again (revoked or expired elsewhere → disconnected). */
  recheckMs?: number;
}

export interface Realtime {
  /** Connected clients right now. */
  clients(): number;
  close(): Promise<void>;
}

const topicList = z.array(z.enum(TOPICS)).max(TOPICS.length);

/** Where a client may put its token: socket.io's `auth` payload, or an Authorization header. */
function bearerOf(socket: Socket): string | undefined {
  const auth = socket.handshake.auth as { token?: unknown } | undefined;
  if (typeof auth?.token === 'string' && auth.token) return `Bearer ${auth.token}`;
  const header = socket.handshake.headers.authorization;
  return typeof header === 'string' ? header : undefined;
}

/**
 * WebSocket (socket.io) on the API's own HTTP server: bus events are emitted to clients under their
 * topic name (`incidents`, `agent-activity`, `remediations`, `anomalies`…), each as `{topic, type, at, data}`.
 * Clients authenticate with the same bearer tokens as the REST API and need the `read` permission;
 * they get every topic unless they name some in `auth.topics` or send `subscribe` / `unsubscribe`.
 */
export function attachRealtime(o: RealtimeOptions): Realtime {
  const io = new Server(o.server, { path: o.path ?? '/socket.io', serveClient: false, cors: { origin: false } });

  const guard = o.guard ?? createAuthGuard({ authenticator: o.authenticator, clock: systemClock, logger: o.logger });
  const principalOf = (socket: Socket) => (socket.data as { principal?: Principal }).principal;
  io.use((socket, next) => {
    guard
      .check({ authorization: bearerOf(socket), remoteAddr: socket.handshake.address, action: 'socket.authenticate' })
      .then((verdict) => {
        if (!verdict.ok) return next(new Error(verdict.status === 403 ? `${verdict.message} events` : verdict.message));
        (socket.data as { principal?: Principal }).principal = verdict.principal;
        next();
      })
      .catch(() => next(new Error('authentication failed')));
  });

  // A revoked token's sockets close at once on this replica; every connection's token is re-checked
  // periodically too (revoked on another replica, or expired).
  const closeTokenSockets = (tokenId: string) => {
    for (const socket of io.sockets.sockets.values()) if (principalOf(socket)?.tokenId === tokenId) socket.disconnect(true);
  };
  const stopForget = o.authenticator.onForget?.(closeTokenSockets);
  const recheck = setInterval(() => {
    for (const socket of io.sockets.sockets.values()) {
      o.authenticator.authenticate(bearerOf(socket), undefined).then(
        (p) => {
          if (!p) socket.disconnect(true);
        },
        () => socket.disconnect(true),
      );
    }
  }, o.recheckMs ?? 15_000);
  recheck.unref();

  io.on('connection', (socket) => {
    const wanted = topicList.safeParse((socket.handshake.auth as { topics?: unknown } | undefined)?.topics);
    void socket.join(wanted.success && wanted.data.length ? wanted.data : [...TOPICS]);
    const change = (join: boolean) => (topics: unknown, ack?: unknown) => {
      const parsed = topicList.safeParse(Array.isArray(topics) ? topics : [topics]);
      const reply = typeof ack === 'function' ? (ack as (r: unknown) => void) : () => {};
      if (!parsed.success) return reply({ ok: false, error: `topics must be among ${TOPICS.join(', ')}` });
      for (const t of parsed.data) void (join ? socket.join(t) : socket.leave(t));
      reply({
        ok: true,
        topics: [...socket.rooms].filter((r): r is Topic => (TOPICS as readonly string[]).includes(r)),
      });
    };
    socket.on('subscribe', change(true));
    socket.on('unsubscribe', change(false));
  });

  const unsubscribe = o.bus.subscribe('*', (event) => {
    // Encoding a packet for an empty room is wasted work in an alert flood.
    if (io.sockets.adapter.rooms.get(event.topic)?.size) io.to(event.topic).emit(event.topic, event);
  });

  return {
    clients: () => io.engine.clientsCount,
    async close() {
      unsubscribe();
      stopForget?.();
      clearInterval(recheck);
      io.disconnectSockets(true);
      // io.close() would also close the HTTP server, which main.ts owns and closes itself.
      io.engine.close();
    },
  };
}
