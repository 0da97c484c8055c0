import type { AegisHandle } from '../../main.js';

const MIN = 60_000;

export interface Driver {
  /** Moves simulated time on by `ms`: simulator ticks, a detection tick each minute, then the pipeline's work. */
  advance(ms: number): Promise<void>;
}

/**
 * Drives a backend started on a manual clock with `drivenClock` (detection not scheduled): time passes
 * only here, and everything the passing time causes (anomalies, incidents, investigations) is done
 * before the next step — so what is measured does not depend on how busy the machine is.
 */
export function driveBackend(handle: AegisHandle, clock: { nowMs(): number; advance(ms: number): void }, stepMs = 15_000): Driver {
  const sim = handle.simulator;
  const detection = handle.detection;
  if (!sim || !detection) throw new Error('a driven backend needs the in-process simulated cluster and detection');
  let lastTick = clock.nowMs();
  return {
    async advance(ms) {
      const end = clock.nowMs() + ms;
      while (clock.nowMs() < end) {
        clock.advance(Math.min(stepMs, end - clock.nowMs()));
        sim.catchUp();
        if (clock.nowMs() - lastTick >= MIN) {
          lastTick = clock.nowMs();
          await detection.tick();
          await handle.bus.drain();
          await handle.pipeline.sweep();
        }
        await handle.bus.drain();
        await handle.pipeline.idle();
        await new Promise((r) => setTimeout(r, 2));
      }
    },
  };
}
