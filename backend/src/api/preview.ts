// The demo's preview: a Grafana-like host page (preview/) that loads the BUILT Grafana plugins the way
// Grafana does, served with the plugins' dist folders and a session endpoint that hands the page a
// short-lived token of the persona the viewer picks. Mounted only in demo mode (simulated cluster).
import express, { type Request, type Response } from 'express';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import { jsonErrorHandler } from './errors.js';
import { createRateLimiter, type RateLimitPolicy } from './rate-limit.js';
import type { AuditLog } from '../store/audit.js';
import type { TokenRepository } from '../store/tokens.js';
import type { Role } from '../store/types.js';

export const PREVIEW_TOKEN_TTL_MS = 60 * 60 * 1000;
const APPROVE_ACTION = 'aegis-app.remediations:approve';

/** Who the preview page acts as: a Grafana user behind the app's proxy token, or a plain read-only token. */
export const PREVIEW_PERSONAS = {
  editor: { role: 'grafana', login: 'preview-editor', grafanaRole: 'Editor', permissions: [APPROVE_ACTION] },
  // A Grafana Viewer can change nothing, so the preview's Viewer holds a viewer token, not the app's grafana one.
  viewer: { role: 'viewer', login: 'preview-viewer', grafanaRole: 'Viewer', permissions: [] },
  readonly: { role: 'viewer', login: 'preview-readonly', grafanaRole: 'Viewer', permissions: [] },
} as const satisfies Record<string, { role: Role; login: string; grafanaRole: string; permissions: readonly string[] }>;
export type PreviewPersona = keyof typeof PREVIEW_PERSONAS;

const sessionBody = z.object({ persona: z.enum(Object.keys(PREVIEW_PERSONAS) as [PreviewPersona, ...PreviewPersona[]]) });

/** Plugin ids → folders under the repo root, as Grafana would serve them at /public/plugins/<id>/. */
export const PREVIEW_PLUGIN_DIRS: Record<string, string> = {
  'aegis-app': 'plugin-app/dist',
  'aegis-datasource': 'plugin-datasource/dist',
};

export interface PreviewDeps {
  repoRoot: string;
  tokens: TokenRepository;
  audit: AuditLog;
  clock: Clock;
  logger: Logger;
  /** Sessions issued (all clients together: they are all this machine). */
  sessionLimit?: RateLimitPolicy;
}

/** Ten sessions in a burst, then one every ten seconds: a page load needs one. */
export const PREVIEW_SESSION_LIMIT: RateLimitPolicy = { ratePerSecond: 0.1, burst: 10 };
const FORWARDING_HEADERS = ['x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'forwarded', 'x-real-ip', 'via'];
const LOOPBACK_HOST = /^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d{1,5})?$/i;

/**
 * Why a session request is not from this machine's own browser, if it is not: the socket is not loopback,
 * a proxy forwarded it (behind a same-host proxy every client looks local), or the Host is not a loopback
 * name (a DNS-rebinding page reaches 127.0.0.1 under its own name).
 */
export function notLocal(req: Request): string | undefined {
  if (!isLoopback(req.socket.remoteAddress)) return 'the client is not on this machine (loopback)';
  const forwarded = FORWARDING_HEADERS.find((h) => req.headers[h] !== undefined);
  if (forwarded) return `the request came through a proxy (${forwarded})`;
  if (!LOOPBACK_HOST.test(req.headers.host ?? '')) return 'the Host header is not a loopback name (localhost, 127.0.0.1, [::1])';
  return undefined;
}

