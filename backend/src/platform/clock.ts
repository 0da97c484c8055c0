/** Time is injected so tests and the simulator can run it faster or hold it still. */
export interface Clock {
  now(): Date;
  nowMs(): number;
  /**
   * Resolves once `ms` of this clock's time has passed. A loop that polls on the clock waits with this, so it
   * polls in the clock's time (absent: a component waits in real time, as with the system clock).
   */
  sleep?(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => new Date(),
  nowMs: () => Date.now(),
  sleep: (ms) => new Promise<void>((r) => setTimeout(r, ms).unref?.()),
};

/** A clock that moves only when told to; its sleepers wake, in the order they are due, as it passes their time. */
export function createManualClock(start: Date | number = Date.UTC(2026, 0, 1)): Clock & {
  advance(ms: number): void;
  set(at: Date | number): void;
  sleep(ms: number): Promise<void>;
  /** How many sleepers are waiting for the clock to move. */
  readonly sleeping: number;
} {
  let t = typeof start === 'number' ? start : start.getTime();
  let sleepers: Array<{ at: number; seq: number; wake: () => void }> = [];
  let seq = 0;
  const wakeDue = () => {
    const due = sleepers.filter((s) => s.at <= t).sort((a, b) => a.at - b.at || a.seq - b.seq);
    if (!due.length) return;
    sleepers = sleepers.filter((s) => s.at > t);
    for (const s of due) s.wake();
  };
  return {
    now: () => new Date(t),
    nowMs: () => t,
    advance: (ms) => {
      t += ms;
      wakeDue();
    },
    set: (at) => {
      t = typeof at === 'number' ? at : at.getTime();
      wakeDue();
    },
    sleep: (ms) =>
      new Promise<void>((wake) => {
        if (ms <= 0) return wake();
        sleepers.push({ at: t + ms, seq: seq++, wake });
      }),
    get sleeping() {
      return sleepers.length;
    },
  };
}
