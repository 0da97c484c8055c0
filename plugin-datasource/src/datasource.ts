import {
  type DataFrame,
  type DataQueryRequest,
  type DataQueryResponse,
  DataSourceApi,
  type DataSourceInstanceSettings,
  type MetricFindValue,
  type ScopedVars,
  type TestDataSourceResponse,
} from '@grafana/data';
import { type FetchError, getBackendSrv, getTemplateSrv, isFetchError } from '@grafana/runtime';
import { lastValueFrom } from 'rxjs';
import { graphToFrames, type GraphInput } from '../../plugin-app/src/shared/graphFrames';
import { type IacFindingRow, iacFrame, incidentFrame, type IncidentListResponse, type RcaResponse, rcaFrame, scoreFrames, type ScoresResponse } from './frames';
import { type AegisOptions, type AegisQuery, type AegisVariableQuery, DEFAULT_QUERY } from './types';

type Params = Record<string, string | number | undefined>;

/** A failed call with the backend's own reason, so panels and the health check say what is wrong. */
export class AegisApiError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

function describe(err: unknown): AegisApiError {
  if (isFetchError(err)) {
    const e = err as FetchError<{ error?: { message?: string }; message?: string }>;
    return new AegisApiError(e.data?.error?.message ?? e.data?.message ?? e.statusText ?? `HTTP ${e.status}`, e.status);
  }
  return new AegisApiError(err instanceof Error ? err.message : String(err));
}

export class DataSource extends DataSourceApi<AegisQuery, AegisOptions> {
  /** Requests go through the datasource proxy route `aegis` (plugin.json), which adds the token. */
  readonly base: string;
  readonly backendUrl?: string;
  annotations = {};

  constructor(instanceSettings: DataSourceInstanceSettings<AegisOptions>) {
    super(instanceSettings);
    this.base = `${instanceSettings.url ?? ''}/aegis`;
    this.backendUrl = instanceSettings.jsonData?.backendUrl;
  }

  getDefaultQuery(): Partial<AegisQuery> {
    return DEFAULT_QUERY;
  }

  filterQuery(query: AegisQuery): boolean {
    return !query.hide;
  }

  async get<T>(path: string, params?: Params): Promise<T> {
    const clean = params ? Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined && v !== '')) : undefined;
    try {
      const res = await lastValueFrom(getBackendSrv().fetch<T>({ url: `${this.base}${path}`, params: clean, showErrorAlert: false }));
      return res.data;
    } catch (err) {
      throw describe(err);
    }
  }

  /** Template variables resolved; "All" means no filter. */
  private vars(value: string | undefined, scopedVars: ScopedVars): string | undefined {
    if (!value) return undefined;
    const v = getTemplateSrv().replace(value, scopedVars);
    return v === '$__all' || v === 'All' || v === '*' || v === '' ? undefined : v;
  }

  async query(request: DataQueryRequest<AegisQuery>): Promise<DataQueryResponse> {
    const from = request.range.from.valueOf();
    const to = request.range.to.valueOf();
    const frames = await Promise.all(
      request.targets.filter((t) => !t.hide).map((t) => this.runQuery(t, { from, to, stepMs: request.intervalMs, scopedVars: request.scopedVars })),
    );
    return { data: frames.flat() };
  }

  async runQuery(q: AegisQuery, ctx: { from: number; to: number; stepMs: number; scopedVars: ScopedVars }): Promise<DataFrame[]> {
    const v = (x?: string) => this.vars(x, ctx.scopedVars);
    switch (q.queryType ?? 'anomalyScores') {
      case 'anomalyScores': {
        const body = await this.get<ScoresResponse>('/api/v1/anomalies/scores', {
          service: v(q.service),
          metric: v(q.metric),
          from: String(Math.floor(ctx.from)),
          to: String(Math.ceil(ctx.to)),
          step: `${Math.max(1000, Math.round(ctx.stepMs || 60_000))}ms`,
        });
        return scoreFrames(body, q.refId);
      }
      case 'incidents': {
        const body = await this.get<IncidentListResponse>('/api/v1/incidents', {
          service: v(q.service),
          namespace: v(q.namespace),
          status: v(q.status),
          severity: v(q.severity),
          from: String(Math.floor(ctx.from)),
          to: String(Math.ceil(ctx.to)),
          limit: 500,
        });
        return [incidentFrame(body, q.refId)];
      }
      case 'rca': {
        const id = v(q.incidentId) ?? (await this.latestIncidentId());
        if (!id) return [rcaFrame({ incident_id: '', analysed_at: '', fault_time: null, ranking: [], warnings: ['no open incident'] }, q.refId)];
        return [rcaFrame(await this.get<RcaResponse>(`/api/v1/incidents/${encodeURIComponent(id)}/rca`), q.refId)];
      }
      case 'serviceGraph':
        return graphToFrames(await this.get<GraphInput>('/api/v1/graph', { namespace: v(q.namespace) }), q.refId);
      case 'iacFindings': {
        const body = await this.get<{ items: IacFindingRow[] }>('/api/v1/iac/findings', {
          severity: v(q.severity),
          rule: v(q.rule),
          file: v(q.file),
          limit: 500,
        });
        return [iacFrame(body.items, q.refId)];
      }
      default:
        throw new AegisApiError(`unknown query type ${String(q.queryType)}`);
    }
  }

  private async latestIncidentId(): Promise<string | undefined> {
    const open = await this.get<IncidentListResponse>('/api/v1/incidents', { limit: 1 });
    return open.items[0]?.id;
  }

  /** Template variables: `services` (optionally in a namespace) or `namespaces`. */
  async metricFindQuery(query: AegisVariableQuery | string, options?: { scopedVars?: ScopedVars }): Promise<MetricFindValue[]> {
    const q: AegisVariableQuery = typeof query === 'string' ? { kind: query.trim() === 'namespaces' ? 'namespaces' : 'services' } : query;
    if (q.kind === 'namespaces') {
      const body = await this.get<{ items: Array<{ name: string }> }>('/api/v1/namespaces');
      return body.items.map((n) => ({ text: n.name, value: n.name }));
    }
    const body = await this.get<{ items: Array<{ name: string }> }>('/api/v1/services', {
      namespace: this.vars(q.namespace, options?.scopedVars ?? {}),
    });
    return body.items.map((s) => ({ text: s.name, value: s.name }));
  }

  /** Says what is wrong: unreachable backend, refused token, or a role that cannot read. */
  async testDatasource(): Promise<TestDataSourceResponse> {
    const where = this.backendUrl ? ` at ${this.backendUrl}` : '';
    try {
      await this.get('/healthz');
    } catch (err) {
      const e = err as AegisApiError;
      return { status: 'error', message: `Cannot reach the Aegis backend${where} through Grafana's proxy (${e.status ? `HTTP ${e.status}: ` : ''}${e.message}). Check the backend URL and that Grafana's server can reach it.` };
    }
    try {
      const services = await this.get<{ items: unknown[] }>('/api/v1/services');
      return { status: 'success', message: `Aegis backend${where} is reachable and accepts the token; ${services.items.length} services known.` };
    } catch (err) {
      const e = err as AegisApiError;
      if (e.status === 401) return { status: 'error', message: `The backend refused the API token: ${e.message}. Set a valid token of role grafana or viewer.` };
      if (e.status === 403) return { status: 'error', message: `The token may not read: ${e.message}. Use a token of role grafana or viewer.` };
      return { status: 'error', message: `The backend answered but listing services failed (${e.status ? `HTTP ${e.status}: ` : ''}${e.message}).` };
    }
  }
}
