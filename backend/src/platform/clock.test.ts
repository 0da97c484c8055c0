import { describe, expect, it } from 'vitest';
import { createManualClock } from './clock.js';

const flush = () => new Promise((r) => setImmediate(r));

describe('manual clock sleep', () => {
  it('wakes a sleeper only when the clock passes its time, in the order they are due', async () => {
    const clock = createManualClock(1_000);
    const woke: string[] = [];
    void clock.sleep(500).then(() => woke.push('b'));
    void clock.sleep(200).then(() => woke.push('a'));
    void clock.sleep(2_000).then(() => woke.push('c'));
    await flush();
    expect(woke).toEqual([]);
    expect(clock.sleeping).toBe(3);
    clock.advance(499);
    await flush();
    expect(woke).toEqual(['a']);
    clock.set(1_500);
    await flush();
    expect(woke).toEqual(['a', 'b']);
    expect(clock.sleeping).toBe(1);
  });

  it('does not wait for no time', async () => {
    const clock = createManualClock(0);
    await clock.sleep(0);
    expect(clock.sleeping).toBe(0);
  });
});