export function createPreviewRouter(deps: PreviewDeps): express.Router {
  const { repoRoot, tokens, audit, clock, logger } = deps;
  const router = express.Router({ caseSensitive: true, strict: true });
  const sessions = createRateLimiter({ policy: deps.sessionLimit ?? PREVIEW_SESSION_LIMIT, clock });
  const hostDir = path.join(repoRoot, 'preview', 'dist');
  const iconDir = path.join(repoRoot, 'node_modules', '@grafana', 'ui', 'dist', 'public', 'img', 'icons');
  const built = () => existsSync(path.join(hostDir, 'index.html'));

  const notBuilt = (res: Response) =>
    res
      .status(503)
      .type('text/plain')
      .send('The preview is not built yet: run `npm run build` at the repository root (builds both plugins and the preview host).');

  router.get(['/preview', '/preview/'], (_req, res) => (built() ? res.sendFile(path.join(hostDir, 'index.html')) : notBuilt(res)));
  router.use('/preview/assets', express.static(hostDir, { index: false, fallthrough: false }));
  router.post('/preview/session', express.json({ limit: 1024 }), async (req: Request, res: Response) => {
    // Tokens are handed out without credentials, so only to this machine's own browser (npm start binds 127.0.0.1).
    const refusal = notLocal(req);
    if (refusal) {
      res.status(403).json({ error: { code: 'forbidden', message: `preview sessions are issued only to clients on this machine: ${refusal}` } });
      return;
    }
    const decision = sessions.take('sessions');
    if (!decision.ok) {
      res.setHeader('Retry-After', String(decision.retryAfterSeconds));
      res.status(429).json({ error: { code: 'rate_limited', message: `too many preview sessions: retry in ${decision.retryAfterSeconds} s` } });
      return;
    }
    const parsed = sessionBody.safeParse(req.body ?? {});
    if (!parsed.success) {
      res.status(400).json({ error: { code: 'invalid_input', message: `persona must be one of ${Object.keys(PREVIEW_PERSONAS).join(', ')}` } });
      return;
    }
    const persona = PREVIEW_PERSONAS[parsed.data.persona];
    const expiresAt = new Date(clock.nowMs() + PREVIEW_TOKEN_TTL_MS);
    const { secret, token } = await tokens.create({ name: `preview-${parsed.data.persona}`, role: persona.role, createdBy: 'preview', expiresAt });
    await audit.record({
      actor: 'preview',
      action: 'preview.session',
      target: `token:${token.id}`,
      result: 'success',
      details: { persona: parsed.data.persona, role: persona.role, expires_at: expiresAt.toISOString() },
      remote_addr: req.socket.remoteAddress ?? null,
    });
    logger.info('preview session token issued', { persona: parsed.data.persona, role: persona.role });
    res.json({
      token: secret,
      role: persona.role,
      persona: parsed.data.persona,
      user: { login: persona.login, grafanaRole: persona.grafanaRole, permissions: Object.fromEntries(persona.permissions.map((p) => [p, true])) },
      expires_at: expiresAt.toISOString(),
    });
  });
  for (const [id, dir] of Object.entries(PREVIEW_PLUGIN_DIRS)) {
    router.use(`/public/plugins/${id}`, express.static(path.join(repoRoot, dir), { index: false, fallthrough: false }));
  }
  // @grafana/ui's <Icon> fetches its SVGs from public/build/img/icons; the npm package ships them.
  router.use('/public/build/img/icons', express.static(iconDir, { index: false }), (_req, res) => {
    res.type('image/svg+xml').send('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"></svg>');
  });
  // Grafana's fonts are not on npm; the theme falls back to system fonts.
  router.get('/public/fonts/{*rest}', (_req, res) => res.status(204).end());
  return router;
}

export function isLoopback(address: string | undefined): boolean {
  return address === '::1' || /^(::ffff:)?127\./.test(address ?? '');
}

/** Serves the preview routes before the API app (they need no API token; the session endpoint issues one). */
export function withPreview(preview: express.Router, app: express.Express, logger: Logger): express.Express {
  const outer = express();
  outer.disable('x-powered-by');
  outer.set('trust proxy', 'loopback');
  outer.set('case sensitive routing', true);
  outer.set('strict routing', true);
  outer.use(preview);
  outer.use(app);
  outer.use(jsonErrorHandler(logger));
  return outer;
}
