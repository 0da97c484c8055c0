import { getBackendSrv, isFetchError } from '@grafana/runtime';
import { lastValueFrom } from 'rxjs';
import { PROXY_BASE } from '../constants';

/** Outcome of one call: data, "this backend has no such endpoint yet", or an error with the backend's reason. */
export type ApiResult<T> =
  | { kind: 'ok'; data: T }
  | { kind: 'unavailable'; message: string }
  | { kind: 'error'; status?: number; message: string };

type Params = Record<string, string | number | boolean | undefined>;

function clean(params?: Params): Record<string, string | number | boolean> | undefined {
  if (!params) return undefined;
  return Object.fromEntries(Object.entries(params).filter((e): e is [string, string | number | boolean] => e[1] !== undefined && e[1] !== ''));
}

function reason(err: unknown): { status?: number; message: string } {
  if (isFetchError(err)) {
    const body = err.data as { error?: { message?: string }; message?: string } | undefined;
    return { status: err.status, message: body?.error?.message ?? body?.message ?? err.statusText ?? `HTTP ${err.status}` };
  }
  return { message: err instanceof Error ? err.message : String(err) };
}

/** The one HTTP policy of the app: through the plugin proxy, errors shown by Grafana are suppressed here. */
export async function callApi<T>(
  method: 'GET' | 'POST',
  path: string,
  opts: { params?: Params; body?: unknown; base?: string } = {},
): Promise<ApiResult<T>> {
  try {
    const res = await lastValueFrom(
      getBackendSrv().fetch<T>({
        url: `${opts.base ?? PROXY_BASE}${path}`,
        method,
        params: clean(opts.params),
        data: opts.body,
        showErrorAlert: false,
        showSuccessAlert: false,
      }),
    );
    return { kind: 'ok', data: res.data };
  } catch (err) {
    const r = reason(err);
    // 404 on a whole route (not a missing record) means the backend does not serve it yet.
    if (r.status === 404 && /no route/i.test(r.message)) return { kind: 'unavailable', message: r.message };
    return { kind: 'error', ...r };
  }
}

export const apiGet = <T>(path: string, params?: Params, base?: string) => callApi<T>('GET', path, { params, base });
export const apiPost = <T>(path: string, body?: unknown) => callApi<T>('POST', path, { body });
