/** Time is injected so tests and the simulator can run it faster or hold it still. */
export interface Clock {
  now(): Date;
  nowMs(): number;
}

export const systemClock: Clock = {
  now: () => new Date(),
  nowMs: () => Date.now(),
};

/** A clock that moves only when told to. */
export function createManualClock(start: Date | number = Date.UTC(2026, 0, 1)): Clock & {
  advance(ms: number): void;
  set(at: Date | number): void;
} {
  let t = typeof start === 'number' ? start : start.getTime();
  return {
    now: () => new Date(t),
    nowMs: () => t,
    advance: (ms) => {
      t += ms;
    },
    set: (at) => {
      t = typeof at === 'number' ? at : at.getTime();
    },
  };
}
