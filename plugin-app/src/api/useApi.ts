import { useCallback, useEffect, useRef, useState } from 'react';
import type { ApiResult } from './client';
import { subscribeLive } from './live';

export interface ApiState<T> {
  result?: ApiResult<T>;
  reload: () => void;
  /** True while backend events arrive over the live connection (polling then slows down). */
  live: boolean;
}

export interface LiveOptions {
  /** Poll period while no live connection is up. */
  pollMs?: number;
  /** Backend event topics that mean "reload now"; when connected, polling drops to `livePollMs`. */
  topics?: string[];
  livePollMs?: number;
}

/**
 * Loads with `load` whenever `deps` change, then keeps it fresh: polling every `pollMs`, or, once the
 * live connection is up, on each event of `topics` (with a slow safety poll). The latest request wins:
 * a slow older answer never overwrites a newer one.
 */
export function useApi<T>(load: () => Promise<ApiResult<T>>, deps: unknown[], opts: number | LiveOptions = {}): ApiState<T> {
  const { pollMs, topics, livePollMs = 30_000 } = typeof opts === 'number' ? { pollMs: opts } : opts;
  const [result, setResult] = useState<ApiResult<T>>();
  const [live, setLive] = useState(false);
  const loadRef = useRef(load);
  const seq = useRef(0);
  const key = JSON.stringify(deps);
  const topicKey = topics?.join(',') ?? '';
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
    const period = live ? livePollMs : pollMs;
    if (!period) return undefined;
    const timer = setInterval(reload, period);
    return () => clearInterval(timer);
  }, [reload, pollMs, live, livePollMs]);

  useEffect(() => {
    if (!topicKey) return undefined;
    let pending: ReturnType<typeof setTimeout> | undefined;
    // Bursts of events cost one reload.
    const onEvent = () => {
      pending ??= setTimeout(() => {
        pending = undefined;
        reload();
      }, 300);
    };
    const stop = subscribeLive(topicKey.split(','), onEvent, setLive);
    return () => {
      if (pending) clearTimeout(pending);
      stop();
    };
  }, [topicKey, reload]);

  return { result, reload, live };
}
