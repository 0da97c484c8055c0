import type { Clock } from '../platform/clock.js';

/** A clock running `speed` times faster than real time (tests and the demo's fast-forward). */
export function scaledClock(speed: number, start = Date.now()): Clock {
  const realStart = Date.now();
  const nowMs = () => start + (Date.now() - realStart) * speed;
  return { nowMs, now: () => new Date(nowMs()) };
}
