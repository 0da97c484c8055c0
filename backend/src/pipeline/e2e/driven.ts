import type { AegisHandle } from '../../main.js';

const MIN = 60_000;
/** How long (real time) the cluster's event watch may take to deliver what the simulator wrote before the driver gives up. */
const WATCH_DEADLINE_MS = 60_000;

export interface Driver {
  /** Moves simulated time on by `ms`: simulator ticks, a detection tick each minute, then the pipeline's work. */
  advance(ms: number): Promise<void>;
  /** Waits until everything already started is done (or waiting for the clock); `advance` does this itself. */
  settle(): Promise<void>;
}

/**
 * Drives a backend started on a manual clock with `drivenClock` (nothing periodic on a real timer): time passes
 * only here, and everything the passing time causes is done before the next step, one stage after another —
 * the simulator's ticks, the Kubernetes events they wrote (delivered through the event watch and ingested),
 * remediation (applies, and the verification polls due by now, which wait on the clock), the bus and the
 * pipeline, a detection tick each simulated minute and a continuous-investigation sweep — so what is measured
 * does not depend on how busy the machine is, and the same start and seed give the same run.
 */
export function driveBackend(handle: AegisHandle, clock: { nowMs(): number; advance(ms: number): void }, stepMs = 15_000): Driver {
  const sim = handle.simulator;
  const detection = handle.detection;
  if (!sim || !detection) throw new Error('a driven backend needs the in-process simulated cluster and detection');
  let lastTick = clock.nowMs();
  // The newest change to an Event object in the simulated cluster: the event watch must have delivered up to it.
  let eventsRv = 0;
  sim.store.subscribe((c) => {
    if (c.resource === 'events') eventsRv = c.rv;
  });
  // Every bus event: a settling round that saw none started nothing new.
  let published = 0;
  handle.bus.subscribe('*', () => {
    published++;
  });

  async function eventsDelivered() {
    if (!handle.kubernetes) return;
    const deadline = Date.now() + WATCH_DEADLINE_MS;
    for (;;) {
      const seen = Number(handle.eventWatch()?.resourceVersion ?? 0);
      if (seen >= eventsRv) break;
      if (Date.now() > deadline) throw new Error(`the cluster's event watch did not deliver events up to version ${eventsRv} (at ${seen})`);
      await new Promise((r) => setTimeout(r, 1));
    }
    await handle.ingest.writer.flush();
  }

  async function settle() {
    for (;;) {
      const before = published;
      await eventsDelivered();
      await handle.remediation.settled();
      await eventsDelivered(); // what an applied action changed in the cluster
      await handle.bus.drain();
      await handle.pipeline.idle();
      await handle.bus.drain();
      if (published === before) return;
    }
  }

  return {
    settle,
    async advance(ms) {
      const end = clock.nowMs() + ms;
      await settle(); // what the caller started (an approval) happens at the time it was started
      while (clock.nowMs() < end) {
        clock.advance(Math.min(stepMs, end - clock.nowMs()));
        sim.catchUp();
        await settle();
        if (clock.nowMs() - lastTick >= MIN) {
          lastTick = clock.nowMs();
          await detection.tick();
          await settle();
          await handle.pipeline.sweep();
          await settle();
        }
      }
    },
  };
}
