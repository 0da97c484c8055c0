import { userInfo } from 'node:os';
import type { AegisConfig } from '../config/index.js';
import { AegisError, AuthenticationError, InputError, UnavailableError } from '../platform/errors.js';
import { systemClock } from '../platform/clock.js';
import { silentLogger } from '../platform/logger.js';
import type { Store } from '../store/index.js';
import type { ApiToken, Incident, IncidentDetail, IncidentStatus, Role } from '../store/types.js';

/** What the CLI's commands need; served over HTTP by a running server, or straight from the local store. */
export interface CliBackend {
  createToken(input: {
    name: string;
    role: Role;
    expiresInDays?: number;
  }): Promise<{ token: ApiToken; secret: string }>;
  listTokens(): Promise<ApiToken[]>;
  revokeToken(idOrPrefix: string): Promise<ApiToken>;
  listIncidents(filter: { status?: IncidentStatus[]; service?: string; limit: number }): Promise<Incident[]>;
  getIncident(id: string): Promise<IncidentDetail>;
  acknowledgeIncident(id: string): Promise<Incident>;
  resolveIncident(id: string, resolution?: string): Promise<Incident>;
  addNote(id: string, text: string): Promise<{ id: string; created_at: string }>;
  close(): Promise<void>;
}

export function httpBackend(baseUrl: string, token: string | undefined): CliBackend {
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    if (!token) throw new AuthenticationError('AEGIS_TOKEN must be set to talk to the server at ' + baseUrl);
    let res: Response;
    try {
      res = await fetch(new URL(`/api/v1${path}`, baseUrl), {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
    } catch (err) {
      throw new UnavailableError(`cannot reach Aegis at ${baseUrl}: ${(err as Error).message}`);
    }
    const payload = (await res.json().catch(() => ({}))) as { error?: { message?: string } };
    if (!res.ok) throw new HttpCliError(res.status, payload.error?.message ?? res.statusText);
    return payload as T;
  };
  return {
    createToken: ({ name, role, expiresInDays }) =>
      call('POST', '/tokens', { name, role, ...(expiresInDays ? { expires_in_days: expiresInDays } : {}) }),
    listTokens: async () => (await call<{ items: ApiToken[] }>('GET', '/tokens')).items,
    revokeToken: (id) => call('DELETE', `/tokens/${encodeURIComponent(id)}`),
    async listIncidents({ status, service, limit }) {
      const q = new URLSearchParams({ limit: String(limit) });
      if (status?.length) q.set('status', status.join(','));
      if (service) q.set('service', service);
      return (await call<{ items: Incident[] }>('GET', `/incidents?${q}`)).items;
    },
    getIncident: (id) => call('GET', `/incidents/${encodeURIComponent(id)}`),
    acknowledgeIncident: (id) => call('POST', `/incidents/${encodeURIComponent(id)}/acknowledge`, {}),
    resolveIncident: (id, resolution) => call('POST', `/incidents/${encodeURIComponent(id)}/resolve`, resolution ? { resolution } : {}),
    addNote: (id, text) => call('POST', `/incidents/${encodeURIComponent(id)}/notes`, { text }),
    close: async () => {},
  };
}

class HttpCliError extends AegisError {
  readonly code = 'http_error';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(`${status}: ${message}`);
  }
}

/** Opens the configured store directly; fails clearly when a running server holds the embedded database. */
export async function localBackend(config: AegisConfig): Promise<CliBackend> {
  // Loaded only here: the server's modules are what makes a command slow to start.
  const [{ openConfiguredDatabase }, { createStore, migrate }] = await Promise.all([import('../main.js'), import('../store/index.js')]);
  const db = await openConfiguredDatabase(config);
  await migrate(db, silentLogger);
  const store: Store = createStore({ db, clock: systemClock });
  const actor = `cli:${userInfo().username}`;
  const audited = async <T>(action: string, target: string, fn: () => Promise<T>): Promise<T> => {
    try {
      const result = await fn();
      await store.audit.record({ actor, action, target, result: 'success', details: { via: 'local-cli' } });
      return result;
    } catch (err) {
      await store.audit.record({ actor, action, target, result: 'failed', details: { via: 'local-cli' } });
      throw err;
    }
  };
  return {
    createToken: ({ name, role, expiresInDays }) =>
      audited('token.create', `${role}:${name}`, () =>
        store.tokens.create({
          name,
          role,
          createdBy: actor,
          expiresAt: expiresInDays ? new Date(Date.now() + expiresInDays * 86_400_000) : undefined,
        }),
      ),
    listTokens: () => store.tokens.list(),
    revokeToken: (id) => audited('token.revoke', id, () => store.tokens.revoke(id)),
    listIncidents: async (f) => (await store.incidents.list(f)).items,
    async getIncident(id) {
      return store.incidents.getDetail(uuid(id));
    },
    acknowledgeIncident: (id) => audited('incident.acknowledge', id, () => store.incidents.acknowledge(uuid(id), actor)),
    resolveIncident: (id, resolution) => audited('incident.resolve', id, () => store.incidents.resolve(uuid(id), actor, resolution)),
    async addNote() {
      throw new InputError('notes are written through the server: start it (npm start) or set AEGIS_URL and AEGIS_TOKEN');
    },
    close: () => db.close(),
  };
}

function uuid(id: string): string {
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw new InputError('incident id must be a UUID');
  return id;
}
