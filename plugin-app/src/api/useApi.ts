import { useCallback, useEffect, useRef, useState } from 'react';
import type { ApiResult } from './client';

export interface ApiState<T> {
  result?: ApiResult<T>;
  reload: () => void;
}

/**
 * Loads with `load` whenever `deps` change and, when `pollMs` is set, reloads on that period while
 * mounted. The latest request wins: a slow older answer never overwrites a newer one.
 */
export function useApi<T>(load: () => Promise<ApiResult<T>>, deps: unknown[], pollMs?: number): ApiState<T> {
  const [result, setResult] = useState<ApiResult<T>>();
  const loadRef = useRef(load);
  const seq = useRef(0);
  const key = JSON.stringify(deps);
  useEffect(() => {
    loadRef.current = load;
  });

  const reload = useCallback(() => {
    const mine = ++seq.current;
    void loadRef.current().then((r) => {
      if (mine === seq.current) setResult(r);
    });
    // `key` stands for the caller's deps: a change starts a new load.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);

  useEffect(() => {
    reload();
    if (!pollMs) return undefined;
    const timer = setInterval(reload, pollMs);
    return () => clearInterval(timer);
  }, [reload, pollMs]);

  return { result, reload };
}
