/** Timeouts and retries shared by the collectors: a failing source is reported, never fatal. */
export interface RetryPolicy {
  timeoutMs: number;
  retries: number;
  /** First back-off; doubles each attempt, with jitter. */
  backoffMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { timeoutMs: 10_000, retries: 2, backoffMs: 250 };

export class TimeoutError extends Error {
  constructor(what: string, ms: number) {
    super(`${what} timed out after ${ms} ms`);
  }
}

export function withTimeout<T>(what: string, ms: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ac = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      ac.abort();
      reject(new TimeoutError(what, ms));
    }, ms);
  });
  return Promise.race([work(ac.signal), timeout]).finally(() => clearTimeout(timer));
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Retries `work` on transient failures (`retryable` decides), with exponential back-off and jitter. */
export async function retrying<T>(
  what: string,
  policy: RetryPolicy,
  retryable: (err: unknown) => boolean,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  let attempt = 0;
  for (;;) {
    try {
      return await withTimeout(what, policy.timeoutMs, work);
    } catch (err) {
      if (attempt >= policy.retries || !retryable(err)) throw err;
      await sleep(policy.backoffMs * 2 ** attempt * (0.5 + Math.random()));
      attempt++;
    }
  }
}
