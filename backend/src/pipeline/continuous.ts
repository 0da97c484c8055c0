import type { Clock } from '../platform/clock.js';
import { errorMessage } from '../platform/errors.js';
import type { Logger } from '../platform/logger.js';

export interface ContinuousOptions {
  /** At most one re-run per incident per this much (clock) time; marks in between coalesce. */
  debounceMs?: number;
  /** An open incident with nothing happening is looked at again after this much (clock) time. */
  revisitMs?: number;
  /** Real-time pause between sweeps; 0: no timer, whoever drives the clock calls `sweep()` (benches on a manual clock). */
  sweepEveryMs?: number;
}

export interface ContinuousDeps extends ContinuousOptions {
  clock: Clock;
  logger: Logger;
  /** Incidents still open for investigation (not resolved, closed or being remediated). */
  openIncidents(): Promise<string[]>;
  /** Re-runs RCA and the fixer; false when the incident was busy (tried again on the next sweep). */
  rerun(incidentId: string, reasons: string[]): Promise<boolean>;
}

export interface Continuous {
  /** Something changed (a new signal, a rejection, a failed action): re-investigate soon. */
  mark(incidentId: string, reason: string): void;
  /** The first investigation (or a re-run) just finished: the debounce counts from here. */
  ran(incidentId: string): void;
  /** One sweep now (tests, and the timer). */
  sweep(): Promise<void>;
  start(): void;
  stop(): Promise<void>;
}

/**
 * Continuous investigation: marks coalesce per incident and run at most once per debounce period;
 * incidents left open are revisited as time passes, so a diagnosis made before the evidence existed
 * is made again once it does.
 */
export function createContinuous(deps: ContinuousDeps): Continuous {
  const debounceMs = deps.debounceMs ?? 30_000;
  const revisitMs = deps.revisitMs ?? 120_000;
  const dirty = new Map<string, Set<string>>();
  const lastRun = new Map<string, number>();
  let timer: NodeJS.Timeout | undefined;
  let sweeping: Promise<void> | undefined;

  async function sweepOnce() {
    const now = deps.clock.nowMs();
    const open = new Set(await deps.openIncidents());
    for (const id of open) {
      const last = lastRun.get(id);
      if (last === undefined) lastRun.set(id, now);
      else if (now - last >= revisitMs && !dirty.has(id)) dirty.set(id, new Set(['time passed with the incident still open']));
    }
    for (const [id, reasons] of [...dirty]) {
      if (now - (lastRun.get(id) ?? -Infinity) < debounceMs) continue;
      dirty.delete(id);
      lastRun.set(id, now);
      try {
        if (!(await deps.rerun(id, [...reasons]))) dirty.set(id, reasons);
      } catch (err) {
        deps.logger.error('re-investigation failed', { incidentId: id, err: errorMessage(err) });
      }
      lastRun.set(id, deps.clock.nowMs());
    }
    for (const id of lastRun.keys()) if (!open.has(id) && !dirty.has(id)) lastRun.delete(id);
  }

  const sweep = () => {
    sweeping ??= sweepOnce().finally(() => (sweeping = undefined));
    return sweeping;
  };

  return {
    mark(id, reason) {
      const reasons = dirty.get(id) ?? new Set<string>();
      reasons.add(reason);
      dirty.set(id, reasons);
    },
    ran(id) {
      lastRun.set(id, deps.clock.nowMs());
    },
    sweep,
    start() {
      if (deps.sweepEveryMs === 0) return;
      timer ??= setInterval(() => void sweep().catch((err: unknown) => deps.logger.error('re-investigation sweep failed', { err: errorMessage(err) })), deps.sweepEveryMs ?? 2_000);
      timer.unref?.();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await sweeping;
    },
  };
}
