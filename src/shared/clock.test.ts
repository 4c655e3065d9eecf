import { describe, expect, it } from 'vitest';
import { ManualClock, SystemClock } from './clock.js';

describe('ManualClock', () => {
  it('fires due timers in time order and nothing early', async () => {
    const clock = new ManualClock(0);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push('b'), 200);
    clock.setTimeout(() => fired.push('a'), 100);
    const c = clock.setTimeout(() => fired.push('c'), 150);
    c.cancel();
    await clock.advance(99);
    expect(fired).toEqual([]);
    await clock.advance(101);
    expect(fired).toEqual(['a', 'b']);
    expect(clock.now()).toBe(200);
  });

  it('runs timers scheduled by timers within the same advance', async () => {
    const clock = new ManualClock(0);
    const fired: number[] = [];
    const tick = () => {
      fired.push(clock.now());
      if (fired.length < 3) clock.setTimeout(tick, 10);
    };
    clock.setTimeout(tick, 10);
    await clock.advance(100);
    expect(fired).toEqual([10, 20, 30]);
  });

  it('sleep resolves on advance and rejects on abort', async () => {
    const clock = new ManualClock(0);
    const done = clock.sleep(50);
    await clock.advance(50);
    await expect(done).resolves.toBeUndefined();
    const ac = new AbortController();
    const aborted = clock.sleep(50, ac.signal);
    ac.abort(new Error('stop'));
    await expect(aborted).rejects.toThrow('stop');
  });
});

describe('SystemClock', () => {
  it('rejects a non-positive speed', () => {
    expect(() => new SystemClock(0)).toThrow(RangeError);
  });
  it('runs faster than the wall clock with a speed factor', () => {
    const clock = new SystemClock(1000);
    const start = Date.now();
    const t0 = clock.now();
    while (Date.now() - start < 5) {
      /* spin a few ms */
    }
    expect(clock.now() - t0).toBeGreaterThanOrEqual(4000);
  });
});
