import { io } from 'socket.io-client';
import { PROXY_BASE } from '../constants';

/**
 * Subscribes to backend events (socket.io) through the app's proxy route, which adds the token.
 * Long-polling only: it is plain HTTP, so it passes Grafana's plugin proxy, where a WebSocket upgrade
 * is not guaranteed. Returns the teardown.
 */
/** What the backend emits on each topic (the bus event). */
export interface LiveEvent {
  topic: string;
  type: string;
  at: string;
  data: Record<string, unknown>;
}

export function subscribeLive(topics: string[], onEvent: (event: LiveEvent) => void, onConnected: (connected: boolean) => void): () => void {
  const socket = io(window.location.origin, {
    path: `${PROXY_BASE}/socket.io`,
    transports: ['polling'],
    upgrade: false,
    auth: { topics },
    reconnectionDelay: 5000,
    reconnectionDelayMax: 60_000,
  });
  socket.on('connect', () => onConnected(true));
  socket.on('disconnect', () => onConnected(false));
  socket.on('connect_error', () => onConnected(false));
  for (const topic of topics) socket.on(topic, onEvent);
  return () => {
    socket.removeAllListeners();
    socket.close();
  };
}
