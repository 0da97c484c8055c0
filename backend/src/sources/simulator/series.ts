/** Ring buffers of samples on a fixed tick grid (tick = floor(t / stepMs)). */
export interface SeriesRing {
  firstTick: number;
  lastTick: number;
  values: Float32Array;
}

/** A handle on one series, so a hot loop records without building keys or looking them up. */
export interface SeriesWriter {
  record(tick: number, value: number): void;
}

export interface SeriesStore {
  readonly stepMs: number;
  readonly capacity: number;
  record(key: string, tick: number, value: number): void;
  writer(key: string): SeriesWriter;
  /** The sample at `tick`, or undefined when it was never recorded or has aged out. */
  at(key: string, tick: number): number | undefined;
  has(key: string): boolean;
  keys(): IterableIterator<string>;
  /** Forgets series whose last sample is older than the retention window. */
  prune(currentTick: number): void;
}

export function createSeriesStore(opts: { stepMs: number; retentionMs: number }): SeriesStore {
  const capacity = Math.max(2, Math.ceil(opts.retentionMs / opts.stepMs));
  const rings = new Map<string, SeriesRing>();
  const write = (key: string, tick: number, value: number) => {
    let ring = rings.get(key);
    if (!ring) {
      ring = { firstTick: tick, lastTick: tick - 1, values: new Float32Array(capacity).fill(NaN) };
      rings.set(key, ring);
    }
    put(ring, tick, value);
  };
  const put = (ring: SeriesRing, tick: number, value: number) => {
    // Ticks that were skipped (a pause) leave gaps, not stale values.
    for (let t = ring.lastTick + 1; t < tick && t <= ring.lastTick + capacity; t++) ring.values[t % capacity] = NaN;
    ring.values[tick % capacity] = value;
    if (tick > ring.lastTick) ring.lastTick = tick;
  };
  return {
    stepMs: opts.stepMs,
    capacity,
    record: write,
    writer(key) {
      let ring: SeriesRing | undefined;
      return {
        record(tick, value) {
          // Re-resolve after pruning dropped the ring.
          if (!ring || rings.get(key) !== ring) {
            write(key, tick, value);
            ring = rings.get(key);
          } else put(ring, tick, value);
        },
      };
    },
    at(key, tick) {
      const ring = rings.get(key);
      if (!ring || tick > ring.lastTick || tick < ring.firstTick || tick <= ring.lastTick - capacity) return undefined;
      return ring.values[tick % capacity];
    },
    has: (key) => rings.has(key),
    keys: () => rings.keys(),
    prune(currentTick) {
      for (const [key, ring] of rings) if (ring.lastTick < currentTick - capacity) rings.delete(key);
    },
  };
}
